"""Every JSON body the API takes is validated against the schema it declares, and the OpenAPI document is generated
from those same schemas (portal.api.bodies, portal/referrals/schemas.py).

- A body nested thousands of levels deep is a 400 naming the problem, before any JSON parser sees it (it was a 500:
  Python's parser recursed until the stack ran out), on every /api/ route that takes a body, the unauthenticated
  Stripe webhook included.
- An object or a list where text belongs is a 400 naming the field, and nothing is stored (the text of the Python
  object, "{'a': 1}", used to be saved as the person's name).
- Unknown fields, wrong types, values outside an enumeration and sizes over a limit are 400s naming the field.
- The document's request bodies are exactly the models' JSON Schemas.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from portal.accounts.roles import OrgRole, Role
from portal.api import bodies
from portal.extensions import db
from portal.referrals import schemas
from portal.referrals.models import Referral, ReferralPerson
from tests import factories

DEEP = 5_000


def deep_body(levels: int = DEEP) -> bytes:
    return b'{"answers": ' + b"[" * levels + b"]" * levels + b"}"


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {factories.api_token(user)}"}


@pytest.fixture
def people(db):
    service = factories.referrable_service()
    referrer = factories.user(role=Role.OFFENDER_MANAGER)
    manager = factories._provider_manager(service.organisation)
    draft = factories.referral(service=service, referrer=referrer, state="draft")
    sent = factories.referral(service=service, referrer=referrer, state="sent")
    return service, referrer, manager, draft, sent


def _fields(response) -> dict[str, str]:
    return {f["field"]: f["message"] for f in response.get_json()["error"].get("fields", [])}


def _snapshot() -> list:
    db.session.expire_all()
    return [(p.first_name, p.last_name, p.availability, p.phone) for p in db.session.scalars(select(ReferralPerson))]


def test_a_deeply_nested_body_is_400_naming_the_problem_on_every_route_that_takes_a_body(client, people):
    service, referrer, manager, draft, sent = people
    om, pm = _bearer(referrer), _bearer(manager)
    routes = [("post", "/api/v1/referrals", om), ("patch", f"/api/v1/referrals/{draft.public_id}", om),
              ("post", f"/api/v1/referrals/{draft.public_id}/send", om),
              ("post", f"/api/v1/referrals/{sent.public_id}/transitions", pm),
              ("post", f"/api/v1/referrals/{sent.public_id}/amendments", om)]
    before = _snapshot()
    for method, path, headers in routes:
        response = getattr(client, method)(path, data=deep_body(), content_type="application/json", headers=headers)
        assert response.status_code == 400, f"{method} {path}: {response.status_code}"
        assert "more than 16 levels deep" in response.get_json()["error"]["message"], path
    assert _snapshot() == before
    # Inside strings brackets are just text: a name with brackets is not nesting
    fine = client.patch(f"/api/v1/referrals/{draft.public_id}", headers=om,
                        json={"answers": {"availability": "[[[[[[[[[[[[[[[[[[[[ mornings {{{{{{{{{{{{{{{{{{{{"}})
    assert fine.status_code == 200


def test_the_stripe_webhook_refuses_a_deep_body_before_parsing_it(client, db):
    """Defence in depth: today's stripe library checks the signature before parsing, but the guard holds for every
    body under /api/ whatever a view does with it (without Stripe configured this route used to answer 404)."""
    response = client.post("/api/stripe/webhook", data=b"[" * DEEP + b"]" * DEEP,
                           headers={"Content-Type": "application/json", "Stripe-Signature": "t=1,v1=x"})
    assert response.status_code == 400
    assert "levels deep" in response.get_json()["error"]["message"]


def test_an_api_body_over_the_api_limit_is_413(client, people):
    _, referrer, *_ = people
    body = json.dumps({"service_id": "x", "answers": {"availability": "x" * (bodies.MAX_API_BODY + 10)}})
    response = client.post("/api/v1/referrals", data=body, content_type="application/json",
                           headers=_bearer(referrer))
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "The request body must be 1,024 KB or less"


@pytest.mark.parametrize("value", [{"a": 1}, ["Jordan"], 42, True])
def test_an_object_or_list_where_text_belongs_is_400_naming_the_field_and_nothing_is_stored(client, people, value):
    service, referrer, manager, draft, sent = people
    om = _bearer(referrer)
    before = _snapshot()
    count = db.session.scalar(select(db.func.count()).select_from(Referral))
    patched = client.patch(f"/api/v1/referrals/{draft.public_id}", headers=om,
                           json={"answers": {"first_name": value, "availability": "Evenings"}})
    assert patched.status_code == 400
    assert _fields(patched) == {"first_name": "first_name must be text"}
    created = client.post("/api/v1/referrals", headers=om,
                          json={"service_id": service.uuid, "answers": {"last_name": value}})
    assert created.status_code == 400 and _fields(created) == {"last_name": "last_name must be text"}
    amended = client.post(f"/api/v1/referrals/{sent.public_id}/amendments", headers=om,
                          json={"answers": {"phone": value}, "reason": value})
    assert amended.status_code == 400
    assert _fields(amended) == {"phone": "phone must be text", "reason": "reason must be text"}
    step = client.post(f"/api/v1/referrals/{sent.public_id}/transitions", headers=_bearer(manager),
                       json={"action": "decline", "reason_code": "full", "comment": value})
    assert step.status_code == 400 and _fields(step) == {"comment": "comment must be text"}
    assert _snapshot() == before
    assert db.session.scalar(select(db.func.count()).select_from(Referral)) == count
    db.session.expire_all()
    assert db.session.get(Referral, sent.id).state == "sent"


def test_wrong_types_unknown_fields_choices_and_sizes_name_the_field(client, people):
    service, referrer, manager, draft, sent = people
    om, pm = _bearer(referrer), _bearer(manager)
    before = _snapshot()
    response = client.patch(f"/api/v1/referrals/{draft.public_id}", headers=om, json={
        "version": "3", "answers": {"in_custody": "yes", "needs": [{"pathway": "accommodation", "rating": "pink"}],
                                    "desired_outcomes": ["x"] * 11, "first_name": "J" * 101,
                                    "favourite_colour": "blue"}})
    assert response.status_code == 400
    assert _fields(response) == {
        "version": "version must be a whole number",
        "in_custody": "in_custody must be true or false",
        "needs[0].rating": "needs[0].rating must be one of red, amber or green",
        "desired_outcomes": "desired_outcomes must have 10 items or fewer",
        "first_name": "first_name must be 100 characters or fewer",
        "favourite_colour": "favourite_colour is not a field of this request",
    }
    nested = client.post(f"/api/v1/referrals/{sent.public_id}/transitions", headers=pm,
                         json={"action": "complete", "achievements": [["achieved"]], "report": "Done"})
    assert nested.status_code == 400
    assert _fields(nested) == {"achievements[0]": "achievements[0] must be one of achieved, partly or not-achieved"}
    missing = client.post("/api/v1/referrals", headers=om, json={"answers": {}})
    assert _fields(missing) == {"service_id": "Enter service_id: it is required"}
    assert _snapshot() == before


def test_the_openapi_document_is_generated_from_the_models_the_api_validates_with(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    components = document["components"]["schemas"]
    for model in schemas.BODIES:
        generated = model.model_json_schema(ref_template="#/components/schemas/{model}")
        generated.pop("$defs", None)
        assert components[model.__name__] == generated, model.__name__
        assert components[model.__name__]["additionalProperties"] is False
    answers = components["ReferralAnswers"]["properties"]
    first_name = next(branch for branch in answers["first_name"]["anyOf"] if branch.get("type") == "string")
    assert first_name["maxLength"] == 100
    operations = [op for path in document["paths"].values() for op in path.values()]
    bodies_used = {op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                   for op in operations if "requestBody" in op}
    assert bodies_used == {m.__name__ for m in schemas.BODIES}


def test_nesting_is_counted_outside_strings_and_stops_early():
    assert bodies.nesting_depth(b'{"a": [1, {"b": "[[[[["}]}') == 3
    assert bodies.nesting_depth(b'{"a": "\\"[[[[", "b": []}') == 2
    assert bodies.nesting_depth(b"[" * 100_000, stop_after=16) == 17


def test_roles_without_bodies_still_get_the_same_refusals(client, db):
    """The guard runs before the token check too: an anonymous deep body is a 400, not a 500 or a parse."""
    response = client.post("/api/v1/referrals", data=deep_body(), content_type="application/json")
    assert response.status_code == 400
    employer = factories.user(role=Role.EMPLOYER, org_role=OrgRole.OWNER)
    response = client.post("/api/v1/referrals", data=deep_body(), content_type="application/json",
                           headers=_bearer(employer))
    assert response.status_code == 400


def test_the_operations_refuse_a_non_text_answer_whoever_calls_them(people):
    """Behind the schema, the rule itself: an answer that should be text is refused, not stored as str(value)."""
    from portal.errors import InvalidInput
    from portal.referrals import operations

    _, referrer, _, draft, _ = people
    with pytest.raises(InvalidInput) as refused:
        operations.save_draft(referrer, draft, {"first_name": {"a": 1}, "availability": ["x"]})
    assert dict(refused.value.errors) == {"first_name": "First name must be text",
                                          "availability": "Availability must be text"}
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Referral, draft.id).person.first_name != "{'a': 1}"
