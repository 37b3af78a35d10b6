"""The authorisation matrix: every URL rule that takes an identifier, requested by every role.

Each entry builds the object (as its owner would have it) and says what each role gets. A rule missing from
MATRIX fails `test_every_rule_with_an_identifier_is_in_the_matrix`, so a new route cannot ship unchecked.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from portal.accounts.roles import OrgRole, OrgStatus, Role
from tests import factories
from tests.matrix import (
    ANONYMOUS,
    OTHER_UNIT_SAME_REGION,
    OWNER,
    OWNER_REGION,
    OWNER_UNIT,
    ROLES,
    SIGN_IN,
    TEAM_ROLES,
    Case,
)


def _pending_org():
    owner = factories.user(role=Role.PROVIDER)
    owner.organisation.status = OrgStatus.PENDING
    factories.db.session.commit()
    return {"public_id": owner.organisation.public_id}, owner


def _approved_org():
    owner = factories.user(role=Role.PROVIDER)
    return {"public_id": owner.organisation.public_id}, owner


def _token():
    from sqlalchemy import select

    from portal.accounts.models import ApiToken

    owner = factories.user(role=Role.LEAD_PROVIDER)
    factories.api_token(owner)
    return {"public_id": factories.db.session.scalar(select(ApiToken)).public_id}, owner


def _staff_user():
    """An offender manager, as an administrator's user screens show them (no owner: it is not theirs to manage)."""
    return {"public_id": factories.user(role=Role.OFFENDER_MANAGER).public_id}, None


def _no_object():
    return {"token": "not-a-valid-token"}, None


def _listed_service():
    return {"service_uuid": factories.published_service(index=False).uuid}, None


def _saved_list():
    owner = factories.user(role=Role.OFFENDER_MANAGER)
    return {"list_uuid": factories.saved_list(owner, factories.published_service(index=False)).uuid}, owner


def _saved_list_item():
    owner = factories.user(role=Role.PROVIDER)
    service = factories.published_service(index=False)
    return {"list_uuid": factories.saved_list(owner, service).uuid, "service_uuid": service.uuid}, owner


def _listing(state: str):
    """A listing of a provider's organisation in `state` ("draft", "submitted", "published"), and its owner."""
    def build():
        owner = factories.user(role=Role.PROVIDER)
        return {"service_uuid": factories.listing(owner.organisation, state=state).uuid}, owner
    return build


def _submitted_revision():
    owner = factories.user(role=Role.PROVIDER)
    return {"revision_uuid": factories.listing(owner.organisation, state="submitted").pending_revision.uuid}, owner


