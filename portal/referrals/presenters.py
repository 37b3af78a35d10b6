"""View models for the referral pages: the draft's task list, the answers as summary lists, the change log, the
buttons a user may press, and dashboard rows.

Templates get plain values in the order they are shown; every decision about wording, labels, links and what
to leave out (risk details for people who may not see them) is made here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import select

from portal import policy
from portal.accounts.models import User
from portal.extensions import db
from portal.reference.models import Pathway, Prison
from portal.referrals import operations
from portal.referrals.models import Referral, ReferralEvent
from portal.referrals.operations import FIELD_LABELS, RISK_NARRATIVE_FIELDS
from portal.referrals.workflow import (
    ACHIEVEMENT,
    AMENDABLE,
    ATTENDANCE,
    CONSENT_METHODS,
    DECLINE_REASONS,
    EARLY_END_REASONS,
    ESCALATION_DECISIONS,
    GENDERS,
    PAYMENT_BASES,
    RAG,
    RISK_LEVELS,
    STATE_COLOURS,
    TRANSITIONS,
    WITHDRAWAL_REASONS,
    State,
    transitions_from,
)
from portal.templating import govuk_date

# --- The draft's sections: one page each, in task-list order ---

@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    fields: tuple[str, ...]  # the answers the page holds (operations' names)
    optional: bool = False


SECTIONS: dict[str, Section] = {s.slug: s for s in (
    Section("person", "Personal details", ("first_name", "last_name", "date_of_birth", "crn", "gender")),
    Section("location", "Where they are", ("in_custody", "prison", "expected_release_date", "postcode")),
    Section("contact", "Contact and access needs", ("phone", "interpreter_language", "disability_needs",
                                                    "caring_responsibilities", "availability"), optional=True),
    Section("needs", "Needs and desired outcomes", ("needs", "desired_outcomes")),
    Section("risk", "Risk", ("risk_level", "mappa", "risk_summary", "arson_conviction",
                             "sexual_offence_conviction")),
    Section("consent", "Consent", ("consent_given", "consent_date", "consent_method")),
    Section("additional", "Additional information", ("additional_information",), optional=True),
    Section("referrer", "Your contact details", ("referrer_phone",)),
)}
FIELD_SECTION = {name: section.slug for section in SECTIONS.values() for name in section.fields}


def tag(state: str) -> dict:
    """A state as a GOV.UK tag: {'text', 'classes'}."""
    return {"text": State(state).label, "classes": f"govuk-tag--{STATE_COLOURS[State(state)]}"}


# --- Values as people read them ---

def _yes_no(value) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not answered")


def display(name: str, value) -> str | list[str]:
    """An answer (as `operations.answers_of` gives it) in words; lists come back as lines."""
    if value in (None, "", []):
        return "Not answered" if name not in ("interpreter_language",) else "Not needed"
    if name in ("date_of_birth", "expected_release_date", "consent_date"):
        return govuk_date(date.fromisoformat(value) if isinstance(value, str) else value)
    if name == "gender":
        return GENDERS.get(value, value)
    if name == "in_custody":
        return "In custody" if value else "In the community"
    if name == "prison":
        prison = db.session.scalar(select(Prison).where(Prison.code == value))
        return prison.name if prison else value
    if name == "risk_level":
        return RISK_LEVELS.get(value, value)
    if name == "consent_method":
        return CONSENT_METHODS.get(value, value)
    if name == "consent_given":
        return "Yes, the person agreed to be referred" if value else "No"
    if name in ("mappa", "arson_conviction", "sexual_offence_conviction"):
        return _yes_no(value)
    if name == "needs":
        names = {p.slug: p.name for p in db.session.scalars(select(Pathway))}
        return [f"{names.get(n['pathway'], n['pathway'])}: {RAG.get(n['rating'], n['rating'])}" for n in value]
    if name == "desired_outcomes":
        return list(value)
    return str(value)


@dataclass
class Row:
    key: str
    value: str | list[str]
    href: str | None = None  # "Change" link
    field_name: str = ""


@dataclass
class SummarySection:
    slug: str
    title: str
    rows: list[Row]
    href: str | None = None  # change the whole section
    hidden_note: str | None = None  # said instead of rows the user may not see


def _risk_visible_note(referral: Referral, user: User) -> str:
    return ("The risk summary and convictions show once you accept the referral." if referral.state == State.SENT
            else "You cannot see the risk summary or convictions of this referral.")


def answer_sections(referral: Referral, user: User, change: str | None = None) -> list[SummarySection]:
    """The referral's answers as summary lists, section by section. `change` is "draft" (links to the draft's
    pages) or "amend" (links to change the details after sending), or None."""
    values = operations.answers_of(referral)
    sees_risk = policy.can(user, "referral.view_risk", referral)
    out = []
    for section in SECTIONS.values():
        href = None
        if change == "draft":
            href = url_for("referrals.section", public_id=referral.public_id, section=section.slug)
        elif change == "amend":
            href = url_for("referrals.amend", public_id=referral.public_id, section=section.slug)
        rows = []
        for name in section.fields:
            if name in RISK_NARRATIVE_FIELDS and not sees_risk:
                continue
            if name in ("prison", "expected_release_date") and not values.get("in_custody"):
                continue
            if name in ("consent_date", "consent_method") and not values.get("consent_given") and change != "draft":
                continue
            rows.append(Row(FIELD_LABELS[name], display(name, values[name]), href, name))
        note = None
        if section.slug == "risk" and not sees_risk:
            note = _risk_visible_note(referral, user)
        out.append(SummarySection(section.slug, section.title, rows, None if note else href, note))
    return out


def task_list(referral: Referral) -> list[dict]:
    """The draft's sections for the GOV.UK task list component, each with its status."""
    missing = {name for name, _ in operations.missing_answers(referral)}
    values = operations.answers_of(referral)
    items = []
    for section in SECTIONS.values():
        started = any(values[name] not in (None, "", [], False) for name in section.fields)
        if section.optional:
            status = {"text": "Completed"} if started else {
                "text": "Optional", "classes": "govuk-task-list__status--cannot-start-yet"}
        elif not started:
            status = {"tag": {"text": "Not yet started", "classes": "govuk-tag--blue"}}
        elif missing & set(section.fields):
            status = {"tag": {"text": "Incomplete", "classes": "govuk-tag--light-blue"}}
        else:
            status = {"text": "Completed"}
        items.append({"title": {"text": section.title}, "status": status,
                      "href": url_for("referrals.section", public_id=referral.public_id, section=section.slug)})
    return items


