"""Anyone can search the directory, and searches that find nothing are listed for administrators
(/admin/search-gaps). So the list shows only normalised plain words: never a link (with or without its scheme), an
email address or a long string, at most eight words; the words are normalised when recorded and again when shown
(rows recorded before these rules are cleaned on the page, and rows with nothing left are not shown)."""
from __future__ import annotations

import re

from sqlalchemy import delete

from portal.accounts.roles import Role
from portal.database import utcnow
from portal.directory.models import SearchGap
from tests.html import page

HOSTILE = [
    "Visit https://evil.example/win to claim your refund",
    "call now www.free-money.example.co.uk",
    "winner evil.example/claim",
    "write to scam@evil.example today",
    "javascript:alert(1) housing",
    "Z" * 40 + " accommodation",
    "one two three four five six seven eight nine ten eleven",
]


def _table_rows(response):
    """The rows of the page's table of searches (the chart carries a table of its own, checked below)."""
    caption = page(response).find("caption", string="Most frequent searches that found nothing")
    return caption.parent.select("tbody tr") if caption else []


def _rows(response) -> list[str]:
    return [row.select("td")[0].get_text(" ", strip=True) for row in _table_rows(response)]


def _assert_plain(words: list[str], response, forbidden=("http", "www", "evil", "example", "scam", "javascript",
                                                         "alert")) -> None:
    for text in words:
        assert re.fullmatch(r"[a-z0-9# ]*", text), text
        assert len(text.split()) <= 8 and all(len(word) <= 24 for word in text.split()), text
        for word in forbidden:
            assert word not in text, text
    assert not page(response).select("table a"), "a table holds links"
    chart = page(response).find(id="search-gaps-chart")
    labels = " ".join(text.get_text() for text in chart.select("svg text, table th")) if chart else ""
    assert "@" not in labels and not any(word in labels for word in forbidden), labels


def test_searched_links_addresses_and_long_strings_never_reach_the_search_gaps_page(client, login_as, db):
    for text in HOSTILE:
        assert client.get("/services", query_string={"q": text}).status_code == 200
    login_as(Role.ADMIN)
    response = client.get("/admin/search-gaps")
    assert response.status_code == 200
    shown = _rows(response)
    assert "visit to claim your refund" in shown  # the words around a link are kept
    assert "accommodation" in shown
    assert "one two three four five six seven eight" in shown
    _assert_plain(shown, response)


def test_rows_recorded_before_the_rules_are_cleaned_when_shown(client, login_as, db):
    now = utcnow()
    db.session.execute(delete(SearchGap))
    for query, count in (("https evil example win", 3), ("visit https://evil.example/win now", 2),
                         ("visit now", 1), ("free money www evil example co uk", 1),
                         ("https://evil.example", 5), ("x" * 150, 4)):
        db.session.add(SearchGap(query=query, filters="", count=count, first_seen=now, last_seen=now))
    db.session.commit()
    login_as(Role.ADMIN)
    response = client.get("/admin/search-gaps")
    shown = _rows(response)
    # A link recorded as words ("https evil example win") loses the words only a link has
    _assert_plain(shown, response, forbidden=("http", "www", "javascript"))
    assert "evil example win" in shown and "x" * 150 not in shown
    counts = {row.select("td")[0].get_text(strip=True): row.select("td")[2].get_text(strip=True)
              for row in _table_rows(response)}
    assert counts["visit now"] == "3"  # two rows that become the same words are added together
    assert len(shown) == len(set(shown))
