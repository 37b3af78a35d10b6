"""/api/v1/expressions-of-interest: the partner database for lead providers' tools, with the same filters."""
from __future__ import annotations

import pytest

from portal.accounts.roles import Role
from tests.supply_chain import factories as supply


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token(make):
    return make.api_token(make.user(role=Role.LEAD_PROVIDER))


def test_published_entries_with_filters_and_facet_counts(client, token):
    harbour = supply.expression(name="Harbour Mentoring Trust")
    supply.expression(name="Pennine Housing Link", cpas=["west-yorkshire"], risk_appetite="full")
    supply.expression(name="Secret Draft Charity", state="draft")
    body = client.get("/api/v1/expressions-of-interest", headers=bearer(token)).get_json()
    assert body["total"] == 2 and [e["organisation"]["name"] for e in body["items"]] == [
        "Harbour Mentoring Trust", "Pennine Housing Link"]
    assert body["facets"]["cpa"]["merseyside"] == 1 and body["facets"]["risk"]["full"] == 1
    filtered = client.get("/api/v1/expressions-of-interest?cpa=merseyside,west-yorkshire&risk=share",
                          headers=bearer(token)).get_json()
    assert [e["id"] for e in filtered["items"]] == [harbour.public_id]
    item = filtered["items"][0]
    assert item["pathways"] == ["attitudes-thinking-behaviour", "education-training-employment"]
    assert item["regions"] == ["north-west"] and item["approved_at"] and item["expires_at"]
    one = client.get(f"/api/v1/expressions-of-interest/{harbour.public_id}", headers=bearer(token))
    assert one.status_code == 200 and one.get_json() == item
    assert client.get("/api/v1/expressions-of-interest?per_page=1&page=2",
                      headers=bearer(token)).get_json()["items"][0]["organisation"]["name"] == "Pennine Housing Link"


@pytest.mark.parametrize("query, field", [("cpa=atlantis", "cpa"), ("risk=lots", "risk"), ("page=0", "page"),
                                          ("per_page=500", "per_page")])
def test_bad_filters_are_refused_naming_the_parameter(client, token, query, field):
    response = client.get(f"/api/v1/expressions-of-interest?{query}", headers=bearer(token))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"][0]["field"] == field


def test_unpublished_and_expired_entries_are_not_found(client, token):
    draft = supply.expression(state="draft")
    expired = supply.expression()
    supply.expire(expired)
    for entry in (draft, expired):
        response = client.get(f"/api/v1/expressions-of-interest/{entry.public_id}", headers=bearer(token))
        assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("role, status", [(Role.PROVIDER, 403), (Role.EMPLOYER, 403), (Role.ADMIN, 200)])
def test_only_lead_providers_and_administrators_may_read_it(client, make, role, status):
    user_token = make.api_token(make.user(role=role))
    assert client.get("/api/v1/expressions-of-interest", headers=bearer(user_token)).status_code == status
    assert client.get("/api/v1/expressions-of-interest").status_code == 401


def test_it_is_in_the_openapi_document(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/expressions-of-interest"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "cpa", "region", "pathway", "specialism", "setting",
                                                            "sector", "size", "risk", "page", "per_page"}
    assert "ExpressionOfInterest" in document["components"]["schemas"]