def missing_links(referral: Referral) -> list[dict]:
    """What is still missing, each linked to the page that asks it (for the error summary on Check answers)."""
    return [{"text": message, "href": url_for("referrals.section", public_id=referral.public_id,
                                              section=FIELD_SECTION.get(name, "person")) + f"#{name}"}
            for name, message in operations.missing_answers(referral)]


# --- The referral page ---

@dataclass
class Action:
    step: str
    label: str
    href: str
    secondary: bool = False
    warning: bool = False


STEP_LABELS = {  # what the button says, for this user
    "assign": "Assign a caseworker", "book": "Book the first appointment", "record_session": "Record a session",
    "complete": "Complete and write the end-of-service report", "end_early": "End the service early",
}


def actions(referral: Referral, user: User) -> list[Action]:
    """The steps this user may take from here: the transition table, filtered by the policy."""
    out = []
    for transition in transitions_from(referral.state):
        step = transition.name
        if step == "send" or not policy.can(user, f"referral.{step}", referral):
            continue
        label = STEP_LABELS.get(step, transition.label)
        if step == "assign":
            if is_caseworker(user):
                if referral.assigned_to_id == user.id:
                    continue  # already theirs: nothing to pick up
                label = "Pick up this referral"
            elif referral.assigned_to_id:
                label = "Reassign to another caseworker"
        if step == "book" and referral.state == State.BOOKED:
            label = "Change the first appointment"
        out.append(Action(step, label, url_for(f"referrals.{step}", public_id=referral.public_id),
                          secondary=step in ("withdraw", "end_early", "decline"),
                          warning=step in ("withdraw", "end_early", "decline")))
    return out


def is_caseworker(user: User) -> bool:
    from portal.accounts.roles import OrgRole

    return bool(user.membership and user.membership.org_role == OrgRole.CASEWORKER)


