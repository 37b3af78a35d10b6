"""Referrals through the JSON API: a case-management system drafting, sending and working a referral, with the
same rules, refusals and audit as the web pages. Every answer is checked against the OpenAPI document's schema."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.extensions import db
from portal.referrals.models import Referral
from tests import factories

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
ANSWERS = {**{k: v for k, v in factories.COMPLETE_ANSWERS.items()}, "date_of_birth": "1990-05-17",
           "consent_date": YESTERDAY}


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {factories.api_token(user)}"}


@pytest.fixture
def schema(client):
    document = client.get("/api/v1/openapi.json").get_json()

    def check(body: dict, name: str) -> dict:
        Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]}
                             ).validate(body)
        return body
    return check


@pytest.fixture
def people(db):
    service = factories.referrable_service()
    manager = factories._provider_manager(service.organisation)
    worker = factories.user(role=Role.PROVIDER, organisation_=service.organisation, org_role=OrgRole.CASEWORKER)
    referrer = factories.user(role=Role.OFFENDER_MANAGER)
    return service, referrer, manager, worker


def _step(client, headers, referral_id, **body):
    return client.post(f"/api/v1/referrals/{referral_id}/transitions", json=body, headers=headers)


def test_a_case_management_system_takes_a_referral_from_draft_to_completion(client, people, schema):
    service, referrer, manager, worker = people
    om, pm, cw = bearer(referrer), bearer(manager), bearer(worker)

    created = client.post("/api/v1/referrals", headers=om, json={
        "service_id": service.uuid, "answers": {"first_name": "Jordan", "date_of_birth": "1990-05-17"}})
    assert created.status_code == 201
    draft = schema(created.get_json(), "Referral")
    assert created.headers["Location"].endswith(f"/api/v1/referrals/{draft['id']}")
    assert draft["state"] == "draft" and draft["answers"]["date_of_birth"] == "1990-05-17"
    assert draft["actions"] == ["send"]

    rest = {k: v for k, v in ANSWERS.items() if k not in ("first_name", "date_of_birth")}
    patched = client.patch(f"/api/v1/referrals/{draft['id']}", headers=om,
                           json={"answers": rest, "version": draft["version"]})
    assert patched.status_code == 200, patched.get_json()
    assert schema(patched.get_json(), "Referral")["risk"]["risk_level"] == "low"

    sent = client.post(f"/api/v1/referrals/{draft['id']}/send", headers=om)
    assert sent.status_code == 200 and sent.get_json()["state"] == "sent"

    listed = schema(client.get("/api/v1/referrals", headers=pm).get_json(), "ReferralList")
    assert [r["id"] for r in listed["referrals"]] == [draft["id"]]
    seen = schema(client.get(f"/api/v1/referrals/{draft['id']}", headers=pm).get_json(), "Referral")
    assert seen["risk"] is None  # the provider sees the risk details once it accepts
    assert set(seen["actions"]) == {"accept", "decline"}

    accepted = _step(client, pm, draft["id"], action="accept", version=seen["version"])
    assert accepted.status_code == 200 and accepted.get_json()["risk"]["risk_summary"]
    assigned = _step(client, pm, draft["id"], action="assign", caseworker=worker.public_id)
    assert schema(assigned.get_json(), "Referral")["caseworker"] == {"id": worker.public_id, "name": worker.name}

    amended = client.post(f"/api/v1/referrals/{draft['id']}/amendments", headers=om, json={
        "answers": {"availability": "Afternoons only"}, "reason": "Started a job"})
    assert amended.status_code == 200
    assert amended.get_json()["history"][-1]["changes"] == {"availability": ["Weekday mornings", "Afternoons only"]}

    appointment = (utcnow() + timedelta(days=2)).isoformat()
    assert _step(client, cw, draft["id"], action="book", appointment_at=appointment).get_json()["state"] == "booked"
    session = _step(client, cw, draft["id"], action="record_session", attendance="attended", notes="Went well",
                    session_at=(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"))  # UK time
    assert session.status_code == 200 and session.get_json()["state"] == "in_progress"
    done = _step(client, cw, draft["id"], action="complete", achievements=["partly"], report="Housed for now.")
    body = schema(done.get_json(), "Referral")
    assert body["state"] == "completed" and body["desired_outcomes"][0]["achievement"] == "partly"
    assert [e["action"] for e in body["history"]] == ["send", "accept", "assign", "amend", "book",
                                                      "record_session", "complete"]
    assert body["actions"] == []


def test_every_read_is_audited_against_the_token(client, people):
    referral = factories.referral(service=people[0], referrer=people[1])
    client.get(f"/api/v1/referrals/{referral.public_id}", headers=bearer(people[1]))
    client.get("/api/v1/referrals", headers=bearer(people[2]))
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["referral.viewed", "referral.list_viewed"])).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in views] == [("referral.viewed", people[1].id),
                                                     ("referral.list_viewed", people[2].id)]
    assert all(e.api_token_id for e in views)
    assert views[1].details["referrals"] == [referral.public_id]


def test_bad_answers_are_400_with_every_field_named_and_nothing_saved(client, people):
    service, referrer, *_ = people
    # The shape first (the declared schema: an enumeration, a list), every problem at once ...
    shape = client.post("/api/v1/referrals", headers=bearer(referrer), json={
        "service_id": service.uuid, "answers": {"date_of_birth": "1990-02-30", "crn": "12345X", "gender": "x",
                                                "consent_date": "yesterday", "needs": "housing"}})
    assert shape.status_code == 400
    assert {f["field"] for f in shape.get_json()["error"]["fields"]} == {"gender", "needs"}
    # ... then the values (the same rules as the pages), every problem at once
    response = client.post("/api/v1/referrals", headers=bearer(referrer), json={
        "service_id": service.uuid, "answers": {"date_of_birth": "1990-02-30", "crn": "12345X",
                                                "consent_date": "yesterday", "needs": [{"pathway": "x",
                                                                                        "rating": "red"}]}})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert {f["field"] for f in error["fields"]} == {"date_of_birth", "crn", "consent_date", "needs"}
    assert "Date of birth must be a real date" in [f["message"] for f in error["fields"]]
    assert db.session.scalar(select(Referral)) is None
    unknown = client.post("/api/v1/referrals", headers=bearer(referrer), json={
        "service_id": service.uuid, "answers": {"shoe_size": 9}})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["fields"][0]["field"] == "shoe_size"
    no_service = client.post("/api/v1/referrals", headers=bearer(referrer), json={"service_id": "nope"})
    assert no_service.get_json()["error"]["fields"] == [
        {"field": "service_id", "message": "service_id must be the id of a service in the directory"}]
    not_json = client.post("/api/v1/referrals", headers=bearer(referrer), data="service_id=x")
    assert not_json.status_code == 400


def test_sending_an_incomplete_draft_names_what_is_missing(client, people):
    draft = factories.referral(service=people[0], referrer=people[1], state="draft", risk_summary="")
    response = client.post(f"/api/v1/referrals/{draft.public_id}/send", headers=bearer(people[1]))
    assert response.status_code == 400
    assert [f["field"] for f in response.get_json()["error"]["fields"]] == ["risk_summary"]


def test_a_step_the_state_does_not_allow_is_400_with_a_clear_message(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="completed")
    response = _step(client, bearer(people[2]), referral.public_id, action="accept")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["message"].startswith("You cannot accept referral because the referral is completed")
    assert error["fields"][0]["field"] == "action"
    unknown = _step(client, bearer(people[2]), referral.public_id, action="teleport")
    assert unknown.status_code == 400 and "action must be one of" in unknown.get_json()["error"]["message"]


def test_a_step_for_the_other_side_is_403_and_says_who_may_take_it(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="sent")
    response = _step(client, bearer(people[1]), referral.public_id, action="accept")
    assert response.status_code == 403
    assert "only the provider's staff can" in response.get_json()["error"]["message"]


def test_step_fields_are_checked(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="sent")
    pm = bearer(people[2])
    no_reason = _step(client, pm, referral.public_id, action="decline")
    assert no_reason.get_json()["error"]["fields"][0]["field"] == "reason_code"
    _step(client, pm, referral.public_id, action="accept")
    bad_worker = _step(client, pm, referral.public_id, action="assign", caseworker="nobody")
    assert bad_worker.get_json()["error"]["fields"][0]["field"] == "caseworker"
    _step(client, pm, referral.public_id, action="assign", caseworker=people[3].public_id)
    bad_time = _step(client, pm, referral.public_id, action="book", appointment_at="next tuesday")
    assert bad_time.status_code == 400 and bad_time.get_json()["error"]["fields"][0]["field"] == "appointment_at"
    extra = _step(client, pm, referral.public_id, action="book", colour="blue")
    assert extra.get_json()["error"]["fields"][0]["field"] == "colour"


def test_a_stale_version_is_409_and_changes_nothing(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="sent")
    seen = referral.version
    pm = bearer(people[2])
    assert _step(client, pm, referral.public_id, action="accept", version=seen).status_code == 200
    late = _step(client, pm, referral.public_id, action="decline", reason_code="full", version=seen)
    assert late.status_code == 409 and late.get_json()["error"]["title"] == "Someone else changed this"
    draft = factories.referral(service=people[0], referrer=people[1], state="draft")
    stale = client.patch(f"/api/v1/referrals/{draft.public_id}", headers=bearer(people[1]),
                         json={"answers": {"availability": "Evenings"}, "version": draft.version - 1})
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state == "accepted"
    assert db.session.get(Referral, draft.id).person.availability == "Weekday mornings"


def test_a_sent_referral_is_changed_by_amendment_not_by_patch(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="sent")
    response = client.patch(f"/api/v1/referrals/{referral.public_id}", headers=bearer(people[1]),
                            json={"answers": {"availability": "Evenings"}})
    assert response.status_code == 400 and "/amendments" in response.get_json()["error"]["message"]
    no_reason = client.post(f"/api/v1/referrals/{referral.public_id}/amendments", headers=bearer(people[1]),
                            json={"answers": {"availability": "Evenings"}})
    assert no_reason.get_json()["error"]["fields"] == [{"field": "reason", "message": "Say why you are changing "
                                                                                      "the referral"}]


def test_people_who_may_not_see_a_referral_get_404_and_nothing_else(client, people):
    referral = factories.referral(service=people[0], referrer=people[1], state="accepted")
    outsiders = [factories.user(role=Role.OFFENDER_MANAGER, probation_region="london"),
                 factories.user(role=Role.PROVIDER), factories.user(role=Role.EMPLOYER),
                 factories.user(role=Role.ADMIN), factories.user(role=Role.PRISON_STAFF)]
    base = f"/api/v1/referrals/{referral.public_id}"
    for outsider in outsiders:
        headers = bearer(outsider)
        responses = [client.get(base, headers=headers),
                     client.patch(base, headers=headers, json={"answers": {"first_name": "X"}}),
                     client.post(f"{base}/send", headers=headers),
                     _step(client, headers, referral.public_id, action="withdraw", reason_code="needs-met"),
                     client.post(f"{base}/amendments", headers=headers,
                                 json={"answers": {"availability": "x"}, "reason": "x"})]
        assert [r.status_code for r in responses] == [404] * 5, outsider.role
        listed = client.get("/api/v1/referrals", headers=headers).get_json()
        assert listed["referrals"] == [] and listed["total"] == 0
        for r in responses:
            text = r.get_data(as_text=True)
            assert "Jordan" not in text and "X123456" not in text and referral.reference not in text
    for method in ("get", "patch"):
        assert getattr(client, method)(base).status_code == 401
    assert client.get("/api/v1/referrals").status_code == 401
    assert client.post("/api/v1/referrals", json={}).status_code == 401


def test_only_offender_managers_create_referrals(client, people):
    response = client.post("/api/v1/referrals", headers=bearer(people[2]), json={"service_id": people[0].uuid})
    assert response.status_code == 403


def test_the_list_filters_by_state_and_pages(client, people):
    service, referrer, manager, _ = people
    for state in ("sent", "sent", "sent", "accepted", "draft"):
        factories.referral(service=service, referrer=referrer, state=state)
    om = bearer(referrer)
    everything = client.get("/api/v1/referrals?per_page=2", headers=om).get_json()
    assert (everything["total"], everything["pages"], len(everything["referrals"])) == (5, 3, 2)
    last = client.get("/api/v1/referrals?per_page=2&page=3", headers=om).get_json()
    assert len(last["referrals"]) == 1
    both = client.get("/api/v1/referrals?state=accepted,draft", headers=om).get_json()
    assert sorted(r["state"] for r in both["referrals"]) == ["accepted", "draft"]
    repeated = client.get("/api/v1/referrals?state=sent&state=draft", headers=om).get_json()
    assert repeated["total"] == 4
    # The provider never sees drafts
    assert client.get("/api/v1/referrals", headers=bearer(manager)).get_json()["total"] == 4
    for query, field in (("state=lost", "state"), ("page=0", "page"), ("per_page=500", "per_page")):
        response = client.get(f"/api/v1/referrals?{query}", headers=om)
        assert response.status_code == 400 and response.get_json()["error"]["fields"][0]["field"] == field


def test_amendment_history_hides_risk_changes_from_those_who_may_not_see_risk(client, people):
    service = factories.referrable_service(sector="public")
    referral = factories.referral(service=service, referrer=people[1], state="sent")
    client.post(f"/api/v1/referrals/{referral.public_id}/amendments", headers=bearer(people[1]),
                json={"answers": {"risk_level": "high", "availability": "Evenings"}, "reason": "New assessment"})
    manager = factories._provider_manager(service.organisation)
    body = client.get(f"/api/v1/referrals/{referral.public_id}", headers=bearer(manager)).get_json()
    assert body["risk"] is None
    assert body["history"][-1]["changes"] == {"availability": ["Weekday mornings", "Evenings"]}


def test_a_case_management_system_sees_a_risk_escalation_and_records_the_decision(client, people, schema):
    service, referrer, manager, _ = people
    referral = factories.escalated_referral(service=service, referrer=referrer, state="sent")
    base = f"/api/v1/referrals/{referral.public_id}"

    # The provider, before accepting, sees the new level, MAPPA and the flag, but not the narrative
    theirs = schema(client.get(base, headers=bearer(manager)).get_json(), "Referral")
    assert (theirs["risk_level"], theirs["mappa"], theirs["risk"]) == ("very-high", True, None)
    assert theirs["risk_escalated"] is True
    assert theirs["risk_escalation"]["pending"] is True and theirs["risk_escalation"]["decision"] is None
    listed = client.get("/api/v1/referrals", headers=bearer(manager)).get_json()["referrals"]
    assert [r["risk_escalated"] for r in listed] == [True]
    # only the referring side decides
    refused = client.post(f"{base}/risk-escalation", headers=bearer(manager), json={"decision": "refer-on"})
    assert refused.status_code == 403 and "referring probation team" in refused.get_json()["error"]["message"]

    mine = bearer(referrer)
    # the same rules as the page: a plan needs its document and a review date within a year
    wrong = client.post(f"{base}/risk-escalation", headers=mine,
                        json={"decision": "continue", "review_date": (date.today() - timedelta(days=1)).isoformat()})
    assert wrong.status_code == 400
    assert {e["field"] for e in wrong.get_json()["error"]["fields"]} == {"plan_document", "review_date"}
    unreadable = client.post(f"{base}/risk-escalation", headers=mine,
                             json={"decision": "continue", "plan_document": "nDelius RMP 12", "review_date": "soon"})
    assert unreadable.status_code == 400 and unreadable.get_json()["error"]["fields"][0]["field"] == "review_date"
    stale = client.post(f"{base}/risk-escalation", headers=mine,
                        json={"decision": "refer-on", "version": referral.version - 1})
    assert stale.status_code == 409

    review = (date.today() + timedelta(days=90)).isoformat()
    decided = client.post(f"{base}/risk-escalation", headers=mine, json={
        "decision": "continue", "plan_document": "nDelius RMP 12", "review_date": review,
        "comment": "Weekly joint review", "version": referral.version})
    assert decided.status_code == 200, decided.get_json()
    body = schema(decided.get_json(), "Referral")
    assert body["risk_escalated"] is False
    assert body["risk_escalation"] == {**body["risk_escalation"], "pending": False, "decision": "continue",
                                       "plan_document": "nDelius RMP 12", "review_date": review,
                                       "payment_basis": "fee-for-service"}
    assert body["history"][-1]["action"] == "escalation_continue"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.escalation_decided",
                                                      AuditEvent.object_id == referral.public_id,
                                                      AuditEvent.api_token_id.is_not(None)))
    # nothing left to decide
    again = client.post(f"{base}/risk-escalation", headers=mine, json={"decision": "refer-on"})
    assert again.status_code == 400
    assert again.get_json()["error"]["fields"][0]["message"] == (
        "There is no risk escalation waiting for a decision on this referral")


def test_referring_on_through_the_api_withdraws_the_referral(client, people, schema):
    service, referrer, _, _ = people
    referral = factories.escalated_referral(service=service, referrer=referrer)
    response = client.post(f"/api/v1/referrals/{referral.public_id}/risk-escalation", headers=bearer(referrer),
                           json={"decision": "refer-on"})
    body = schema(response.get_json(), "Referral")
    assert (body["state"], body["end_reason"], body["risk_escalation"]["decision"]) == (
        "withdrawn", "risk-escalated", "refer-on")
    outsider = factories.user(role=Role.OFFENDER_MANAGER, probation_region="london")
    assert client.post(f"/api/v1/referrals/{referral.public_id}/risk-escalation", headers=bearer(outsider),
                       json={"decision": "refer-on"}).status_code == 404
