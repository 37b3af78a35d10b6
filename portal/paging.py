"""The one way pages of results and their LIKE searches are written: a page number read from the address, the
number of pages, the offset of a page, GOV.UK pagination's items, and text matched literally by SQL LIKE.

GOV.UK pagination (design-system.service.gov.uk/components/pagination): the first and last pages, the pages either
side of the current one, and an ellipsis wherever pages are left out.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIKE_ESCAPE = "\\"


def page_number(raw: str | None, most: int = 10_000) -> int:
    """The page asked for in the address (`?page=`): a whole number from 1 to `most` in ASCII digits (Python's
    `int` also reads other scripts' digits); anything else is page 1."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= most else 1


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` rows fill (at least one, so an empty result is one empty page)."""
    return max(1, -(-total // per_page))


def offset(page: int, per_page: int) -> int:
    """The rows before `page` (pages count from 1; a lower number means the first page)."""
    return (max(page, 1) - 1) * per_page


def pagination(current: int, pages: int, href: Callable[[int], str], *, around: int = 2,
               label: str | None = None) -> dict[str, Any] | None:
    """Parameters for the `govukPagination` macro, or None when there is only one page (or the page asked for is
    past the last, where the page says so instead). `around` pages are shown either side of the current one."""
    if pages <= 1 or not 1 <= current <= pages:
        return None
    items: list[dict[str, Any]] = []
    previous = 0
    for number in sorted({1, pages} | set(range(max(1, current - around), min(pages, current + around) + 1))):
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == current})
        previous = number
    found: dict[str, Any] = {
        "items": items,
        "previous": {"href": href(current - 1)} if current > 1 else None,
        "next": {"href": href(current + 1)} if current < pages else None,
    }
    if label:
        found["landmarkLabel"] = label
    return found


def like_escaped(text: str) -> str:
    """`text` with LIKE's wildcards (`%`, `_`) and the escape character itself escaped, so it matches literally.
    Use with `escape=LIKE_ESCAPE`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str) -> str:
    """A LIKE pattern matching values that contain `text` literally (use with `escape=LIKE_ESCAPE`)."""
    return f"%{like_escaped(text)}%"


def starting_with(text: str) -> str:
    """A LIKE pattern matching values that start with `text` literally (use with `escape=LIKE_ESCAPE`)."""
    return f"{like_escaped(text)}%"