REASONS = {"decline": DECLINE_REASONS, "withdraw": WITHDRAWAL_REASONS, "end_early": EARLY_END_REASONS}


def _reason_text(event: ReferralEvent) -> str | None:
    if not event.reason_code:
        return None
    return REASONS.get(event.action, {}).get(event.reason_code, event.reason_code)


@dataclass
class Change:
    label: str
    before: str | list[str]
    after: str | list[str]
    hidden: bool = False


@dataclass
class LogEntry:
    at: str
    who: str
    what: str
    reason: str | None = None
    comment: str = ""
    changes: list[Change] = field(default_factory=list)


EVENT_WORDS = {
    "risk_escalated": "Risk escalated: the person is now beyond the risk this service is approved for",
    "escalation_lifted": "Risk escalation lifted: the risk is back within what this service takes",
    "escalation_refer-on": "Decided to withdraw the referral and refer the person on to a public-sector service",
    "escalation_continue": "Decided the provider continues under a risk management plan, paid as fee for service",
}


def _who(event: ReferralEvent) -> str:
    if event.actor is None:
        return "The portal"
    organisation = event.actor.organisation
    return f"{event.actor.name} ({organisation.name})" if organisation else event.actor.name


def change_log(referral: Referral, user: User) -> list[LogEntry]:
    """Every step and amendment, newest first. Risk fields' values are hidden from those who may not see risk."""
    sees_risk = policy.can(user, "referral.view_risk", referral)
    entries = []
    for event in sorted(referral.events, key=lambda e: e.id, reverse=True):
        if event.action == "amend":
            what = "Changed the referral's details"
        elif event.action in EVENT_WORDS:
            what = EVENT_WORDS[event.action]
        elif event.action in TRANSITIONS:
            what = f"{TRANSITIONS[event.action].label} ({State(event.to_state).label.lower()})"
            if event.action == "assign":
                what = "Assigned a caseworker"
        else:
            what = event.action
        changes = []
        for name, (before, after) in (event.changes or {}).items():
            label = FIELD_LABELS.get(name, name)
            if name in RISK_NARRATIVE_FIELDS and not sees_risk:
                changes.append(Change(label, "", "", hidden=True))
            else:
                changes.append(Change(label, display(name, before), display(name, after)))
        entries.append(LogEntry(govuk_date(event.at), _who(event), what, _reason_text(event), event.comment, changes))
    return entries


@dataclass
class SessionRow:
    number: int
    at: str
    attendance: str
    notes: str
    recorded_by: str


def sessions(referral: Referral) -> list[SessionRow]:
    return [SessionRow(s.number, govuk_date(s.happened_at), ATTENDANCE.get(s.attendance, s.attendance), s.notes,
                       s.recorded_by.name) for s in referral.sessions]


def outcomes(referral: Referral) -> list[dict]:
    return [{"text": o["text"], "achievement": ACHIEVEMENT.get(o.get("achievement") or "", None)}
            for o in referral.desired_outcomes or []]


@dataclass
class ReferralPage:
    referral: Referral
    tag: dict
    sections: list[SummarySection]
    actions: list[Action]
    log: list[LogEntry]
    sessions: list[SessionRow]
    outcomes: list[dict]
    facts: list[Row]
    can_amend: bool
    overdue: bool
    escalation: str | None = None  # what the risk escalation means, while it waits for a decision
    decide_href: str | None = None  # the referring side's link to record the decision


def referrer_rows(referral: Referral) -> list[Row]:
    """Who referred and how to reach them: what a provider needs before deciding (and after)."""
    referrer = referral.sent_by if referral.sent_by_id else referral.created_by
    unit, region = referral.probation_delivery_unit, referral.probation_region
    team = (f"{unit.name} probation delivery unit, {region.name}" if unit and region
            else region.name if region else "Not recorded")
    rows = [Row("Referred by", referrer.name), Row("Probation team", team), Row("Email", referrer.email)]
    if referral.referrer_phone:
        rows.append(Row("Phone", referral.referrer_phone))
    return rows


