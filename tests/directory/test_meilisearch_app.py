"""The portal's search pages and feed on a real Meilisearch server (the production engine), not only the
embedded one. The search library's own contract suite (tests/search) covers both backends in depth."""
from __future__ import annotations

import uuid

import pytest

from portal import outbox
from tests import factories
from tests.html import page


@pytest.fixture
def meili(app, db):
    from search.meili import MeiliBackend
    from search.meili_server import BinaryUnavailable, binary, running

    try:
        binary()
    except BinaryUnavailable as exc:
        pytest.skip(f"no Meilisearch binary here: {exc}")
    with running(in_memory=True) as server:
        backend = MeiliBackend(server.url, api_key=server.master_key, index_prefix=f"app{uuid.uuid4().hex[:6]}_")
        backend.ensure_index("services")
        previous = app.extensions.get("search_backend")
        app.extensions["search_backend"] = backend
        try:
            yield backend
        finally:
            if previous is None:
                app.extensions.pop("search_backend")
            else:
                app.extensions["search_backend"] = previous


def test_services_page_and_feed_search_through_meilisearch(app, client, meili):
    factories.published_service(name="Harbour House Supported Housing", pathways=("accommodation",),
                                postcode="LS1 4AP", index=False)
    factories.published_service(name="Second Chance Jobs Club", pathways=("education-training-employment",),
                                postcode="M1 1AA", index=False)
    with app.test_request_context():
        while outbox.relay_once():
            pass
    results = page(client.get("/services?q=acommodation")).select("h2 a, h3 a")
    assert "Harbour House Supported Housing" in [a.get_text(strip=True) for a in results]
    feed = client.get("/api/oruk/services?search=housing").get_json()
    assert [s["name"] for s in feed["contents"]] == ["Harbour House Supported Housing"]
