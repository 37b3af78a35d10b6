"""Administrators' referral tools: the subject access export and erasure by CRN, and approving services for
people at high risk of serious harm. Each is for administrators only and recorded in the audit log."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.directory import operations as directory
from portal.extensions import db
from portal.referrals.models import Referral, ReferralPerson
from tests import factories
from tests.html import error_summary, field_error, h1, page


@pytest.fixture
def admin(client, db):
    user = factories.user(role=Role.ADMIN)
    factories.sign_in(client, user)
    return user


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- Subject access ---

def test_the_export_downloads_everything_about_the_person_and_is_audited(client, admin):
    with client.application.test_request_context():
        first = factories.referral(state="completed", crn="Y654321")
        factories.referral(state="sent", crn="Y654321")
        factories.referral(state="sent", crn="Z111111", first_name="Someone")
    assert h1(client.get("/admin/referrals/subject-access")) == "Export everything held about a person"
    response = client.post("/admin/referrals/subject-access", data={"crn": " y654321 "})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="subject-access-Y654321-')
    assert response.headers["Cache-Control"] == "no-store"
    export = json.loads(response.get_data(as_text=True))
    assert export["crn"] == "Y654321"
    assert [r["reference"] for r in export["referrals"]][0] == first.reference and len(export["referrals"]) == 2
    assert export["referrals"][0]["person"]["last_name"] == "Pemberton-Whitlock"
    assert export["referrals"][0]["sessions"][0]["notes"] == "Went well"
    assert "Someone" not in response.get_data(as_text=True)
    [event] = _audit("referral.subject_access_export")
    assert event.actor_id == admin.id and event.details == {"referrals": 2, "employer_nominations": 0, "campus": 0}


def test_a_wrong_crn_is_a_field_error(client, admin):
    for crn, message in (("", "Enter the person's case reference number (CRN)"),
                         ("12345", "Enter a case reference number (CRN), a letter followed by six digits")):
        response = client.post("/admin/referrals/subject-access", data={"crn": crn})
        assert response.status_code == 400
        assert field_error(response, "crn").startswith(message)
    assert _audit("referral.subject_access_export") == []


# --- Erasure ---

def test_erasure_asks_for_a_reason_then_confirmation_then_erases_and_audits(client, admin):
    with client.application.test_request_context():
        gone = factories.referral(state="completed", crn="Y654321")
        kept = factories.referral(state="sent", crn="Z111111")
    gone_id, gone_public_id, kept_id = gone.id, gone.public_id, kept.id
    missing = client.post("/admin/referrals/erasure", data={"crn": "Y654321", "reason": ""})
    assert missing.status_code == 400
    assert error_summary(missing) == ["Enter the reason for erasing, such as the request's reference"]

    confirm = client.post("/admin/referrals/erasure", data={"crn": "Y654321", "reason": "SAR-2026-114"})
    assert confirm.status_code == 200 and h1(confirm) == "Erase 1 referral?"
    assert gone.reference in confirm.get_data(as_text=True)
    assert db.session.scalar(select(ReferralPerson).where(ReferralPerson.crn == "Y654321")) is not None  # not yet
    hidden = {i["name"]: i["value"] for i in page(confirm).select("form input[type=hidden]")}
    assert hidden["confirmed"] == "yes" and hidden["reason"] == "SAR-2026-114"

    done = client.post("/admin/referrals/erasure", data=hidden, follow_redirects=True)
    assert "1 referral about this person was erased" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(ReferralPerson).where(ReferralPerson.crn == "Y654321")) is None
    assert db.session.get(Referral, gone_id) is None and db.session.get(Referral, kept_id) is not None
    [event] = _audit("referral.erased")
    assert (event.actor_id, event.object_id, event.reason) == (admin.id, gone_public_id, "SAR-2026-114")
    assert "Y654321" not in json.dumps(event.details) and "Jordan" not in json.dumps(event.details)


def test_erasing_a_crn_with_no_referrals_says_so(client, admin):
    response = client.post("/admin/referrals/erasure", data={"crn": "A000001", "reason": "Request 7"})
    assert h1(response) == "Nothing is held about this person"
    assert not page(response).select("form")


@pytest.mark.parametrize("role", [Role.OFFENDER_MANAGER, Role.PROVIDER, Role.EMPLOYER, Role.PRISON_STAFF])
def test_only_administrators_use_the_tools(client, db, role):
    with client.application.test_request_context():
        referral = factories.referral(state="sent", crn="Y654321")
    factories.sign_in(client, referral.created_by if role == Role.OFFENDER_MANAGER else factories.user(role=role))
    for url in ("/admin/referrals", "/admin/referrals/subject-access", "/admin/referrals/erasure",
                "/admin/referrals/high-risk-services"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/referrals/subject-access", data={"crn": "Y654321"}).status_code == 403
    assert client.post("/admin/referrals/erasure", data={"crn": "Y654321", "reason": "x",
                                                         "confirmed": "yes"}).status_code == 403
    assert db.session.get(Referral, referral.id) is not None


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/admin/referrals/erasure")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- Approving services for high-risk referrals ---

def test_approving_a_service_lets_high_risk_referrals_through_and_is_audited(client, admin):
    service = factories.referrable_service(name="Harbour House")
    public = factories.referrable_service(name="Harbour Probation Hostel", sector="public")
    listed = client.get("/admin/referrals/high-risk-services?q=harbour")
    text = listed.get_data(as_text=True)
    assert "No voluntary or private sector services are approved yet" in text
    assert "Harbour House" in text and public.name not in text  # public-sector services need no approval

    response = client.post("/admin/referrals/high-risk-services?q=harbour",
                           data={"service": service.uuid, "decision": "approve"}, follow_redirects=True)
    assert "‘Harbour House’ can now take referrals of people at high risk" in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.high_risk_approved is True
    [event] = _audit("service.high_risk_approved")
    assert (event.actor_id, event.object_id) == (admin.id, service.uuid)
    with client.application.test_request_context():
        assert factories.referral(service=service, state="sent", risk_level="very-high").state == "sent"

    client.post("/admin/referrals/high-risk-services", data={"service": service.uuid, "decision": "withdraw"})
    db.session.expire_all()
    assert service.high_risk_approved is False
    assert len(_audit("service.high_risk_approval_withdrawn")) == 1


def test_the_approval_operation_is_for_administrators_and_does_nothing_twice(db):
    service = factories.referrable_service()
    admin = factories.user(role=Role.ADMIN)
    with pytest.raises(Forbidden):
        directory.set_high_risk_approval(service, factories.user(role=Role.PROVIDER), True)
    assert directory.set_high_risk_approval(service, admin, True) is True
    assert directory.set_high_risk_approval(service, admin, True) is False
    db.session.commit()
    assert len(_audit("service.high_risk_approved")) == 1


def test_an_unknown_service_is_refused(client, admin):
    response = client.post("/admin/referrals/high-risk-services", data={"service": "nope", "decision": "approve"})
    assert response.status_code == 400 and error_summary(response) == ["Select a service from the list"]
