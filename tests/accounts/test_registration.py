"""Registering an organisation, confirming the email address, and administrator approval."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgStatus, Role
from portal.extensions import db
from tests.html import error_summary, field_error, h1, page, title
from tests.mail import inbox, last_link

VALID = {
    "organisation_name": "Riverside Housing Trust",
    "kind": "provider",
    "sector": "voluntary-community",
    "charity_number": "1123456",
    "company_number": "",
    "regions": ["north-east", "yorkshire-humber"],
    "contract_package_areas": ["northumbria"],
    "description": "Supported housing for people leaving prison.",
    "name": "Rosa Rivers",
    "email": "Rosa.Rivers@Riverside.example",
    "password": "kettle lantern orchard",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_organisation_registers_confirms_its_email_and_waits_for_approval(client, db):
    response = client.post("/register", data=VALID)
    assert response.status_code == 302
    assert h1(client.get(response.headers["Location"])) == "Check your email"

    org = db.session.scalar(select(Organisation))
    assert (org.name, org.status, org.kind) == ("Riverside Housing Trust", OrgStatus.PENDING, "provider")
    assert [i.org_id for i in org.identifiers] == ["GB-CHC-1123456"]
    assert sorted(r.slug for r in org.regions) == ["north-east", "yorkshire-humber"]
    user = db.session.scalar(select(User))
    assert user.email == "rosa.rivers@riverside.example" and user.role == Role.PROVIDER
    assert user.membership.org_role == "owner"
    assert user.password_hash.startswith("$argon2")

    # Until confirmed, signing in is refused; the emailed link confirms the address.
    link = last_link("rosa.rivers@riverside.example")
    confirmed = client.get(link, follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)
    signed_in = client.post("/sign-in", data={"email": VALID["email"], "password": VALID["password"]},
                            follow_redirects=True)
    assert "waiting for approval" in signed_in.get_data(as_text=True)

    # A pending organisation appears nowhere: its page is hidden from others.
    assert client.application.test_client().get(f"/organisations/{org.public_id}").status_code == 404


def test_the_verification_email_holds_a_link_and_nothing_else_about_the_person(client, db):
    client.post("/register", data=VALID)
    message = inbox("rosa.rivers@riverside.example")[0]
    body = message.get_content()
    assert "Rosa" not in body and "Riverside" not in body
    assert message["Subject"] == "Confirm your email address"


@pytest.mark.parametrize("field, value, message", [
    ("organisation_name", "", "Enter the name of your organisation"),
    ("kind", "", "Select what your organisation does in the portal"),
    ("sector", "", "Select your organisation's sector"),
    ("regions", [], "Select at least one region you work in"),
    ("name", "", "Enter your full name"),
    ("name", "Rosa\r\nBcc: victim@example.org", "Your full name must be on one line, without special characters"),
    ("email", "", "Enter your work email address"),
    ("email", "rosa@", "Enter an email address in the correct format, like name@example.com"),
    ("password", "short", "Password must be 8 characters or more"),
    ("password", "password123", "Password is too easy to guess. Choose a different one, such as three random words"),
    ("charity_number", "12AB", "Enter a charity number in the correct format"),
    ("company_number", "123", "Enter a company number in the correct format"),
    ("organisation_name", "x" * 201, "Organisation name must be 200 characters or fewer"),
])
def test_bad_registrations_name_the_field_and_change_nothing(client, db, field, value, message):
    response = client.post("/register", data={**VALID, field: value})
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    assert message in error_summary(response)
    assert field_error(response, field) == message
    assert count(Organisation) == 0 and count(User) == 0
    # What the person typed is kept so they only fix the one field (passwords are never echoed back).
    if field != "organisation_name":
        assert page(response).find(id="organisation_name")["value"] == VALID["organisation_name"]
    assert not page(response).find(id="password").get("value")


def test_registering_with_an_email_that_has_an_account_looks_the_same_and_tells_the_owner(client, make, db):
    """Issue #12: the form said "An account already uses this email address", so anyone could find out who has
    an account. Both cases now answer alike; the owner hears about it by email and nothing is created."""
    make.user(role=Role.PROVIDER, email="rosa.rivers@riverside.example")
    taken = client.post("/register", data=VALID)
    fresh = client.post("/register", data={**VALID, "email": "someone.new@riverside.example",
                                           "charity_number": "1123457"})
    assert taken.status_code == fresh.status_code == 302
    assert taken.headers["Location"] == fresh.headers["Location"]
    assert h1(client.get(taken.headers["Location"])) == h1(client.get(fresh.headers["Location"])) == "Check your email"
    assert count(Organisation) == 2  # the factory's and the new address's: none for the taken address
    [message] = inbox("rosa.rivers@riverside.example")
    assert message["Subject"] == "Someone tried to register with your email address"
    assert "http://portal.test/sign-in" in message.get_content()


def test_registrations_are_limited_per_email_address_and_per_client_address(client, db):
    for attempt in range(3):
        assert client.post("/register", data={**VALID, "charity_number": f"112345{attempt}"}).status_code in (302, 400)
    assert client.post("/register", data={**VALID, "charity_number": "1123459"}).status_code == 429
    # failed attempts count towards the client address's limit too
    for _ in range(17):
        client.post("/register", data={**VALID, "email": "x@", "charity_number": ""})
    assert client.post("/register", data={**VALID, "email": "other@riverside.example"}).status_code == 429


def test_a_charity_number_can_only_be_registered_once(client, db):
    client.post("/register", data=VALID)
    again = client.post("/register", data={**VALID, "email": "someone.else@example.org"})
    assert again.status_code == 400
    assert field_error(again, "charity_number") == "An organisation with this charity number is already registered"


def test_a_tampered_or_expired_verification_link_is_refused(client, db):
    response = client.get("/verify-email/not-a-real-token")
    assert response.status_code == 400
    assert h1(response) == "This link does not work"


def test_an_administrator_approves_an_organisation_and_the_owner_is_told(client, db, login_as):
    client.post("/register", data=VALID)
    org = db.session.scalar(select(Organisation))
    login_as(Role.ADMIN)
    queue = client.get("/admin/organisations")
    assert "Riverside Housing Trust" in queue.get_data(as_text=True)
    no_reason = client.post(f"/admin/organisations/{org.public_id}", data={"decision": "reject", "reason": ""})
    assert no_reason.status_code == 400
    assert field_error(no_reason, "reason") == "Enter the reason for rejecting this organisation"
    done = client.post(f"/admin/organisations/{org.public_id}", data={"decision": "approve"}, follow_redirects=True)
    assert "Riverside Housing Trust has been approved" in done.get_data(as_text=True)
    db.session.refresh(org)
    assert org.status == OrgStatus.APPROVED and org.decided_by_id is not None
    subjects = [m["Subject"] for m in inbox("rosa.rivers@riverside.example")]
    assert "Your organisation has been approved" in subjects
    assert client.application.test_client().get(f"/organisations/{org.public_id}").status_code == 200
    again = client.post(f"/admin/organisations/{org.public_id}", data={"decision": "reject", "reason": "x"})
    assert again.status_code == 400 and "already been decided" in error_summary(again)[0]


def test_only_administrators_reach_administration(client, login_as):
    login_as(Role.PROVIDER)
    assert client.get("/admin/organisations").status_code == 403
