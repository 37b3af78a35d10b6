"""A learner's "I am interested" in a guaranteed interview leads somewhere (issue #17): staff at their prison see
it and put them forward to the employer with their consent, in one step; the employer sees the nomination; the
learner follows it in campus words. Employers see whether learners see each opportunity and, if not, why."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.campus import operations
from portal.campus.models import Interest
from portal.employers.models import Nomination
from portal.extensions import db
from tests import factories
from tests.campus import helpers
from tests.html import error_summary, field_error, h1, page


def _interested_learner(client, prison_code: str = "LEI"):
    """A learner who pressed "I am interested" on an approved guaranteed interview and sent the message."""
    from tests.employers import factories as employers

    factories.empty_search_index()
    offer = employers.opportunity(title="Warehouse operative", postcodes=("LS1 4AP",))
    operations.review_opportunity(factories.user(role=Role.ADMIN), offer, True)
    db.session.commit()
    helpers.org_user(offer.organisation)  # someone reads the employer's campus inbox
    staff = helpers.prison_staff(prison_code)
    learner = helpers.learner(staff, name="Sam Carter", release_area="LS1")
    helpers.sign_in_at_kiosk(client, learner)
    market = page(client.get("/campus/market"))
    link = market.find(id="opportunities").find("a")
    assert link.get_text(" ", strip=True).startswith("I am interested")
    sent = client.post(link["href"], data={"subject": "Interested in Warehouse operative",
                                           "body": "I have a forklift licence and am released in March."})
    assert sent.status_code == 302
    return offer, staff, learner


def test_staff_turn_a_learners_interest_into_a_nomination_with_consent_in_one_step(app, client, db):
    offer, staff, learner = _interested_learner(client)
    interest = db.session.scalar(select(Interest))
    assert (interest.learner_id, interest.opportunity_id, interest.state) == (learner.id, offer.id, "waiting")
    mine = page(client.get("/campus/market")).find(id="my-interests").get_text(" ", strip=True)
    assert "Warehouse operative" in mine and "Staff at your prison have seen you are interested" in mine
    # saying it twice while staff have not acted adds nothing
    write = page(client.get("/campus/market")).find(id="opportunities").find("a")["href"]
    client.post(write, data={"subject": "Interested in Warehouse operative", "body": "Me again."})
    assert len(db.session.scalars(select(Interest)).all()) == 1

    staff_client = app.test_client()
    factories.sign_in(staff_client, staff)
    home = page(staff_client.get("/campus/staff"))
    assert home.find("a", string="Learners interested in opportunities (1)")
    listing = staff_client.get("/campus/staff/interests")
    row = page(listing).select_one("#interests tbody tr")
    assert "Sam Carter" in row.get_text() and "Warehouse operative" in row.get_text()
    url = row.find("a")["href"]
    form = staff_client.get(url)
    assert h1(form) == "Interested in Warehouse operative"
    assert page(form).find(id="first_name")["value"] == "Sam"

    # consent must be recorded, and how
    refused = staff_client.post(url, data={"first_name": "Sam", "skills": "Forklift", "availability": "From March"})
    assert refused.status_code == 400
    assert field_error(refused, "consent_method") == "Select how the person gave their consent"
    assert field_error(refused, "consent") == ("Confirm the person has agreed to be nominated and to share these "
                                               "details")
    assert db.session.scalar(select(Nomination)) is None

    done = staff_client.post(url, data={"first_name": "Sam", "skills": "Forklift licence, two years in a warehouse",
                                        "availability": "From release in March, weekdays",
                                        "consent_method": "in-person", "consent": "y"})
    assert done.status_code == 302
    nomination = db.session.scalar(select(Nomination))
    assert (nomination.person_reference, nomination.first_name, nomination.consent_method) == (
        learner.prison_number, "Sam", "in-person")
    assert nomination.consent_recorded_by_id == staff.id and nomination.opportunity_id == offer.id
    db.session.refresh(interest)
    assert (interest.state, interest.nomination_id) == ("nominated", nomination.id)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"campus.interest_recorded", "campus.interest_nominated", "nomination.created"} <= actions
    assert page(staff_client.get("/campus/staff/interests")).select_one("#interests") is None  # dealt with
    assert staff_client.post(url, data={"first_name": "Sam", "skills": "x", "availability": "x",
                                        "consent_method": "in-person", "consent": "y"}).status_code == 200
    assert len(db.session.scalars(select(Nomination)).all()) == 1  # not twice

    # The employer sees the nomination (and not the prison number)
    employer_client = app.test_client()
    employer = factories._provider_manager(offer.organisation)
    factories.sign_in(employer_client, employer)
    theirs = employer_client.get(f"/nominations/{nomination.public_id}")
    assert theirs.status_code == 200
    text = page(theirs).get_text(" ", strip=True)
    assert "Sam" in text and "Forklift licence" in text and learner.prison_number not in text

    # The learner sees where it stands, in campus words
    mine = page(client.get("/campus/market")).find(id="my-interests").get_text(" ", strip=True)
    assert "Staff have put you forward to the employer" in mine


def test_staff_record_why_a_learner_is_not_put_forward_and_the_learner_sees_it(app, client, db):
    _, staff, _ = _interested_learner(client)
    interest = db.session.scalar(select(Interest))
    staff_client = app.test_client()
    factories.sign_in(staff_client, staff)
    url = f"/campus/staff/interests/{interest.public_id}/not-taken"
    empty = staff_client.post(url, data={"not-reason": ""})
    assert empty.status_code == 400
    assert error_summary(empty) == ["Enter why the learner is not being put forward (they will see this)"]
    contact = staff_client.post(url, data={"not-reason": "Call me on 07700 900123"})
    assert contact.status_code == 400 and "phone number" in error_summary(contact)[0]
    done = staff_client.post(url, data={"not-reason": "You told us you would rather finish your course first."})
    assert done.status_code == 302
    mine = page(client.get("/campus/market")).find(id="my-interests").get_text(" ", strip=True)
    assert "Staff did not put you forward" in mine and "finish your course first" in mine
    assert db.session.scalar(select(Nomination)) is None


def test_staff_at_another_prison_and_everyone_else_get_404(app, client, db):
    _interested_learner(client, prison_code="BXI")
    interest = db.session.scalar(select(Interest))
    for user in (helpers.prison_staff("LEI"), factories.user(role=Role.OFFENDER_MANAGER),
                 factories.user(role=Role.EMPLOYER), factories.user(role=Role.ADMIN)):
        other = app.test_client()
        factories.sign_in(other, user)
        assert other.get(f"/campus/staff/interests/{interest.public_id}").status_code == 404, user.role
        assert other.post(f"/campus/staff/interests/{interest.public_id}", data={
            "first_name": "Sam", "skills": "x", "availability": "x", "consent_method": "in-person",
            "consent": "y"}).status_code == 404, user.role
        assert other.post(f"/campus/staff/interests/{interest.public_id}/not-taken",
                          data={"not-reason": "No"}).status_code == 404, user.role
    lei_staff = app.test_client()
    factories.sign_in(lei_staff, helpers.prison_staff("LEI"))
    assert page(lei_staff.get("/campus/staff/interests")).select_one("#interests") is None
    assert db.session.scalar(select(Interest)).state == "waiting"


def test_employers_see_whether_learners_see_each_opportunity_and_why_not(app, client, db):
    from tests.employers import factories as employers

    shown = employers.opportunity(title="Warehouse operative")
    refused = employers.opportunity(shown.organisation, title="Driver")
    waiting = employers.opportunity(shown.organisation, title="Kitchen porter")
    admin = factories.user(role=Role.ADMIN)
    operations.review_opportunity(admin, shown, True)
    operations.review_opportunity(admin, refused, False, "The description names a personal mobile number.")
    db.session.commit()
    factories.sign_in(client, factories._provider_manager(shown.organisation))
    rows = {r.find("a").get_text(strip=True): r.select_one(".app-campus-status").get_text(" ", strip=True)
            for r in page(client.get("/employer/opportunities")).select("tbody tr")}
    assert rows == {"Warehouse operative": "Shown to learners",
                    "Driver": "Not shown to learners: The description names a personal mobile number.",
                    "Kitchen porter": "Waiting for a check"}
    own = page(client.get(f"/opportunities/{refused.public_id}"))
    assert own.find(id="campus-status").get_text(" ", strip=True).startswith("Not shown to learners")
    assert "personal mobile number" in own.find(id="campus-refusal").get_text()
    # others looking at the opportunity (offender managers finding it) do not see the campus decision
    factories.sign_in(client, factories.user(role=Role.OFFENDER_MANAGER))
    theirs = page(client.get(f"/opportunities/{waiting.public_id}"))
    assert theirs.find(id="campus-status") is None