def escalation_rows(referral: Referral) -> list[Row]:
    if referral.risk_escalated_at is None:
        return []
    rows = [Row("Risk escalated", govuk_date(referral.risk_escalated_at))]
    if referral.escalation_decided_at:
        rows.append(Row("Decision on the escalation", ESCALATION_DECISIONS[referral.escalation_decision]))
    if referral.escalation_decision == "continue":
        rows += [Row("Risk management plan", referral.risk_plan_document),
                 Row("Plan review date", govuk_date(referral.risk_plan_review_date)),
                 Row("Paid as", PAYMENT_BASES.get(referral.payment_basis or "", "Not recorded"))]
    return rows


ESCALATED_TAG = {"text": "Risk escalated", "classes": "govuk-tag--red"}


def escalation_notice(referral: Referral, user: User) -> str | None:
    if not referral.escalation_pending:
        return None
    if policy.can(user, "referral.decide_escalation", referral):
        return ("The person is now at high or very high risk of serious harm, or managed under MAPPA, and this "
                "service is not approved for high-risk cases. The case is the public sector's responsibility: "
                "decide whether to withdraw the referral and refer the person on to a public-sector service, or "
                "let the provider continue under a risk management plan, paid as fee for service.")
    return ("The probation practitioner has recorded that the person is now at high or very high risk of serious "
            "harm, or managed under MAPPA. The case is the public sector's responsibility until they decide whether "
            "it moves to a public-sector service or continues here under a risk management plan, paid as fee for "
            "service.")


def referral_page(referral: Referral, user: User) -> ReferralPage:
    can_amend = referral.state in AMENDABLE and policy.can(user, "referral.amend", referral)
    facts = [Row("Reference", referral.reference), Row("Service", referral.service.name),
             Row("Provider", referral.organisation.name), *referrer_rows(referral)]
    if referral.sent_at:
        facts.append(Row("Sent", govuk_date(referral.sent_at)))
    if referral.state == State.SENT:
        facts.append(Row("Response due by", govuk_date(operations.response_due(referral))))
    if referral.assigned_to_id:
        facts.append(Row("Caseworker", referral.assigned_to.name))
    if referral.first_appointment_at:
        facts.append(Row("First appointment", govuk_date(referral.first_appointment_at)))
    if referral.concluded_at:
        facts.append(Row("Completed" if referral.state == State.COMPLETED else "Ended",
                         govuk_date(referral.concluded_at)))
    reason = referral.decline_reason or referral.end_reason
    if reason:
        all_reasons = {**DECLINE_REASONS, **WITHDRAWAL_REASONS, **EARLY_END_REASONS}
        label = DECLINE_REASONS.get(reason) if referral.state == State.DECLINED else \
            (WITHDRAWAL_REASONS if referral.state == State.WITHDRAWN else EARLY_END_REASONS).get(reason)
        facts.append(Row("Reason", label or all_reasons.get(reason, reason)))
    facts += escalation_rows(referral)
    return ReferralPage(referral=referral, tag=tag(referral.state),
                        sections=answer_sections(referral, user, "amend" if can_amend else None),
                        actions=actions(referral, user), log=change_log(referral, user), sessions=sessions(referral),
                        outcomes=outcomes(referral), facts=facts, can_amend=can_amend,
                        overdue=operations.is_overdue(referral), escalation=escalation_notice(referral, user),
                        decide_href=url_for("referrals.decide_escalation", public_id=referral.public_id)
                        if policy.can(user, "referral.decide_escalation", referral) else None)


# --- Dashboards ---

@dataclass
class DashboardRow:
    reference: str
    href: str
    name: str
    other_side: str  # the service and provider (for offender managers) or the referring officer (for providers)
    tag: dict
    overdue: bool
    changed: str
    caseworker: str
    escalated: bool = False


def dashboard_rows(referrals: list[Referral], user: User) -> list[DashboardRow]:
    referrer_side = operations.dashboard_side(user) == "referrer"
    rows = []
    for r in referrals:
        href = url_for("referrals.draft" if r.state == State.DRAFT else "referrals.referral", public_id=r.public_id)
        other = f"{r.service.name} ({r.organisation.name})" if referrer_side else r.created_by.name
        rows.append(DashboardRow(r.reference, href, r.person.full_name or "Name not given yet", other, tag(r.state),
                                 operations.is_overdue(r), govuk_date(r.updated_at.date()),
                                 r.assigned_to.name if r.assigned_to_id else "", r.escalation_pending))
    return rows
