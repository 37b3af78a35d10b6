"""Virtual Campus pages in the authorisation matrix. Learners are not matrix roles (they can only be signed in
through a kiosk session): their own access is tested in test_learner_access.py. Here:
- learner pages refuse every other role (403) and send anonymous visitors to the kiosk sign-in;
- a learner's record, sessions and messages are secret to staff at the learner's prison (the owner works at
  HMP Brixton; the matrix's prison staff at HMP Leeds get 404);
- a message in an organisation's inbox is secret to that organisation's staff;
- content is its authoring organisation's (and administrators') until published.
"""
from __future__ import annotations

from portal.accounts.roles import OrgKind, Role
from portal.campus import operations
from portal.campus.models import ContactBlock, ContentImage, ContentItem, Lesson
from portal.database import utcnow
from portal.extensions import db
from tests import factories
from tests.campus import helpers
from tests.matrix import ANONYMOUS, OWNER, SIGN_IN, Case

OWN_PRISON = "BXI"


def _learner():
    staff = helpers.prison_staff(OWN_PRISON)
    return {"public_id": helpers.learner(staff).public_id}, staff


def _blocked():
    staff = helpers.prison_staff(OWN_PRISON)
    learner = helpers.learner(staff)
    org = helpers.organisation()
    db.session.add(ContactBlock(learner_id=learner.id, organisation=org, blocked_at=utcnow(), blocked_by_id=staff.id,
                                reason="Test"))
    db.session.commit()
    return {"public_id": learner.public_id, "organisation_id": org.public_id}, staff


def _kiosk_session():
    staff = helpers.prison_staff(OWN_PRISON)
    kiosk, _ = helpers.open_session(helpers.learner(staff), staff=staff)
    return {"public_id": kiosk.public_id}, staff


def _waiting_message():
    staff = helpers.prison_staff(OWN_PRISON)
    return {"public_id": helpers.message(helpers.learner(staff)).public_id}, staff


def _delivered_message(with_cv: bool = False):
    def build():
        staff = helpers.prison_staff(OWN_PRISON)
        learner = helpers.learner(staff)
        org = helpers.organisation(OrgKind.EMPLOYER)
        owner = helpers.org_user(org)
        if with_cv:
            operations.update_cv(learner.user, "Hard-working cook.", "Cooking", "", "")
            db.session.commit()
        sent = operations.send_message(learner.user, org, "Kitchen jobs", "I would like to apply.", include_cv=with_cv)
        db.session.commit()
        operations.decide_message(staff, sent, True)
        db.session.commit()
        return {"public_id": sent.public_id}, owner
    return build


def _shared_cv():
    staff = helpers.prison_staff(OWN_PRISON)
    manager = factories.user(role=Role.OFFENDER_MANAGER, probation_region="wales")
    learner = helpers.learner(staff)
    learner.offender_manager_id = manager.id
    db.session.commit()
    operations.update_cv(learner.user, "Hard-working cook.", "Cooking", "", "")
    operations.share_cv_with_offender_manager(learner.user)
    db.session.commit()
    return {"public_id": learner.public_id}, manager


def _draft_content(lesson: bool = False):
    def build():
        owner = factories.user(role=Role.PROVIDER)
        item = ContentItem(topic="money", title="Budgeting", created_by_id=owner.id,
                           organisation_id=owner.organisation.id)
        item.lessons = [Lesson(position=1, title="Your weekly budget", body="Write down what comes in.")]
        db.session.add(item)
        db.session.commit()
        return {"public_id": item.lessons[0].public_id if lesson else item.public_id}, owner
    return build


def _published_content(lesson: bool = False):
    def build():
        item = helpers.content()
        return {"public_id": item.lessons[0].public_id if lesson else item.public_id}, None
    return build


def _image():
    from portal.campus import rendering
    from portal.storage import storage

    owner = factories.user(role=Role.ADMIN)
    image = ContentImage(uploaded_by_id=owner.id, media_type="image/png", size=4, alt_text="A kitchen")
    db.session.add(image)
    db.session.commit()
    storage().put(rendering.image_key(image.public_id), b"\x89PNG")
    return {"public_id": image.public_id}, None


def _listed_service():
    return {"service_uuid": factories.published_service(index=False).uuid}, None


def _organisation():
    return {"organisation_id": helpers.organisation().public_id}, None


def _opportunity():
    from tests.employers import factories as employers

    return {"public_id": employers.opportunity().public_id}, None


