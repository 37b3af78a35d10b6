"""The portal's search pages and feed on a real Meilisearch server (the production engine), not only the
embedded one. The search library's own contract suite (tests/search) covers both backends in depth."""
from __future__ import annotations

import pytest

from portal import outbox
from tests import factories
from tests.html import page


@pytest.mark.slow
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
