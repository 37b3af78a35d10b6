"""The JSON API: personal access tokens, one error shape, the OpenAPI document."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.accounts.models import ApiToken
from portal.accounts.roles import Role
from portal.extensions import db as _db
from tests.html import page


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_me_answers_with_the_token_owner(client, make):
    user = make.user(role=Role.PROVIDER, name="Priya Patel")
    token = make.api_token(user)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Priya Patel" and body["role"] == "provider"
    assert body["organisation"]["id"] == user.organisation.public_id
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # the API never starts a browser session


def test_missing_wrong_and_revoked_tokens_get_401_in_the_one_error_shape(client, make, db):
    from portal.accounts import operations

    user = make.user(role=Role.EMPLOYER)
    token = make.api_token(user)
    for headers in ({}, bearer("rpp_not-a-token"), {"Authorization": f"Basic {token}"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(response.get_json()["error"]) == {"status", "title", "message"}
    operations.revoke_api_token(db.session.scalar(select(ApiToken)), user)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_session_cookie_does_not_open_the_api(client, login_as):
    login_as(Role.PROVIDER)
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_paths_answer_json(client, db):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_tokens_are_created_shown_once_stored_hashed_and_revocable_from_account_settings(client, login_as, db):
    login_as(Role.LEAD_PROVIDER)
    assert client.post("/account/tokens/new", data={"name": ""}).status_code == 400
    created = client.post("/account/tokens/new", data={"name": "Case management"})
    token = page(created).find(id="new-token").get_text(strip=True)
    assert token.startswith("rpp_")
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != token and token not in stored.token_hash
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    account = client.get("/account").get_data(as_text=True)
    assert "Case management" in account and token not in account
    client.post(f"/account/tokens/{stored.public_id}/revoke")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_nobody_can_revoke_someone_elses_token(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    token = make.api_token(owner)
    stored = _db.session.scalar(select(ApiToken))
    login_as(Role.PROVIDER)
    assert client.post(f"/account/tokens/{stored.public_id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_the_openapi_document_describes_every_api_route(client, app, db):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            path = "/".join(p.split(":")[-1] if p.startswith("{") else p for p in path.split("/"))
            assert path in documented, f"{rule.rule} is missing from the OpenAPI document"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation.get("operationId"), f"{method} {path} has no operationId"
            assert operation["responses"], f"{method} {path} documents no responses"


def test_a_body_holding_a_nul_character_is_refused_whole_and_changes_nothing(client, make, db):
    from portal.referrals.models import Referral

    user = make.user(role=Role.OFFENDER_MANAGER)
    service = make.referrable_service()
    headers = {"Authorization": f"Bearer {make.api_token(user)}", "Content-Type": "application/json"}
    body = json.dumps({"service_id": service.uuid, "answers": {"first_name": "Jo\x00rdan"}})
    assert "\\u0000" in body  # how JSON writes a NUL
    response = client.post("/api/v1/referrals", data=body, headers=headers)
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]
    assert _db.session.scalar(select(Referral.id)) is None