def _interest():
    """A learner at the owner's prison said "I am interested" in an employer's opportunity."""
    from portal.campus.models import Interest
    from tests.employers import factories as employers

    staff = helpers.prison_staff(OWN_PRISON)
    interest = Interest(learner=helpers.learner(staff), opportunity_id=employers.opportunity().id)
    db.session.add(interest)
    db.session.commit()
    return {"public_id": interest.public_id}, staff


def _cv_entry():
    return {"public_id": "not-an-entry"}, None


LEARNER_PAGE = {ANONYMOUS: SIGN_IN, "*": 403}
STAFF_OWN = {OWNER: 200, ANONYMOUS: SIGN_IN, "*": 404}
STAFF_OWN_POST = {OWNER: 302, ANONYMOUS: SIGN_IN, "*": 404}

CASES: dict[str, Case] = {
    # Learner pages: only a learner in a live kiosk session.
    "campus.content": Case("GET", _published_content(), LEARNER_PAGE, owned=False),
    "campus.lesson": Case("GET", _published_content(lesson=True), LEARNER_PAGE, owned=False),
    "campus.cv_entry_remove": Case("POST", _cv_entry, LEARNER_PAGE, owned=False),
    "campus.market_service": Case("GET", _listed_service, LEARNER_PAGE, owned=False),
    "campus.conversation": Case("GET", _organisation, LEARNER_PAGE, owned=False),
    "campus.write": Case("GET", _organisation, LEARNER_PAGE, owned=False),
    # Pictures in lessons: anyone signed in to the portal (learners, and authors previewing).
    "campus.image": Case("GET", _image, {ANONYMOUS: 403, "*": 200}, owned=False),
    # Prison staff: learners at their own prison only.
    "campus.learner": Case("GET", _learner, STAFF_OWN),
    "campus.edit_learner": Case("GET", _learner, STAFF_OWN),
    "campus.transfer_learner": Case("GET", _learner, STAFF_OWN),
    "campus.release_learner": Case("GET", _learner, STAFF_OWN),
    "campus.messaging": Case("GET", _learner, STAFF_OWN),
    "campus.block_contact": Case("GET", _learner, STAFF_OWN),
    "campus.set_offender_manager": Case("POST", _learner, STAFF_OWN_POST),
    "campus.open_session": Case("POST", _learner, STAFF_OWN, data={"minutes": "30"}),
    "campus.lift_block": Case("POST", _blocked, STAFF_OWN_POST),
    "campus.end_session": Case("POST", _kiosk_session, STAFF_OWN_POST),
    "campus.reissue_code": Case("POST", _kiosk_session, STAFF_OWN),
    "campus.check_message": Case("GET", _waiting_message, STAFF_OWN),
    "campus.interest": Case("GET", _interest, STAFF_OWN),
    "campus.interest_not_taken": Case("POST", _interest, STAFF_OWN_POST, data={"not-reason": "Changed their mind"}),
    # Employers' opportunities checked for the campus: administrators and prison staff (open to any prison).
    "campus.check_opportunity": Case("GET", _opportunity, {Role.ADMIN: 200, Role.PRISON_STAFF: 200,
                                                           ANONYMOUS: SIGN_IN, "*": 404}, owned=False),
    # Organisations: only messages delivered to them.
    "campus.inbox_message": Case("GET", _delivered_message(), STAFF_OWN),
    "campus.inbox_cv": Case("GET", _delivered_message(with_cv=True), STAFF_OWN),
    # Offender managers: CVs shared with them.
    "campus.shared_cv_pdf": Case("GET", _shared_cv, STAFF_OWN),
    # Content: the authoring organisation and administrators.
    "campus.manage_item": Case("GET", _draft_content(), {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.edit_content": Case("GET", _draft_content(), {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.new_lesson": Case("GET", _draft_content(), {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.publish_content": Case("POST", _draft_content(),
                                   {OWNER: 302, Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.submit_content": Case("POST", _draft_content(),
                                  {OWNER: 302, Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    # Reviewing: administrators only (the authors see their item, so they get 403).
    "campus.approve_content": Case("POST", _draft_content(),
                                   {OWNER: 403, Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.send_back_content": Case("POST", _draft_content(),
                                     {OWNER: 403, Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.withdraw_content": Case("POST", _draft_content(),
                                    {OWNER: 302, Role.ADMIN: 302, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.edit_lesson": Case("GET", _draft_content(lesson=True),
                               {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
    "campus.new_question": Case("GET", _draft_content(lesson=True),
                                {OWNER: 200, Role.ADMIN: 200, ANONYMOUS: SIGN_IN, "*": 404}),
}
