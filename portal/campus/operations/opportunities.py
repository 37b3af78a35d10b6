"""Employers' opportunities checked for the campus: an administrator, or staff at a prison the opportunity is open
to, reads what a learner would see and approves it (or refuses it, with a reason). The contact filter runs first
and an opportunity with contact details cannot be approved. Learners see an opportunity only while its words are
the ones approved: an employer's later change waits for a new check.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, policy
from portal.accounts.models import User
from portal.campus import contact_filter
from portal.campus.models import OpportunityReview
from portal.database import utcnow
from portal.employers import operations as employers
from portal.employers.models import Opportunity
from portal.employers.queries import is_findable
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized

# What a learner may read of an opportunity, with the words used to say where a problem is.
LEARNER_TEXT = (("title", "the title"), ("description", "the description"),
                ("minimum_requirements", "the minimum requirements"), ("training_course", "the training course"),
                ("training_provider", "the training provider"), ("conviction_position", "the position on convictions"))


def fingerprint(opportunity: Opportunity) -> str:
    words = {field: getattr(opportunity, field) or "" for field, _ in LEARNER_TEXT}
    words["organisation"] = opportunity.organisation.name
    return hashlib.sha256(json.dumps(words, sort_keys=True).encode()).hexdigest()


def text_problems(opportunity: Opportunity) -> list[str]:
    """Contact details in anything a learner would read of the opportunity, each with its place."""
    problems: list[str] = []
    for field, where in LEARNER_TEXT:
        problem = contact_filter.refusal(getattr(opportunity, field) or "", where, show_place=True)
        if problem is not None:
            problems.append(problem)
    return problems


def review_of(opportunity: Opportunity) -> OpportunityReview | None:
    return db.session.scalar(select(OpportunityReview).where(OpportunityReview.opportunity_id == opportunity.id))


@dataclass
class CampusStatus:
    state: str  # "waiting", "approved", "refused"
    review: OpportunityReview | None

    LABELS = {"waiting": "Waiting for a check", "approved": "Shown to learners", "refused": "Not shown to learners"}

    @property
    def label(self) -> str:
        return self.LABELS[self.state]


def campus_status(opportunity: Opportunity) -> CampusStatus:
    review = review_of(opportunity)
    if review is None or review.fingerprint != fingerprint(opportunity):
        return CampusStatus("waiting", review)
    return CampusStatus("approved" if review.approved else "refused", review)


def approved_for_learners(opportunities: list[Opportunity]) -> list[Opportunity]:
    """The opportunities whose current words were approved for the campus."""
    if not opportunities:
        return []
    reviews = {r.opportunity_id: r for r in db.session.scalars(select(OpportunityReview).where(
        OpportunityReview.opportunity_id.in_([o.id for o in opportunities]), OpportunityReview.approved.is_(True)))}
    return [o for o in opportunities if o.id in reviews and reviews[o.id].fingerprint == fingerprint(o)]


def opportunities_to_check(reviewer: User) -> list[Opportunity]:
    """Open opportunities the reviewer may check whose current words have not been decided on."""
    policy.authorize(reviewer, "campus.opportunity.review")
    candidates = db.session.scalars(select(Opportunity).where(Opportunity.status == "open")
                                    .options(selectinload(Opportunity.organisation), selectinload(Opportunity.prisons))
                                    .order_by(Opportunity.created_at))
    return [o for o in candidates if is_findable(o)
            and policy.can(reviewer, "campus.opportunity.review", o) and campus_status(o).state == "waiting"]


def opportunity_for_review(reviewer: User, public_id: str) -> Opportunity:
    return authorized(reviewer, "campus.opportunity.review", Opportunity, public_id,
                      options=employers.OPPORTUNITY_LOADING)


def review_opportunity(reviewer: User, opportunity: Opportunity, approve: bool, reason: str = "") -> OpportunityReview:
    """Approve the opportunity's words for learners, or refuse them with a reason the employer is shown."""
    policy.authorize(reviewer, "campus.opportunity.review", opportunity, secret=True)
    reason = (reason or "").strip()
    if approve and (problems := text_problems(opportunity)):
        raise DomainError(f"{problems[0]}. Refuse it and tell the employer what to change")
    if not approve and not reason:
        raise DomainError("Enter the reason for not showing this opportunity to learners", "reason")
    if len(reason) > 500:
        raise DomainError("Reason must be 500 characters or fewer", "reason")
    decision = {"approved": approve, "fingerprint": fingerprint(opportunity), "reason": reason,
                "decided_at": utcnow(), "decided_by_id": reviewer.id}
    review = review_of(opportunity)
    if review is None:
        review = OpportunityReview(opportunity_id=opportunity.id, **decision)
        db.session.add(review)
    for name, value in decision.items():
        setattr(review, name, value)
    audit.record("campus.opportunity_approved" if approve else "campus.opportunity_refused", "opportunity",
                 opportunity.public_id, actor=reviewer, reason=reason)
    return review
