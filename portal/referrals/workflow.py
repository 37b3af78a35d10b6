"""The referral's life as data: its states, the steps between them, and who may take each step.

`TRANSITIONS` is the one table of what is allowed. `operations.apply` is the one function that takes a step:
it looks the step up here, checks the state and the actor, stamps who and when, and logs the event.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ASSIGNED = "assigned"
    BOOKED = "booked"  # first appointment booked
    IN_PROGRESS = "in_progress"  # sessions under way
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"  # ended early by the provider

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.DRAFT: "Draft", State.SENT: "Awaiting response", State.ACCEPTED: "Accepted",
    State.DECLINED: "Declined", State.ASSIGNED: "Assigned to a caseworker", State.BOOKED: "First appointment booked",
    State.IN_PROGRESS: "In progress", State.COMPLETED: "Completed", State.WITHDRAWN: "Withdrawn",
    State.ENDED: "Ended early",
}
# GOV.UK tag colours for each state
STATE_COLOURS = {
    State.DRAFT: "grey", State.SENT: "blue", State.ACCEPTED: "turquoise", State.DECLINED: "red",
    State.ASSIGNED: "turquoise", State.BOOKED: "turquoise", State.IN_PROGRESS: "green", State.COMPLETED: "green",
    State.WITHDRAWN: "orange", State.ENDED: "orange",
}

OPEN = frozenset({State.ACCEPTED, State.ASSIGNED, State.BOOKED, State.IN_PROGRESS})
CANCELLED = frozenset({State.DECLINED, State.WITHDRAWN, State.ENDED})
CLOSED = CANCELLED | {State.COMPLETED}
# States in which the provider has accepted, and so may see the risk details
ACCEPTED_OR_LATER = OPEN | {State.COMPLETED, State.ENDED}
# The referring side may change the details while the referral is live
AMENDABLE = frozenset({State.SENT}) | OPEN


class Actor(StrEnum):
    """Who may take a step, relative to the referral (the policy module decides who is who)."""

    REFERRER = "referrer"  # the offender manager who made it, or one in their team
    PROVIDER = "provider"  # any staff member of the provider organisation who may see it
    PROVIDER_MANAGER = "provider_manager"  # the provider organisation's owners and managers
    DELIVERER = "deliverer"  # the assigned caseworker, or a provider manager


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # what the button says
    to: dict[State, State]  # from-state -> to-state
    actors: frozenset[Actor]
    reasons: dict[str, str] | None = None  # reason codes, when a reason is required


DECLINE_REASONS = {
    "full": "The service is full",
    "not-eligible": "The person is not eligible for the service",
    "risk": "The service cannot manage the risk",
    "out-of-area": "The person lives outside the area the service covers",
    "already-supported": "The service already works with the person",
    "other": "Another reason (explain in the comment)",
}
WITHDRAWAL_REASONS = {
    "needs-met": "The person's needs are being met elsewhere",
    "person-declined": "The person no longer wants the service",
    "recalled": "The person has been recalled to prison",
    "moved": "The person has moved out of the area",
    "sentence-ended": "The sentence or licence has ended",
    "made-in-error": "The referral was made in error",
    "risk-escalated": "The person's risk has risen: they are moving to a public-sector service",
    "other": "Another reason (explain in the comment)",
}
EARLY_END_REASONS = {
    "disengaged": "The person stopped taking part",
    "recalled": "The person is back in custody",
    "moved": "The person has moved away",
    "risk": "The risk can no longer be managed safely",
    "service-closed": "The service has closed",
    "other": "Another reason (explain in the comment)",
}

_LIVE_AFTER_SENDING = {State.SENT, *OPEN}

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("send", "Send referral", {State.DRAFT: State.SENT}, frozenset({Actor.REFERRER})),
    Transition("accept", "Accept referral", {State.SENT: State.ACCEPTED}, frozenset({Actor.PROVIDER})),
    Transition("decline", "Decline referral", {State.SENT: State.DECLINED}, frozenset({Actor.PROVIDER}),
               DECLINE_REASONS),
    # Assigning (or reassigning) keeps a referral's later state; caseworkers may only pick up a case themselves
    Transition("assign", "Assign caseworker", {State.ACCEPTED: State.ASSIGNED, State.ASSIGNED: State.ASSIGNED,
                                               State.BOOKED: State.BOOKED, State.IN_PROGRESS: State.IN_PROGRESS},
               frozenset({Actor.PROVIDER})),
    Transition("book", "Book first appointment", {State.ASSIGNED: State.BOOKED, State.BOOKED: State.BOOKED},
               frozenset({Actor.DELIVERER})),
    Transition("record_session", "Record a session", {State.BOOKED: State.IN_PROGRESS,
                                                      State.IN_PROGRESS: State.IN_PROGRESS},
               frozenset({Actor.DELIVERER})),
    Transition("complete", "Complete with end-of-service report", {State.IN_PROGRESS: State.COMPLETED},
               frozenset({Actor.DELIVERER})),
    Transition("withdraw", "Withdraw referral", {s: State.WITHDRAWN for s in _LIVE_AFTER_SENDING},
               frozenset({Actor.REFERRER}), WITHDRAWAL_REASONS),
    Transition("end_early", "End the service early", {s: State.ENDED for s in OPEN},
               frozenset({Actor.DELIVERER}), EARLY_END_REASONS),
)}


ATTENDANCE = {"attended": "Attended", "late": "Attended late", "did-not-attend": "Did not attend"}
ACHIEVEMENT = {"achieved": "Achieved", "partly": "Partly achieved", "not-achieved": "Not achieved"}
RISK_LEVELS = {"low": "Low", "medium": "Medium", "high": "High", "very-high": "Very high"}
HIGH_RISK = frozenset({"high", "very-high"})
# What the offender manager decides when a referral's risk has been escalated
ESCALATION_DECISIONS = {
    "refer-on": "Withdraw the referral and refer the person on to a public-sector service",
    "continue": "The provider continues under a risk management plan, paid as fee for service",
}
PAYMENT_BASES = {"fee-for-service": "Fee for service"}
RAG = {"red": "Red", "amber": "Amber", "green": "Green"}
GENDERS = {"female": "Female", "male": "Male", "non-binary": "Non-binary", "not-stated": "Prefer not to say"}
CONSENT_METHODS = {"in-person": "In person", "phone": "By phone", "video": "By video call", "letter": "In writing"}


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if State(state) in t.to]
