"""Password rules, reset by emailed link, and inviting colleagues."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.credentials import password_problem
from portal.accounts.models import User
from portal.accounts.roles import OrgRole, Role
from tests import factories
from tests.html import error_summary, field_error, h1
from tests.mail import inbox, last_link

TOO_EASY = "Password is too easy to guess. Choose a different one, such as three random words"


@pytest.mark.parametrize("password, role, problem", [
    ("short", Role.PROVIDER, "Password must be 8 characters or more"),
    ("eight ch", Role.PROVIDER, None),
    ("fourteen chars", Role.ADMIN, "Password must be 15 characters or more"),
    ("fifteen chars!!", Role.ADMIN, None),
    ("qwertyuiop", Role.PROVIDER, TOO_EASY),
    ("aaaaaaaaaaaa", Role.PROVIDER, TOO_EASY),
    ("nocomposition", Role.EMPLOYER, None),  # no rules about digits or symbols
])
def test_password_rules(password, role, problem):
    assert password_problem(password, role) == problem


def test_a_forgotten_password_is_reset_by_a_single_use_link(client, make, db):
    user = make.user(role=Role.EMPLOYER, email="erin@example.org")
    response = client.post("/forgot-password", data={"email": "erin@example.org"})
    assert h1(response) == "Check your email"
    link = last_link("erin@example.org")
    assert client.post(link, data={"password": "short"}).status_code == 400
    done = client.post(link, data={"password": "brand new passphrase"}, follow_redirects=True)
    assert "Your password has been changed" in done.get_data(as_text=True)
    assert client.get(link).status_code == 400  # used once, never again
    assert client.post("/sign-in", data={"email": user.email, "password": "brand new passphrase"}).status_code == 302


def test_asking_to_reset_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post("/forgot-password", data={"email": "nobody@example.org"})
    assert h1(response) == "Check your email"
    assert inbox("nobody@example.org") == []


def test_an_owner_invites_a_caseworker_who_creates_their_account(client, make, db, login_as, app):
    owner = login_as(Role.PROVIDER)
    org = owner.organisation
    response = client.post(f"/organisations/{org.public_id}/invite",
                           data={"email": "casey@example.org", "org_role": "caseworker"})
    assert response.status_code == 302
    link = last_link("casey@example.org")
    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    bad = newcomer.post(link, data={"name": "", "password": "kettle lantern orchard"})
    assert bad.status_code == 400 and field_error(bad, "name") == "Enter your full name"
    ok = newcomer.post(link, data={"name": "Casey Caseworker", "password": "kettle lantern orchard"})
    assert ok.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "casey@example.org"))
    assert user.role == Role.PROVIDER and user.organisation.id == org.id
    assert user.membership.org_role == OrgRole.CASEWORKER
    assert newcomer.get(link).status_code == 400  # single use


def test_caseworkers_cannot_invite_and_nobody_can_invite_into_another_organisation(client, make, login_as):
    caseworker = login_as(Role.PROVIDER, org_role=OrgRole.CASEWORKER)
    assert client.get(f"/organisations/{caseworker.organisation.public_id}/invite").status_code == 403
    other_org = make.organisation()
    client.post("/sign-out")
    login_as(Role.PROVIDER)
    assert client.post(f"/organisations/{other_org.public_id}/invite",
                       data={"email": "x@example.org", "org_role": "owner"}).status_code == 403


def test_inviting_someone_who_already_has_an_account_is_refused(client, make, login_as):
    owner = login_as(Role.PROVIDER)
    existing = make.user(role=Role.EMPLOYER)
    response = client.post(f"/organisations/{owner.organisation.public_id}/invite",
                           data={"email": existing.email, "org_role": "caseworker"})
    assert response.status_code == 400
    assert error_summary(response) == ["Someone already has an account with this email address"]
    _ = factories
