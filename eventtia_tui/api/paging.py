"""How far a listing goes: read until a short or empty page, whatever its `links` and `meta` say.

The reference documents `total_pages` ("given the current query parameters") and a maximum of 100 a page,
not that the two agree: a server serving 24 a page while counting its pages on the 100 asked for says
"12 pages" of a listing 50 long. So `links.next` and `total_pages` only tell how many pages can be asked for
at once; a listing ends at an empty page, or at one shorter than the server serves. What the server serves
is learned as it answers, once for every listing of the client (they all page alike):

- a page as long as was asked, or longer than this one: the server serves at least that many, so a shorter
  page is the end;
- a page shorter than was asked followed by one that is not empty: the server serves at most that many,
  and is asked for no more from then on;
- a 400/422 that names the page size: asked again at the maximum it names (or 24), and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ApiError

FALLBACK_PAGE_SIZE = 24  # the reference's default page size: asked for when a refusal names no maximum
_NAMES_PAGE_SIZE = re.compile(r"page\s*\[\s*size\s*\]|page[ _]size|per[ _]page", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


class PageSizes:
    def __init__(self, most: int = 100) -> None:
        self.most = most  # the largest page asked for: lowered when the server names or shows a smaller one
        self.served = 0  # the longest page the server has served: it serves at least this many

    def ask(self, size: int) -> int:
        """The page size to send for `size` wanted."""
        return max(1, min(size, self.most))

    def refused(self, error: ApiError, asked: int) -> int | None:
        """The smaller size to ask again at when `error` refused a page of `asked` for its size, else None."""
        if error.status not in (400, 422) or not _NAMES_PAGE_SIZE.search(error.message or ""):
            return None
        named = [int(number) for number in _NUMBER.findall(error.message) if 0 < int(number) < asked]
        smaller = max(named) if named else min(FALLBACK_PAGE_SIZE, asked - 1)
        if smaller < 1:
            return None
        self.most = smaller
        return smaller

    def goes_on(self, asked: int, served: Sequence[int], total: int | None = None) -> bool:
        """Whether a listing asked `asked` a page, whose pages so far served `served` items each (in page
        order), has a page after the last one. `total`: the items the listing said it holds (once they are
        all in, a full last page is not followed by an empty one)."""
        if not served:
            return True
        if total is not None and sum(served) >= total and served[-1] > 0:
            self.served = max(self.served, *served)
            return False
        longest = max(served)
        self.served = max(self.served, longest)
        if len(served) >= 2 and 0 < served[-2] < asked and served[-1] > 0:
            self.most = min(self.most, served[-2])  # a short page was not the end: the server's maximum
        last = served[-1]
        full = min(asked, self.most)
        return last > 0 and not (last < full and last < self.served)


def total_items(meta: Mapping[str, Any]) -> int | None:
    """The number of items a listing's `meta` says it holds: `total_attendees`, the one total the reference
    shows (beside the attendee listing's one record). No other key is guessed at: a total of something else
    would end a listing early."""
    value = meta.get("total_attendees")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
