"""A learner's "I am interested" in an employer's opportunity: recorded when their message about it is sent, seen by
staff at their prison, who turn it into a nomination to the employer with the learner's consent, in one step (or
record why not). The learner follows it in campus words; anything shown to them passes the contact filter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import audit, policy
from portal.accounts.models import Organisation, User
from portal.campus import contact_filter
from portal.campus.models import Interest, InterestState, Learner, Message
from portal.campus.operations.common import subject_ref
from portal.campus.operations.opportunities import approved_for_learners
from portal.database import utcnow
from portal.employers import operations as employers
from portal.employers.models import Nomination, Opportunity
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import load_or_404

REASON_MAX = 500

# What the learner reads about where their interest has got to, in campus words
LEARNER_WORDS = {
    "waiting": "Staff at your prison have seen you are interested. They will talk to you about it",
    "nominated": "Staff have put you forward to the employer",
    "interview-offered": "The employer has offered you an interview",
    "interview-held": "You have had your interview",
    "job-offered": "The employer has offered you a job",
    "started": "You have started work",
    "retained": "You are still in work after six months",
    "closed": "This has ended",
    "not-taken": "Staff did not put you forward",
}


def send_message_about(learner_user: User, organisation: Organisation, subject: str, body: str, include_cv: bool,
                       opportunity_public_id: str = "") -> Message:
    """A learner's message, and when it is about one of the organisation's opportunities shown to them (they
    pressed "I am interested"), their interest in it for staff to act on."""
    from portal.campus.operations.messages import send_message

    message = send_message(learner_user, organisation, subject, body, include_cv)
    opportunity = employers.opportunity_by_public_id(opportunity_public_id) if opportunity_public_id else None
    if opportunity is not None and opportunity.organisation_id == organisation.id:
        record_interest(learner_user, opportunity, message)
    return message


def record_interest(learner_user: User, opportunity: Opportunity, message: Message) -> Interest | None:
    """The learner's message about an opportunity shown to them is also their interest in it (once: a second
    message about the same opportunity while staff have not acted adds nothing)."""
    learner = db.session.scalar(select(Learner).where(Learner.user_id == learner_user.id))
    if learner is None or not approved_for_learners([opportunity]):
        return None
    waiting = db.session.scalar(select(Interest).where(Interest.learner_id == learner.id,
                                                       Interest.opportunity_id == opportunity.id,
                                                       Interest.state == InterestState.WAITING))
    if waiting is not None:
        return waiting
    interest = Interest(learner=learner, opportunity_id=opportunity.id, message_id=message.id)
    db.session.add(interest)
    db.session.flush()
    audit.record("campus.interest_recorded", "campus_interest", interest.public_id, actor=learner_user,
                 subject_ref=subject_ref(learner), details={"opportunity": opportunity.public_id})
    return interest


def interests_to_handle(staff: User) -> list[Interest]:
    """Learners at the staff member's prison waiting for staff to act on their interest, oldest first."""
    policy.authorize(staff, "campus.manage_learners")
    return list(db.session.scalars(
        select(Interest).join(Learner, Interest.learner_id == Learner.id)
        .where(Learner.prison_id == staff.prison_id, Interest.state == InterestState.WAITING)
        .order_by(Interest.created_at, Interest.id).options(selectinload(Interest.learner))))


def interest_for_staff(staff: User, public_id: str) -> Interest:
    """An interest of a learner at the staff member's prison; 404 for anyone else."""
    interest = load_or_404(Interest, public_id)
    policy.authorize(staff, "campus.learner.manage", interest.learner, secret=True)
    return interest


def opportunity_of(interest: Interest) -> Opportunity | None:
    return db.session.get(Opportunity, interest.opportunity_id)


def nominate_from_interest(staff: User, interest: Interest, data: employers.NominationInput) -> Nomination:
    """One step: the learner's consent recorded, the nomination made (the employer sees it and is emailed a
    link), the interest marked, everything audited. The person is known to the employer by nothing but what they
    agreed to share; the prison number stays with the practitioners."""
    policy.authorize(staff, "campus.learner.manage", interest.learner, secret=True)
    if interest.state != InterestState.WAITING:
        raise DomainError("Staff have already dealt with this interest")
    if not interest.learner.in_prison:
        raise DomainError("This learner has left the Virtual Campus")
    opportunity = opportunity_of(interest)
    if opportunity is None:  # deleting an opportunity deletes the interests in it, so not in practice
        raise NotFound()
    nomination = employers.nominate(staff, opportunity,
                                    employers.NominationInput(**{**data.__dict__,
                                                                 "person_reference": interest.learner.prison_number}))
    interest.state, interest.nomination_id = InterestState.NOMINATED, nomination.id
    interest.decided_at, interest.decided_by_id = utcnow(), staff.id
    audit.record("campus.interest_nominated", "campus_interest", interest.public_id, actor=staff,
                 subject_ref=subject_ref(interest.learner), details={"nomination": nomination.public_id,
                                                                     "consent_method": data.consent_method})
    return nomination


def not_taken_forward(staff: User, interest: Interest, reason: str) -> None:
    """Staff record why the learner was not put forward; the learner sees the reason."""
    policy.authorize(staff, "campus.learner.manage", interest.learner, secret=True)
    if interest.state != InterestState.WAITING:
        raise DomainError("Staff have already dealt with this interest")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Enter why the learner is not being put forward (they will see this)", "reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    if problem := contact_filter.refusal(reason, "the reason"):
        raise DomainError(problem, "reason")
    interest.state, interest.reason = InterestState.NOT_TAKEN, reason
    interest.decided_at, interest.decided_by_id = utcnow(), staff.id
    audit.record("campus.interest_not_taken", "campus_interest", interest.public_id, actor=staff,
                 subject_ref=subject_ref(interest.learner))


@dataclass(frozen=True)
class LearnerInterest:
    title: str
    employer: str
    status: str
    detail: str
    since: datetime


def learner_interests(learner: Learner) -> list[LearnerInterest]:
    """The learner's interests, newest first, in campus words. Everything passes the contact filter."""
    interests = list(db.session.scalars(select(Interest).where(Interest.learner_id == learner.id)
                                        .order_by(Interest.created_at.desc(), Interest.id.desc())))
    out = []
    for interest in interests:
        opportunity = opportunity_of(interest)
        key, detail, since = interest.state, "", interest.decided_at or interest.created_at
        if interest.state == InterestState.NOMINATED and interest.nomination_id and (
                nomination := db.session.get(Nomination, interest.nomination_id)) is not None:
            key, since = nomination.state, nomination.steps[-1].recorded_at if nomination.steps else since
        elif interest.state == InterestState.NOMINATED:
            key = "closed"
        elif interest.state == InterestState.NOT_TAKEN:
            detail = contact_filter.redacted(interest.reason)
        out.append(LearnerInterest(contact_filter.redacted(opportunity.title) if opportunity else "An opportunity",
                                   contact_filter.redacted(opportunity.organisation.name) if opportunity else "",
                                   LEARNER_WORDS.get(key, LEARNER_WORDS["closed"]), detail, since))
    return out
