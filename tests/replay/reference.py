"""The API reference (shared/eventtia-api-v3.txt, copied beside this file) read at test time: each endpoint's literal example
response, its documented parameters and its request example.

Nothing here is retyped: the examples are the reference's own text, made parseable only where the text is
not JSON (its `{...}` / `[...]` placeholders become empty containers, a `...other` line is dropped, so are its
trailing commas, and the
`=>` of its register example becomes `:`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

# A copy of the steering repo's shared/eventtia-api-v3.txt, kept beside the tests so a clone of this
# repository alone (CI) has it; test_reference_copy checks the copy against the original where both exist.
REFERENCE = Path(__file__).resolve().parent / "eventtia-api-v3.txt"
SHARED_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "eventtia-api-v3.txt"
ENDPOINT = re.compile(r"^(GET|POST|PUT|DELETE|PATCH) /api/v3(/\S*)$")
EXAMPLE = re.compile(r"^Example of a successful \((\d+)\) response:$")
PARAMETER_TABLES = ("Path Parameters", "Query Parameters", "Body Parameters")


@dataclass
class Endpoint:
    method: str
    path: str  # as the reference writes it, e.g. /events/:event_uri/attendees
    line: int
    example: Any = None  # the literal example response (None when the reference shows none)
    example_line: int = 0
    parameters: dict[str, set[str]] = field(default_factory=dict)  # table title → parameter names
    request_example: Any = None

    @property
    def query(self) -> set[str]:
        names = set(self.parameters.get("Query Parameters", ()))
        if "page" in names:  # "A page object as described here": page[size] and page[number]
            names |= {"page[size]", "page[number]"}
        return names

    @property
    def body(self) -> set[str]:
        return set(self.parameters.get("Body Parameters", ()))

    def pattern(self) -> re.Pattern[str]:
        """The path as a regex: each :name segment is one path segment."""
        return re.compile("^" + re.sub(r":[a-z_]+", "[^/]+", re.escape(self.path).replace(r"\:", ":")) + "$")


def loose_json(text: str) -> Any:
    """The reference's example text as data (placeholders empty, trailing commas dropped)."""
    text = re.sub(r"\{\s*\.\.\.\s*\}", "{}", text)
    text = re.sub(r"\[\s*\.\.\.\s*\]", "[]", text)
    text = re.sub(r"^\s*\.{3,}\w*\s*$", "", text, flags=re.MULTILINE)  # a "...other" line: more items
    text = text.replace("=>", ":")
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text)


def _block(lines: list[str], start: int) -> tuple[str, int]:
    """The JSON block starting at the first line from `start` that opens one; (text, its first line)."""
    first = next(i for i in range(start, len(lines)) if lines[i].lstrip()[:1] in ("{", "["))
    depth, in_string, escaped = 0, False, False
    for end in range(first, len(lines)):
        for char in lines[end]:
            if in_string:
                escaped, in_string = (not escaped and char == "\\"), in_string and (escaped or char != '"')
                continue
            if char == '"':
                in_string = True
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
        if depth == 0:
            return "\n".join(lines[first:end + 1]), first
    raise ValueError(f"unbalanced example at reference line {first + 1}")


def _parameters(lines: list[str], start: int, stop: int) -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    i = start
    while i < stop:
        title = lines[i].strip()
        if title in PARAMETER_TABLES:
            names: set[str] = set()
            j = i + 1
            while j < stop and not lines[j].startswith("Parameter Type"):
                j += 1
            j += 1
            while j < stop and lines[j].strip() and lines[j].strip() not in PARAMETER_TABLES:
                names.add(lines[j].split()[0])
                j += 1
            tables.setdefault(title, set()).update(names)
            i = j
        else:
            i += 1
    return tables


@cache
def endpoints() -> tuple[Endpoint, ...]:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    found: list[Endpoint] = []
    previous = 0
    positions = [(i, m) for i, line in enumerate(lines) if (m := ENDPOINT.match(line))]
    for number, (i, match) in enumerate(positions):
        endpoint = Endpoint(match[1], match[2], i + 1)
        examples = [k for k in range(previous, i) if EXAMPLE.match(lines[k])]
        if examples:
            text, first = _block(lines, examples[-1] + 1)
            endpoint.example, endpoint.example_line = loose_json(text), first + 1
        stop = positions[number + 1][0] if number + 1 < len(positions) else len(lines)
        # The next section's title and example come before its "HTTP Request": stop at its first example.
        stop = next((k for k in range(i, stop) if EXAMPLE.match(lines[k]) or lines[k] == "HTTP Request"), stop)
        endpoint.parameters = _parameters(lines, i + 1, stop)
        request = [k for k in range(i, stop) if lines[k].startswith("This is an example of how your request")]
        if request:
            endpoint.request_example = loose_json(lines[request[0] + 2])
        found.append(endpoint)
        previous = i + 1
    return tuple(found)


def endpoint(method: str, path: str) -> Endpoint:
    return next(e for e in endpoints() if e.method == method and e.path == path)


def example(method: str, path: str) -> Any:
    """A fresh copy of an endpoint's literal example response."""
    return json.loads(json.dumps(endpoint(method, path).example))


def example_after(marker: str) -> Any:
    """The example block after the first line that is `marker` (for examples that belong to no endpoint:
    the pagination document, the 401 and 404 bodies)."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    return loose_json(_block(lines, lines.index(marker) + 1)[0])


def match(method: str, path: str) -> Endpoint | None:
    """The documented endpoint a request path (without /api/v3) falls under; literal segments win."""
    candidates = [e for e in endpoints() if e.method == method and e.pattern().match(path)]
    return min(candidates, key=lambda e: e.path.count(":"), default=None)
