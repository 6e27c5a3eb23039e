"""The JSON:API document layer: resources, compound documents with `included` lookups, typed pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

from .lenient import Dict, Str, to_int, to_str

Key = tuple[str, str]


class Resource(BaseModel):
    """One JSON:API resource object; anything malformed parses to empty values."""

    model_config = ConfigDict(extra="allow")

    id: Str = None
    type: Str = None
    attributes: Dict = {}
    relationships: Dict = {}

    @classmethod
    def parse(cls, raw: Any) -> Resource:
        return cls.model_validate(raw if isinstance(raw, dict) else {})

    @property
    def key(self) -> Key | None:
        return (self.type, self.id) if self.type and self.id else None

    def linkage(self, name: str) -> list[Key] | Key | None:
        """A relationship's resource linkage: a (type, id) for to-one, a list for to-many, None if absent."""
        relationship = self.relationships.get(name)
        data = relationship.get("data") if isinstance(relationship, dict) else None
        if isinstance(data, list):
            return [key for key in map(_ref_key, data) if key is not None]
        return _ref_key(data)

    def related_ids(self, name: str) -> list[str]:
        linkage = self.linkage(name)
        if linkage is None:
            return []
        return [ident for _, ident in (linkage if isinstance(linkage, list) else [linkage])]

    def related_id(self, name: str) -> str | None:
        ids = self.related_ids(name)
        return ids[0] if ids else None

    def ids_of_type(self, kind: str) -> list[str]:
        """Ids of every related resource of one JSON:API type, across all relationships, in order."""
        ids: list[str] = []
        for name in self.relationships:
            linkage = self.linkage(name)
            for key in linkage if isinstance(linkage, list) else [linkage] if linkage else []:
                if key[0] == kind and key[1] not in ids:
                    ids.append(key[1])
        return ids


def _ref_key(ref: Any) -> Key | None:
    if not isinstance(ref, dict):
        return None
    kind, ident = to_str(ref.get("type")), to_str(ref.get("id"))
    return (kind, ident) if kind and ident else None


class FromResource(Protocol):
    @classmethod
    def from_resource(cls, resource: Resource, document: Document | None = None) -> Any: ...


M = TypeVar("M", bound=FromResource)


@dataclass
class Document:
    """A parsed JSON:API document. `data` is always a list; `single` says whether it was one object."""

    data: list[Resource] = field(default_factory=list)
    included: list[Resource] = field(default_factory=list)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    single: bool = False

    def __post_init__(self) -> None:
        self._index: dict[Key, Resource] = {}
        # Included resources win over primary data with the same key: they are the ones with full attributes.
        for resource in (*self.data, *self.included):
            if resource.key is not None:
                self._index[resource.key] = resource
        self._by_type: dict[str, list[Resource]] = {}
        for (kind, _), resource in self._index.items():
            self._by_type.setdefault(kind, []).append(resource)

    @classmethod
    def parse(cls, raw: Any) -> Document:
        if not isinstance(raw, dict):
            return cls()
        data = raw.get("data")
        single = isinstance(data, dict)
        items = [data] if single else data if isinstance(data, list) else []
        return cls(
            data=[Resource.parse(item) for item in items],
            included=[Resource.parse(item) for item in _list(raw.get("included"))],
            links=_dict(raw.get("links")),
            meta=_dict(raw.get("meta")),
            single=single,
        )

    @classmethod
    def merge(cls, pages: Iterable[Document]) -> Document:
        """Pages of one listing as a single document: data in page order, duplicates dropped, first meta."""
        pages = list(pages)
        return cls(
            data=_unique(resource for page in pages for resource in page.data),
            included=_unique(resource for page in pages for resource in page.included),
            links={},
            meta=dict(pages[0].meta) if pages else {},
        )

    @property
    def first(self) -> Resource | None:
        return self.data[0] if self.data else None

    def find(self, kind: str, ident: str | None) -> Resource | None:
        return self._index.get((kind, ident)) if ident is not None else None

    def related(self, resource: Resource, name: str) -> list[Resource]:
        """The resources a relationship points to that this document carries (in `included` or `data`)."""
        linkage = resource.linkage(name)
        keys = linkage if isinstance(linkage, list) else [linkage] if linkage else []
        return [self._index[key] for key in keys if key in self._index]

    def of_type(self, kind: str) -> list[Resource]:
        return self._by_type.get(kind, [])

    @property
    def total_pages(self) -> int | None:
        """meta.total_pages, else the page number in links.last (some endpoints send no meta)."""
        total = to_int(self.meta.get("total_pages"))
        if total is not None:
            return total
        last = self.links.get("last")
        if isinstance(last, str):
            numbers = parse_qs(urlsplit(last).query).get("page[number]")
            return to_int(numbers[0]) if numbers else None
        return None

    def meta_int(self, name: str) -> int | None:
        return to_int(self.meta.get(name))

    def models(self, cls: type[M]) -> list[M]:
        return [cls.from_resource(resource, self) for resource in self.data]

    def model(self, cls: type[M]) -> M | None:
        return cls.from_resource(self.data[0], self) if self.data else None


@dataclass
class Page(Generic[M]):
    """One page (or every page, merged) of a listing, as models, with the document behind it."""

    items: list[M]
    document: Document

    @classmethod
    def of(cls, document: Document, model: type[M]) -> Page[M]:
        return cls(document.models(model), document)

    @property
    def total_pages(self) -> int | None:
        return self.document.total_pages

    @property
    def meta(self) -> dict[str, Any]:
        return self.document.meta

    @property
    def has_next(self) -> bool:
        return bool(self.document.links.get("next"))

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _unique(resources: Iterable[Resource]) -> list[Resource]:
    seen: set[Key] = set()
    unique: list[Resource] = []
    for resource in resources:
        key = resource.key
        if key is None or key not in seen:
            unique.append(resource)
            if key is not None:
                seen.add(key)
    return unique


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
