"""Charity and company numbers after registration: an organisation's owners and managers (and administrators)
record, change or remove them; the format is checked with a message naming the field; each change is audited;
and the Open Referral UK feed carries the new numbers at once (OCDS and 360Giving: tests/funding/test_exports.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from tests import factories
from tests.html import error_summary, field_error, page


def _url(org) -> str:
    return f"/organisations/{org.public_id}/identifiers"


def _numbers(db, org) -> dict[str, str]:
    db.session.expire_all()
    return {i.scheme: i.identifier for i in org.identifiers}


def test_an_owner_records_and_changes_the_numbers_and_each_change_is_audited(client, db, login_as):
    owner = login_as(Role.PROVIDER)
    org = owner.organisation
    profile = page(client.get(f"/organisations/{org.public_id}"))
    change = profile.select_one(f"a[href='{_url(org)}']")
    assert change is not None and "charity and company numbers" in change.get_text()

    response = client.post(_url(org), data={"charity_number": "1123456", "company_number": "sc 123456"})
    assert response.status_code == 302
    assert _numbers(db, org) == {"GB-CHC": "1123456", "GB-COH": "SC123456"}
    profile = page(client.get(f"/organisations/{org.public_id}")).get_text()
    assert "GB-CHC-1123456" in profile and "GB-COH-SC123456" in profile

    # The form shows what is recorded; emptying a box removes that number.
    form = page(client.get(_url(org)))
    assert form.select_one("input[name=charity_number]")["value"] == "1123456"
    assert client.post(_url(org), data={"charity_number": "", "company_number": "SC123456"}).status_code == 302
    assert _numbers(db, org) == {"GB-COH": "SC123456"}

    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organisation.identifiers_changed", AuditEvent.object_id == org.public_id)
        .order_by(AuditEvent.id)))
    assert [e.actor_id for e in events] == [owner.id, owner.id]
    assert events[0].details == {"charity_number": {"from": "", "to": "1123456"},
                                 "company_number": {"from": "", "to": "SC123456"}}
    assert events[1].details == {"charity_number": {"from": "1123456", "to": ""}}
    # Saving the same numbers again changes nothing and records nothing.
    assert client.post(_url(org), data={"charity_number": "", "company_number": "SC123456"}).status_code == 302
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "organisation.identifiers_changed").order_by(AuditEvent.id.desc())) == events[1].id


@pytest.mark.parametrize(("field", "value", "message"), [
    ("charity_number", "12345678", "Enter a charity number in the correct format"),
    ("charity_number", "12AB", "Enter a charity number in the correct format"),
    ("company_number", "123", "Enter a company number in the correct format"),
    ("company_number", "0123456789012", "Company number must be 12 characters or fewer"),
])
def test_a_number_in_the_wrong_format_is_refused_against_its_field_and_nothing_changes(
        client, db, login_as, field, value, message):
    owner = login_as(Role.PROVIDER)
    data = {"charity_number": "1123456", "company_number": "01234567", field: value}
    response = client.post(_url(owner.organisation), data=data)
    assert response.status_code == 400
    assert field_error(response, field) == message
    assert message in error_summary(response)
    assert page(response).title.get_text().startswith("Error: ")
    assert _numbers(db, owner.organisation) == {}


def test_a_number_another_organisation_holds_is_refused(client, db, login_as):
    other = factories.user(role=Role.PROVIDER)
    factories.sign_in(client, other)
    assert client.post(_url(other.organisation), data={"charity_number": "1123456"}).status_code == 302
    owner = login_as(Role.PROVIDER)
    response = client.post(_url(owner.organisation), data={"charity_number": "1123456", "company_number": ""})
    assert response.status_code == 400
    assert field_error(response, "charity_number") == "An organisation with this charity number is already registered"
    # Its own number is no clash when the other one changes.
    assert client.post(_url(owner.organisation), data={"charity_number": "1123457"}).status_code == 302
    assert client.post(_url(owner.organisation), data={"charity_number": "1123457",
                                                       "company_number": "01234567"}).status_code == 302
    assert _numbers(db, owner.organisation) == {"GB-CHC": "1123457", "GB-COH": "01234567"}


def test_managers_and_administrators_may_others_get_403(client, db, login_as, app):
    owner = factories.user(role=Role.PROVIDER)
    org = owner.organisation
    manager = factories.user(role=Role.PROVIDER, organisation_=org, org_role=OrgRole.MANAGER)
    login_as(manager)
    assert client.post(_url(org), data={"charity_number": "1123456"}).status_code == 302
    login_as(Role.ADMIN)
    assert client.get(_url(org)).status_code == 200
    assert client.post(_url(org), data={"charity_number": "1123457"}).status_code == 302
    assert _numbers(db, org) == {"GB-CHC": "1123457"}
    for someone in (factories.user(role=Role.PROVIDER, organisation_=org, org_role=OrgRole.CASEWORKER),
                    factories.user(role=Role.PROVIDER, organisation_=org, org_role=OrgRole.FINANCE),
                    factories.user(role=Role.PROVIDER), factories.user(role=Role.OFFENDER_MANAGER)):
        login_as(someone)
        assert client.get(_url(org)).status_code == 403
        assert client.post(_url(org), data={"charity_number": "1999001"}).status_code == 403
        assert f"href=\"{_url(org)}\"" not in client.get(f"/organisations/{org.public_id}").get_data(as_text=True)
    assert app.test_client().get(_url(org)).status_code == 302  # anonymous: to the sign-in page
    assert _numbers(db, org) == {"GB-CHC": "1123457"}


def test_the_open_referral_feed_carries_the_new_numbers_at_once(client, db, login_as):
    owner = login_as(Role.PROVIDER)
    org = owner.organisation
    service = factories.listing(org)
    before = client.get(f"/api/oruk/services/{service.uuid}").get_json()
    assert "organization_identifiers" not in before["organization"]
    assert client.post(_url(org), data={"charity_number": "1123456", "company_number": "01234567"}).status_code == 302
    after = client.get(f"/api/oruk/services/{service.uuid}").get_json()
    assert [(i["identifier_scheme"], i["identifier"]) for i in after["organization"]["organization_identifiers"]] == [
        ("GB-CHC", "1123456"), ("GB-COH", "01234567")]
    assert after["last_modified"] > before["last_modified"]
    changed = client.get("/api/oruk/services", query_string={"modified_after": before["last_modified"]}).get_json()
    assert [s["id"] for s in changed["contents"]] == [service.uuid]
