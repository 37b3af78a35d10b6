"""The one helper for pages of results (page numbers, offsets, GOV.UK pagination) and for matching typed text
literally with SQL LIKE, used by the directory, partners, opportunities, referrals and the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from portal import paging
from search.geo import haversine_m, haversine_miles


def _shown(pagination: dict | None) -> list[str]:
    """What a person sees in the pagination: page numbers, the current one in brackets, '...' for a gap."""
    if pagination is None:
        return []
    return ["..." if item.get("ellipsis") else f"[{item['number']}]" if item["current"] else str(item["number"])
            for item in pagination["items"]]


def _href(number: int) -> str:
    return f"/things?page={number}"


@pytest.mark.parametrize("current, pages, around, shown", [
    (1, 1, 2, []),  # one page: no pagination at all
    (3, 2, 2, []),  # past the last page: the page says there is nothing, with no pagination
    (1, 3, 2, ["[1]", "2", "3"]),
    (1, 10, 2, ["[1]", "2", "3", "...", "10"]),
    (6, 10, 2, ["1", "...", "4", "5", "[6]", "7", "8", "...", "10"]),
    (4, 10, 2, ["1", "2", "3", "[4]", "5", "6", "...", "10"]),
    (10, 10, 2, ["1", "...", "8", "9", "[10]"]),
    (5, 9, 1, ["1", "...", "4", "[5]", "6", "...", "9"]),
    (3, 9, 1, ["1", "2", "[3]", "4", "...", "9"]),
])
def test_pagination_shows_the_first_last_and_nearby_pages_with_gaps_marked(current, pages, around, shown):
    assert _shown(paging.pagination(current, pages, _href, around=around)) == shown


def test_pagination_links_every_page_and_the_previous_and_next():
    found = paging.pagination(2, 3, _href, label="Pages of referrals")
    assert [item["href"] for item in found["items"]] == ["/things?page=1", "/things?page=2", "/things?page=3"]
    assert found["previous"] == {"href": "/things?page=1"} and found["next"] == {"href": "/things?page=3"}
    assert found["landmarkLabel"] == "Pages of referrals"
    first, last = paging.pagination(1, 3, _href), paging.pagination(3, 3, _href)
    assert first["previous"] is None and last["next"] is None


@pytest.mark.parametrize("raw, most, number", [
    ("3", 10, 3), (None, 10, 1), ("", 10, 1), ("0", 10, 1), ("-2", 10, 1), ("2.5", 10, 1), ("abc", 10, 1),
    ("11", 10, 1), ("10", 10, 10), (" 4 ", 10, 4), ("٣", 10, 1),
])
def test_a_page_number_from_the_address_is_a_whole_number_in_range_or_the_first_page(raw, most, number):
    assert paging.page_number(raw, most=most) == number


def test_page_count_and_offset():
    assert [paging.page_count(total, 20) for total in (0, 1, 20, 21, 40, 41)] == [1, 1, 1, 2, 2, 3]
    assert [paging.offset(page, 20) for page in (0, 1, 2, 5)] == [0, 0, 20, 80]


@pytest.mark.parametrize("typed, value, matches", [
    ("50%", "get 50% off", True), ("50%", "get 500 off", False),
    ("a_b", "x a_b y", True), ("a_b", "x axb y", False),
    ("back\\slash", "a back\\slash here", True), ("back\\slash", "a backslash here", False),
    ("plain words", "some plain words here", True), ("plain words", "plain other words", False),
])
def test_typed_text_is_matched_literally_by_like_on_this_database(db, typed, value, matches):
    contained = db.session.scalar(select(literal(value).like(paging.containing(typed), escape=paging.LIKE_ESCAPE)))
    assert bool(contained) is matches
    starts = db.session.scalar(select(literal(typed + value).like(paging.starting_with(typed),
                                                                  escape=paging.LIKE_ESCAPE)))
    assert bool(starts) is True
    assert not db.session.scalar(select(literal("x" + typed).like(paging.starting_with(typed),
                                                                  escape=paging.LIKE_ESCAPE)))


def test_distance_in_miles_is_the_search_engines_distance():
    leeds, bradford = (53.7997, -1.5492), (53.7960, -1.7594)  # about 8.6 miles apart as the crow flies
    assert haversine_miles(*leeds, *bradford) == pytest.approx(haversine_m(*leeds, *bradford) / 1609.344)
    assert haversine_miles(*leeds, *bradford) == pytest.approx(8.58, abs=0.05)
    assert haversine_miles(*leeds, *leeds) == 0