MATRIX: dict[str, Case] = {
    "accounts.organisation": Case("GET", _pending_org, {OWNER: 200, Role.ADMIN: 200, "*": 404}),
    "accounts.invite": Case("GET", _approved_org, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 403}),
    "accounts.identifiers": Case("GET", _approved_org, {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403}),
    "accounts.revoke_token": Case("POST", _token, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "admin.user": Case("GET", _staff_user, {Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403}, owned=False),
    "admin.disable_user": Case("POST", _staff_user, {Role.ADMIN: 400, ANONYMOUS: SIGN_IN, "*": 403}, owned=False),
    "admin.enable_user": Case("POST", _staff_user, {Role.ADMIN: 400, ANONYMOUS: SIGN_IN, "*": 403}, owned=False),
    "admin.reset_two_factor": Case("POST", _staff_user, {Role.ADMIN: 400, ANONYMOUS: SIGN_IN, "*": 403}, owned=False),
    "admin.set_probation_team": Case("POST", _staff_user, {Role.ADMIN: 400, ANONYMOUS: SIGN_IN, "*": 403},
                                     owned=False),
    "admin.organisation": Case("GET", _pending_org, {Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403}),
    # Emailed links: the token is the credential, so everyone without a valid one gets the same 400 page.
    "accounts.verify_email": Case("GET", _no_object, {"*": 400}, owned=False),
    "accounts.reset_password": Case("GET", _no_object, {"*": 400}, owned=False),
    "accounts.accept_invitation": Case("GET", _no_object, {"*": 400}, owned=False),
    "accounts.enrol": Case("GET", _no_object, {"*": 400}, owned=False),
    # Finding services: listings are public; saving needs a signed-in staff member; a list is its owner's alone.
    "directory.service": Case("GET", _listed_service, {"*": 200}, owned=False),
    "directory.save_service": Case("GET", _listed_service, {ANONYMOUS: SIGN_IN, "*": 200}, owned=False),
    "directory.saved_list": Case("GET", _saved_list, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.email_list": Case("GET", _saved_list, {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.delete_list": Case("POST", _saved_list, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.remove_from_list": Case("POST", _saved_list_item, {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # Listings: a provider's drafts are secret to its organisation (administrators may look); reviews are for
    # administrators; anyone may report a problem with a published listing.
    "directory.manage": Case("GET", _listing("draft"), {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.edit_listing": Case("GET", _listing("draft"), {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.submit_listing": Case("POST", _listing("draft"), {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.confirm_listing": Case("POST", _listing("published"), {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "directory.review": Case("GET", _submitted_revision, {Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 403}),
    "directory.report_problem": Case("GET", _listing("published"), {"*": 200}),
    "directory.problem_reported": Case("GET", _listing("published"), {"*": 200}),
}

def _oruk(argument: str):
    """The Open Referral UK feed: public and anonymous, the same for everyone (a published, imported listing)."""
    def build():
        from portal.directory import demo_data, operations, vocabulary

        record = next(demo_data.generate_services(1, seed=next(factories._seq)))
        operations.import_services([record])
        factories.db.session.commit()
        values = {"service_id": record["id"], "sal_id": record["service_at_locations"][0]["id"],
                  "taxonomy_id": vocabulary.taxonomy_id("eligibility"),
                  "term_id": vocabulary.term_id("eligibility", "women-only")}
        return {argument: values[argument]}, None
    return build


MATRIX.update({
    "directory.oruk.service": Case("GET", _oruk("service_id"), {"*": 200}, owned=False),
    "directory.oruk.service_at_location": Case("GET", _oruk("sal_id"), {"*": 200}, owned=False),
    "directory.oruk.taxonomy": Case("GET", _oruk("taxonomy_id"), {"*": 200}, owned=False),
    "directory.oruk.taxonomy_term": Case("GET", _oruk("term_id"), {"*": 200}, owned=False),
})

for _module in sorted(Path(__file__).parent.glob("*/matrix_cases*.py")):
    _cases = importlib.import_module(f"tests.{_module.parent.name}.{_module.stem}").CASES
    assert not set(_cases) & set(MATRIX), f"{_module} repeats matrix entries"
    MATRIX.update(_cases)

NOT_OBJECT_ROUTES = {"static"}


def test_every_rule_with_an_identifier_is_in_the_matrix(app):
    rules = {rule.endpoint for rule in app.url_map.iter_rules() if rule.arguments} - NOT_OBJECT_ROUTES
    missing = rules - set(MATRIX)
    assert not missing, f"add these routes to the authorisation matrix: {sorted(missing)}"
    assert not set(MATRIX) - rules, "the matrix names routes that no longer exist"


@pytest.mark.parametrize("endpoint, role", [(endpoint, role) for endpoint in sorted(MATRIX) for role in ROLES
                                            if role != OWNER or MATRIX[endpoint].owned])
def test_authorisation(app, client, db, endpoint, role):
    from flask import url_for

    case = MATRIX[endpoint]
    kwargs, owner = case.build()
    api = endpoint.startswith("api.")  # the API reads a bearer token, never the session cookie
    headers, user = {}, None
    if role == OWNER:
        user = owner
    elif role != ANONYMOUS:
        org_role = {"org_role": OrgRole.OWNER} if role in (Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER) else {}
        user = factories.user(role=role, **org_role)
    if user is not None and api:
        headers = {"Authorization": f"Bearer {factories.api_token(user)}"}
    elif user is not None:
        factories.sign_in(client, user)
    with app.test_request_context():
        url = url_for(endpoint, **kwargs)
    body = {"json": case.data} if api else {"data": case.data}
    response = client.open(url, method=case.method, headers=headers, **body)
    expected = case.expected(role)
    if expected == SIGN_IN:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], response.status_code
    else:
        assert response.status_code == expected
    if response.status_code in (403, 404) and owner is not None and role != OWNER:
        body = response.get_data(as_text=True)
        assert owner.email not in body and owner.name not in body


@pytest.mark.parametrize("endpoint, team_role", [(endpoint, role) for endpoint in sorted(MATRIX)
                                                 for role in TEAM_ROLES if MATRIX[endpoint].team])
def test_probation_teams(app, client, db, endpoint, team_role):
    """An offender manager's team is their probation delivery unit: a colleague in it gets what the owner gets,
    and so does a regional probation lead of the region; an offender manager of another unit in the same region,
    and a lead of another region, get 404."""
    from flask import url_for

    case = MATRIX[endpoint]
    kwargs, owner = case.build()
    assert owner.role == Role.OFFENDER_MANAGER and owner.probation_delivery_unit.slug == OWNER_UNIT, endpoint
    user = {
        "same-unit": lambda: factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit=OWNER_UNIT),
        "other-unit-same-region": lambda: factories.user(role=Role.OFFENDER_MANAGER,
                                                         probation_delivery_unit=OTHER_UNIT_SAME_REGION),
        "regional-lead": lambda: factories.user(role=Role.OFFENDER_MANAGER, probation_region=OWNER_REGION,
                                                probation_delivery_unit=OTHER_UNIT_SAME_REGION, sees_whole_region=True),
        "other-region-lead": lambda: factories.user(role=Role.OFFENDER_MANAGER, probation_region="london",
                                                    sees_whole_region=True),
    }[team_role]()
    api = endpoint.startswith("api.")
    headers = {"Authorization": f"Bearer {factories.api_token(user)}"} if api else {}
    if not api:
        factories.sign_in(client, user)
    with app.test_request_context():
        url = url_for(endpoint, **kwargs)
    body = {"json": case.data} if api else {"data": case.data}
    response = client.open(url, method=case.method, headers=headers, **body)
    expected = case.expected(OWNER) if team_role in ("same-unit", "regional-lead") else 404
    assert response.status_code == expected, response.status_code
