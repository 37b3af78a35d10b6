"""Joining the Corporate Alliance at a level with pledges, moving up, verification, the public Alliance page and
the guidance pages."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, Role
from portal.audit import AuditEvent
from portal.employers.models import AllianceMembership, Pledge
from tests.html import error_summary, field_error, h1, page
from tests.mail import inbox

JOIN = {"level": "3", "pledge_1_kind": "recruit", "pledge_1_description": "Guaranteed interviews for warehouse roles",
        "pledge_1_area": "Leeds", "pledge_1_quantity": "12"}


def test_an_employer_joins_at_a_level_with_pledges_and_waits_for_verification(client, login_as, db):
    user = login_as(Role.EMPLOYER)
    assert h1(client.get("/employer/alliance/level")) == "Join the Corporate Alliance"
    response = client.post("/employer/alliance/level", data={
        **JOIN, "pledge_2_kind": "donate", "pledge_2_description": "Hard hats and boots for the workshop"})
    assert response.status_code == 302
    membership = db.session.scalar(select(AllianceMembership))
    assert membership.organisation_id == user.organisation.id
    assert (membership.level, membership.verified_level) == (3, None)
    assert [(p.kind, p.quantity) for p in membership.pledges] == [("recruit", 12), ("donate", None)]
    shown = page(client.get("/employer/alliance")).get_text(" ", strip=True)
    assert "Not verified yet" in shown and "You have pledged to level 3" in shown


def test_bad_pledges_are_refused_field_by_field_and_nothing_is_saved(client, login_as, db):
    login_as(Role.EMPLOYER)
    response = client.post("/employer/alliance/level", data={"level": "", "pledge_1_kind": "",
                                                             "pledge_1_description": "", "pledge_1_quantity": "lots"})
    assert response.status_code == 400
    assert field_error(response, "level") == "Select the level your organisation is joining at"
    assert field_error(response, "pledge_1_kind") == "Select what you are pledging"
    assert field_error(response, "pledge_1_quantity") == "How many must be a whole number, like 10"
    # A level 3 pledge at level 1 is refused by the rules, naming the field.
    response = client.post("/employer/alliance/level", data={**JOIN, "level": "1"})
    assert response.status_code == 400
    assert "is a level 3 pledge" in field_error(response, "pledge_1_kind")
    assert db.session.scalar(select(func.count()).select_from(AllianceMembership)) == 0


def test_caseworkers_cannot_commit_their_organisation_and_providers_cannot_join(client, login_as, db):
    login_as(Role.EMPLOYER, org_role=OrgRole.CASEWORKER)
    assert client.get("/employer/alliance/level").status_code == 403
    assert client.post("/employer/alliance/level", data=JOIN).status_code == 403
    client.post("/sign-out")
    login_as(Role.PROVIDER)
    assert client.post("/employer/alliance/level", data=JOIN).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AllianceMembership)) == 0


def test_an_administrator_verifies_the_level_and_the_employer_moves_up_later(client, login_as, make, alliance, db):
    owner = make.user(role=Role.EMPLOYER)
    membership = alliance.membership(owner.organisation, level=1, verified=False)
    login_as(Role.ADMIN)
    queue = page(client.get("/admin/alliance")).get_text(" ", strip=True)
    assert owner.organisation.name in queue
    response = client.post(f"/admin/alliance/{membership.public_id}",
                           data={"decision": "verify", "version": membership.version})
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.verified_level == 1
    assert "verified" in inbox(owner.email)[-1].get_content()
    client.post("/sign-out")

    login_as(owner)
    response = client.post("/employer/alliance/level", data={
        "level": "1", "pledge_1_kind": "donate", "pledge_1_description": "More boots", "version": membership.version})
    assert response.status_code == 400  # level 1 is not a move up (and is not offered)
    response = client.post("/employer/alliance/level", data={
        "level": "2", "pledge_1_kind": "place", "pledge_1_description": "Paid placements",
        "version": membership.version})
    assert response.status_code == 302
    db.session.refresh(membership)
    assert (membership.level, membership.verified_level) == (2, 1)  # the badge stays at 1 until verified
    assert db.session.scalar(select(func.count()).select_from(Pledge)) == 2
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "alliance.moved_up"


def test_declining_needs_a_reason_and_keeps_the_verified_level(client, login_as, make, alliance, db):
    owner = make.user(role=Role.EMPLOYER)
    membership = alliance.membership(owner.organisation, level=2, verified=False)
    login_as(Role.ADMIN)
    response = client.post(f"/admin/alliance/{membership.public_id}", data={"decision": "decline"})
    assert response.status_code == 400 and field_error(response, "reason") == "Enter why the level cannot be verified"
    client.post(f"/admin/alliance/{membership.public_id}", data={"decision": "decline", "reason": "No pledges shown"})
    db.session.refresh(membership)
    assert membership.declined_at is not None and membership.verified_level is None


def test_a_stale_decision_is_a_409(client, login_as, make, alliance, db):
    owner = make.user(role=Role.EMPLOYER)
    membership = alliance.membership(owner.organisation, level=2, verified=False)
    login_as(Role.ADMIN)
    response = client.post(f"/admin/alliance/{membership.public_id}",
                           data={"decision": "verify", "version": membership.version + 1})
    assert response.status_code == 409 and "Someone else changed this" in h1(response)


def test_the_alliance_page_lists_verified_members_by_level_and_region_with_results(client, alliance, make, db):
    leeds = alliance.employer(name="Unused")
    unverified = make.user(role=Role.EMPLOYER)
    alliance.membership(unverified.organisation, level=2, verified=False)
    opportunity = alliance.opportunity(leeds.organisation)
    alliance.nomination(opportunity, state="started")
    alliance.nomination(opportunity, state="retained")
    response = client.get("/alliance")
    assert response.status_code == 200
    text = page(response).get_text(" ", strip=True)
    assert leeds.organisation.name in text and unverified.organisation.name not in text
    row = next(th for th in page(response).select("tbody th") if leeds.organisation.name in th.get_text()).parent
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert cells[1:] == ["1", "2", "2", "1"]  # opportunities, interviews, hired, still employed at six months
    assert "Guaranteed interviews for" not in text and "Two guaranteed interviews a quarter" in text
    elsewhere = page(client.get("/alliance?region=london")).get_text(" ", strip=True)
    assert leeds.organisation.name not in elsewhere
    assert leeds.organisation.name not in page(client.get("/alliance?level=1")).get_text(" ", strip=True)


def test_guidance_pages_are_public_and_link_to_the_official_disclosure_guidance(client, db):
    for path, heading in (("/employers/guidance", "Guidance for employers"),
                          ("/employers/guidance/fair-recruitment", "Recruiting people with convictions fairly"),
                          ("/employers/guidance/disclosure", "Disclosure and the Rehabilitation of Offenders Act"),
                          ("/employers/guidance/fidelity-bonds", "Employer fidelity bonds")):
        response = client.get(path)
        assert response.status_code == 200 and h1(response) == heading
    disclosure = page(client.get("/employers/guidance/disclosure"))
    assert any(a["href"].startswith("https://www.gov.uk/") and "Rehabilitation of Offenders Act" in a.get_text()
               for a in disclosure.find_all("a"))
    assert "never works out whether a conviction is spent" in disclosure.get_text()
    assert error_summary(client.get("/employers/guidance")) == []
