"""Issue #12: an organisation that had registered but was not yet approved could already send email through the
portal to any address (sharing a saved list, inviting colleagues), create API tokens and browse employers'
opportunities. Until approval its staff see their own registration status and nothing more; no email leaves the
portal on their behalf except their own verification."""
from __future__ import annotations

import pytest

from portal.accounts.roles import OrgKind, OrgStatus, Role
from tests import factories
from tests.employers import factories as employers
from tests.html import h1
from tests.mail import inbox


@pytest.fixture(params=[OrgStatus.PENDING, OrgStatus.REJECTED])
def unapproved(request, client, make):
    organisation = make.organisation(status=request.param, kind=OrgKind.PROVIDER)
    user = make.user(role=Role.PROVIDER, organisation_=organisation)
    factories.sign_in(client, user)
    return user


def test_they_see_their_own_registration_status(client, unapproved):
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    page = client.get(f"/organisations/{unapproved.organisation.public_id}")
    assert page.status_code == 200 and h1(page) == unapproved.organisation.name


def test_they_cannot_send_a_saved_list_to_any_address(client, make, unapproved):
    saved = make.saved_list(unapproved, make.published_service(index=False))
    response = client.post(f"/lists/{saved.uuid}/email", data={"email": "anyone@example.org"})
    assert response.status_code in (403, 404)
    assert inbox("anyone@example.org") == []


def test_they_cannot_invite_colleagues(client, unapproved):
    response = client.post(f"/organisations/{unapproved.organisation.public_id}/invite",
                           data={"email": "anyone@example.org", "org_role": "caseworker"})
    assert response.status_code == 403
    assert inbox("anyone@example.org") == []


def test_they_cannot_create_or_use_api_tokens(app, client, unapproved):
    assert client.post("/account/tokens/new", data={"name": "case system"}).status_code == 403
    token = factories.api_token(unapproved)  # made before the fix, or while the organisation was approved
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_they_cannot_browse_employers_opportunities(client, unapproved):
    employers.opportunity()
    assert client.get("/opportunities").status_code == 403


def test_once_approved_they_can(app, client, make):
    organisation = make.organisation(status=OrgStatus.PENDING, kind=OrgKind.PROVIDER)
    user = make.user(role=Role.PROVIDER, organisation_=organisation)
    factories.sign_in(client, user)
    assert client.post("/account/tokens/new", data={"name": "case system"}).status_code == 403
    organisation.status = OrgStatus.APPROVED
    factories.db.session.commit()
    assert client.post("/account/tokens/new", data={"name": "case system"}).status_code == 200
    assert client.get("/opportunities").status_code == 200
