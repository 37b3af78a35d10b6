"""Referral rules: drafting, sending, every later step, amendments, reminders, purging, subject access.

No request objects. Each function takes the acting user, asks the policy module, changes rows, records the
step in the change log and the audit log, and queues emails in the same transaction; the caller commits.
Emails carry the reference and a link, never the person's details.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import selectinload

from portal import audit, paging, policy, subject_access, working_days
from portal.accounts.models import Membership, User
from portal.accounts.roles import OrgRole, OrgStatus
from portal.database import utcnow
from portal.directory import postcodes
from portal.directory.indexing import freshness
from portal.directory.models import ListingState, Service
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.lookup import authorized
from portal.mail import queue_email
from portal.reference.models import Pathway, Prison
from portal.referrals import rules
from portal.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralNeed,
    ReferralPerson,
    ReferralSearch,
    ReferralSession,
    new_reference,
)
from portal.referrals.workflow import (
    ACHIEVEMENT,
    AMENDABLE,
    ATTENDANCE,
    CONSENT_METHODS,
    ESCALATION_DECISIONS,
    GENDERS,
    HIGH_RISK,
    RAG,
    RISK_LEVELS,
    TRANSITIONS,
    State,
)
from search.geo import haversine_miles

DRAFT_LIFETIME = timedelta(days=90)
RESPONSE_WORKING_DAYS = 5
MAX_OUTCOMES = 10
CRN = re.compile(r"^[A-Z]\d{6}$")
PHONE = re.compile(r"^\+?[\d ()-]{7,30}$")
# A referral's answers by field: as a form or an API body gives them (text, dates, yes or no, lists of needs and
# outcomes), unchecked until `clean_answers`; as stored values once cleaned; as plain values from `answers_of`.
Answers = dict[str, Any]
TEXT_LIMITS = {  # field -> most characters
    "first_name": 100, "last_name": 100, "phone": 30, "interpreter_language": 60, "disability_needs": 2000,
    "caring_responsibilities": 2000, "availability": 2000, "risk_summary": 2000, "additional_information": 4000,
    "comment": 2000, "notes": 4000, "end_of_service_report": 4000, "outcome": 500, "referrer_phone": 30,
}
FIELD_LABELS = {
    "first_name": "First name", "last_name": "Last name", "date_of_birth": "Date of birth",
    "crn": "Case reference number (CRN)", "gender": "Gender", "in_custody": "Where the person is",
    "prison": "Prison", "expected_release_date": "Expected release date", "postcode": "Postcode district",
    "phone": "Phone number", "interpreter_language": "Interpreter", "disability_needs": "Disability and access needs",
    "caring_responsibilities": "Caring responsibilities", "availability": "Availability",
    "arson_conviction": "Arson convictions", "sexual_offence_conviction": "Sexual offence convictions",
    "needs": "Needs", "desired_outcomes": "Desired outcomes", "risk_level": "Risk of serious harm",
    "mappa": "Managed under MAPPA", "risk_summary": "Risk summary", "consent_given": "Consent",
    "consent_date": "Date consent was given", "consent_method": "How consent was given",
    "additional_information": "Additional information", "referrer_phone": "Probation practitioner's phone number",
}
# Fields only those who may see the risk details see (in the change log too)
RISK_FIELDS = frozenset({"risk_level", "mappa", "risk_summary", "arson_conviction", "sexual_offence_conviction"})
# What a provider needs to decide is shown from sending (the level and MAPPA); the narrative and the convictions
# only once it has accepted.
RISK_NARRATIVE_FIELDS = RISK_FIELDS - {"risk_level", "mappa"}
PERSON_FIELDS = ("first_name", "last_name", "date_of_birth", "crn", "gender", "in_custody", "prison",
                 "expected_release_date", "postcode", "phone", "interpreter_language", "disability_needs",
                 "caring_responsibilities", "availability", "arson_conviction", "sexual_offence_conviction")
REFERRAL_FIELDS = ("needs", "desired_outcomes", "risk_level", "mappa", "risk_summary", "consent_given",
                   "consent_date", "consent_method", "additional_information", "referrer_phone")
ANSWER_FIELDS = PERSON_FIELDS + REFERRAL_FIELDS


def _today() -> date:
    return utcnow().date()


# --- Which services can take a referral ---

def referral_barrier(service: Service) -> str | None:
    """Why the service cannot take a referral through the portal (said before the form starts), or None."""
    if service.state != ListingState.PUBLISHED or freshness(service) == "hidden":
        return "This service is not listed in the directory at the moment, so it cannot take referrals."
    if service.organisation.status != OrgStatus.APPROVED:
        return "This service's organisation is not approved on the portal, so it cannot take referrals."
    if "portal-referral" not in service.term_codes("access-route"):
        return ("This service does not take referrals through the portal. Its listing says how to refer "
                "someone to it.")
    if service.capacity == "full":
        return "This service is full and is not taking referrals at the moment. Try again later or find another."
    return None


def takes_high_risk(service: Service) -> bool:
    return service.takes_high_risk


def service_for_referral(service_uuid: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.uuid == service_uuid))


# --- Drafts ---

def start_draft(user: User, service: Service) -> Referral:
    policy.authorize(user, "referral.create")
    if barrier := referral_barrier(service):
        raise DomainError(barrier)
    referral = Referral(service=service, organisation_id=service.organisation_id, created_by=user,
                        probation_region_id=user.probation_region_id,
                        probation_delivery_unit_id=user.probation_delivery_unit_id, state=State.DRAFT,
                        reference=_free_reference())
    referral.person = ReferralPerson()
    # A new referral has none of these: saying so spares a query for each when they are first read
    referral.needs, referral.events, referral.sessions = [], [], []
    db.session.add(referral)
    db.session.flush()
    audit.record("referral.draft_started", "referral", referral.public_id, actor=user, subject_ref=referral.reference)
    return referral


def _free_reference() -> str:
    """A reference no referral has yet. There are 32^8 of them, yet among the first 100,000 referrals there is
    about a 1 in 200 chance that two would draw the same: look before taking one (the unique index stays the
    last word)."""
    while True:
        reference = new_reference()
        if db.session.scalar(select(Referral.id).where(Referral.reference == reference)) is None:
            return reference


def save_draft(user: User, referral: Referral, answers: Answers, expected_version: int | None = None) -> None:
    """Save some answers to a draft (each page saves as you go). Wrong answers change nothing."""
    policy.authorize(user, "referral.edit_draft", referral, secret=True)
    _check_version(referral, expected_version)
    changes = _apply_answers(referral, answers)
    referral.updated_at = utcnow()
    audit.record("referral.draft_saved", "referral", referral.public_id, actor=user, subject_ref=referral.reference,
                 details={"fields": sorted(changes)})


def _check_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and referral.version != expected_version:
        raise Conflict()


def _apply_answers(referral: Referral, answers: Answers) -> dict[str, list[object]]:
    """Validate the given answers (all of them, every problem at once), then store them.

    Returns {field: [before, after]} of what changed, as text for the change log."""
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise InvalidInput([(name, f"{name} is not a field of a referral") for name in sorted(unknown)])
    cleaned, errors = clean_answers(referral, answers)
    if errors:
        raise InvalidInput(errors)
    before = answers_of(referral)
    person = referral.person
    for name, value in cleaned.items():
        if name == "prison":
            person.prison = value
        elif name == "postcode":
            person.postcode_district = value
        elif name == "needs":
            referral.needs = [ReferralNeed(pathway=pathway, rating=rating) for pathway, rating in value]
        elif name == "desired_outcomes":
            referral.desired_outcomes = [{"text": text, "achievement": None, "notes": ""} for text in value]
        elif name in PERSON_FIELDS:
            setattr(person, name, value)
        else:
            setattr(referral, name, value)
    if cleaned.get("in_custody") is False:  # released: no prison, no release date
        person.prison, person.expected_release_date = None, None
    if cleaned.get("consent_given") is False:
        referral.consent_date, referral.consent_method = None, None
    after = answers_of(referral)
    return {name: [before[name], after[name]] for name in ANSWER_FIELDS if before[name] != after[name]}


def clean_answers(referral: Referral, answers: Answers) -> tuple[Answers, list[tuple[str, str]]]:
    """Answers as stored values, and [(field, message)] for each that is wrong."""
    cleaned: Answers = {}
    errors: list[tuple[str, str]] = []
    today = _today()

    def fail(name: str, message: str) -> None:
        errors.append((name, message))

    for name, value in answers.items():
        if name in TEXT_LIMITS and name not in ("needs", "desired_outcomes"):
            if value is not None and not isinstance(value, str):  # never the text of a list or an object
                fail(name, f"{FIELD_LABELS[name]} must be text")
                continue
            value = "" if value is None else value.strip()
            if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in value) or (
                    name in ("first_name", "last_name", "phone", "interpreter_language", "referrer_phone")
                    and "\n" in value):
                fail(name, f"{FIELD_LABELS[name]} must not contain line breaks or special characters")
                continue
            if len(value) > TEXT_LIMITS[name]:
                fail(name, f"{FIELD_LABELS[name]} must be {TEXT_LIMITS[name]:,} characters or fewer")
                continue
        if name == "crn":
            value = "".join(str(value or "").split()).upper()
            if value and not CRN.match(value):
                fail(name, "Enter a case reference number (CRN) in the correct format: a letter followed by six "
                           "digits, like X123456")
                continue
        elif name in ("phone", "referrer_phone") and value and not PHONE.match(value):
            fail(name, "Enter a phone number, like 07700 900 982 or +44 113 496 0000")
            continue
        elif name == "date_of_birth" and value is not None:
            if not isinstance(value, date):
                fail(name, "Date of birth must be a real date")
                continue
            if value > today:
                fail(name, "Date of birth must be in the past")
                continue
            if _years_between(value, today) < 18:
                fail(name, "The person must be 18 or over: the probation service works with adults. "
                           "Check the date of birth")
                continue
            if _years_between(value, today) > 110:
                fail(name, "Check the date of birth: the person would be over 110")
                continue
        elif name == "expected_release_date" and value is not None and not isinstance(value, date):
            fail(name, "Expected release date must be a real date")
            continue
        elif name == "consent_date" and value is not None:
            if not isinstance(value, date):
                fail(name, "Date consent was given must be a real date")
                continue
            if value > today:
                fail(name, "Date consent was given must be today or in the past")
                continue
        elif name == "gender" and value is not None and value not in GENDERS:
            fail(name, "Select the person's gender, or 'Prefer not to say'")
            continue
        elif name == "risk_level" and value is not None and value not in RISK_LEVELS:
            fail(name, "Select the risk of serious harm level")
            continue
        elif name == "consent_method" and value is not None and value not in CONSENT_METHODS:
            fail(name, "Select how the person gave consent")
            continue
        elif name in ("in_custody", "mappa", "consent_given", "arson_conviction", "sexual_offence_conviction"):
            if value is not None and not isinstance(value, bool):
                fail(name, f"Answer yes or no for '{FIELD_LABELS[name]}'")
                continue
        elif name == "prison" and value:
            prison = db.session.scalar(select(Prison).where(Prison.code == str(value).upper()))
            if prison is None:
                fail(name, "Select the prison the person is in")
                continue
            value = prison
        elif name == "prison":
            value = None
        elif name == "postcode" and value:
            try:
                value = postcodes.locate(str(value), "postcode")[0]
            except DomainError as exc:
                fail(name, exc.message)
                continue
        elif name == "postcode":
            value = ""
        elif name == "needs":
            value, message = _clean_needs(value)
            if message:
                fail(name, message)
                continue
        elif name == "desired_outcomes":
            value, message = _clean_outcomes(value)
            if message:
                fail(name, message)
                continue
        cleaned[name] = value

    # Dates that only make sense together
    in_custody = cleaned.get("in_custody", referral.person.in_custody if "in_custody" not in answers else None)
    release = cleaned.get("expected_release_date", referral.person.expected_release_date)
    if ("expected_release_date" in cleaned or "in_custody" in cleaned) and release is not None:
        if in_custody and release < today:
            fail("expected_release_date", "Expected release date must be today or in the future for someone in "
                                          "custody")
        elif in_custody is False and release > today:
            fail("expected_release_date", "Someone in the community has already been released: leave the expected "
                                          "release date empty, or say they are in custody")
    return cleaned, errors


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _clean_needs(value: object) -> tuple[list[tuple[Pathway, str]], str | None]:
    if not isinstance(value, list | tuple):
        return [], "Needs must be a list of pathways with a rating"
    pathways = {p.slug: p for p in db.session.scalars(select(Pathway))}
    out: list[tuple[Pathway, str]] = []
    seen: set[str] = set()
    for item in value:
        slug, rating = (item.get("pathway"), item.get("rating")) if isinstance(item, dict) else (None, None)
        if slug not in pathways:
            return [], "Select a resettlement pathway for each need"
        if rating not in RAG:
            return [], f"Select red, amber or green for {pathways[slug].name}"
        if slug in seen:
            return [], f"{pathways[slug].name} is listed more than once"
        seen.add(slug)
        out.append((pathways[slug], rating))
    return out, None


def _clean_outcomes(value: object) -> tuple[list[str], str | None]:
    if not isinstance(value, list | tuple):
        return [], "Desired outcomes must be a list"
    texts = [" ".join(str(v).split()) for v in value if str(v or "").strip()]
    if len(texts) > MAX_OUTCOMES:
        return [], f"Enter at most {MAX_OUTCOMES} desired outcomes"
    if any(len(t) > TEXT_LIMITS["outcome"] for t in texts):
        return [], f"Each desired outcome must be {TEXT_LIMITS['outcome']} characters or fewer"
    return texts, None


def answers_of(referral: Referral) -> Answers:
    """The referral's answers as plain values (dates as ISO text): the change log compares these."""
    person = referral.person
    values = {name: getattr(person, name, None) for name in PERSON_FIELDS if hasattr(person, name)}
    values |= {"prison": person.prison.code if person.prison else None, "postcode": person.postcode_district}
    values |= {name: getattr(referral, name) for name in REFERRAL_FIELDS if name not in ("needs", "desired_outcomes")}
    values["needs"] = [{"pathway": n.pathway.slug, "rating": n.rating} for n in referral.needs]
    values["desired_outcomes"] = [o["text"] for o in referral.desired_outcomes or []]
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def missing_answers(referral: Referral) -> list[tuple[str, str]]:
    """What must still be answered before the referral can be sent: [(field, message)]."""
    person = referral.person
    checks = [
        ("first_name", person.first_name, "Enter the person's first name"),
        ("last_name", person.last_name, "Enter the person's last name"),
        ("date_of_birth", person.date_of_birth, "Enter the person's date of birth"),
        ("crn", person.crn, "Enter the person's case reference number (CRN)"),
        ("gender", person.gender, "Select the person's gender"),
        ("in_custody", person.in_custody is not None, "Say whether the person is in custody or in the community"),
        ("postcode", person.postcode_district, "Enter the postcode district the person lives in or will be "
                                               "released to"),
        ("needs", referral.needs, "Add at least one need the referral addresses"),
        ("desired_outcomes", referral.desired_outcomes, "Enter at least one desired outcome"),
        ("risk_level", referral.risk_level, "Select the risk of serious harm level"),
        ("mappa", referral.mappa is not None, "Say whether the person is managed under MAPPA"),
        ("risk_summary", referral.risk_summary, "Enter a short risk summary"),
        ("consent_given", referral.consent_given, "Confirm that the person agreed to be referred"),
        ("consent_date", referral.consent_date, "Enter the date the person gave consent"),
        ("consent_method", referral.consent_method, "Select how the person gave consent"),
        ("referrer_phone", referral.referrer_phone, "Enter your phone number, so the provider can call you about "
                                                    "the referral"),
    ]
    if person.in_custody:
        checks += [("prison", person.prison is not None, "Select the prison the person is in"),
                   ("expected_release_date", person.expected_release_date, "Enter the expected release date")]
    return [(name, message) for name, present, message in checks if not present]


def risk_refusal(referral: Referral) -> str | None:
    """Why this person cannot be referred to this service because of their risk, or None."""
    level = referral.risk_level
    if (level in HIGH_RISK or referral.mappa) and not takes_high_risk(referral.service):
        why = (f"assessed as {RISK_LEVELS[level].lower()} risk of serious harm"
               if level is not None and level in HIGH_RISK else "managed under MAPPA")
        return (f"This person is {why}. People at high or very high risk of serious harm, or managed under MAPPA, "
                "can only be referred to services run by public-sector organisations or approved for high-risk "
                "cases, and this service is neither. Find a service that is: in the directory, filter by 'Takes "
                "people at high risk of serious harm or managed under MAPPA'.")
    return None


def eligibility_warnings(referral: Referral) -> list[str]:
    """Plain warnings where the person may not fit the service's eligibility (they do not stop the referral)."""
    service, person, warnings = referral.service, referral.person, []
    if person.date_of_birth:
        age = _years_between(person.date_of_birth, _today())
        if service.minimum_age is not None and age < service.minimum_age:
            warnings.append(f"The service is for people aged {service.minimum_age} or over; this person is {age}.")
        if service.maximum_age is not None and age > service.maximum_age:
            warnings.append(f"The service is for people aged up to {service.maximum_age}; this person is {age}.")
    eligibility = set(service.term_codes("eligibility"))
    if "women-only" in eligibility and person.gender == "male":
        warnings.append("The service is for women only; this person's gender is recorded as male.")
    if "men-only" in eligibility and person.gender == "female":
        warnings.append("The service is for men only; this person's gender is recorded as female.")
    if person.arson_conviction and "accepts-arson" not in eligibility:
        warnings.append("The person has an arson conviction and the service does not say it accepts people with "
                        "arson convictions (often because of its accommodation's insurance). Check with the "
                        "service first.")
    if person.sexual_offence_conviction and "accepts-sexual-offences" not in eligibility:
        warnings.append("The person has a sexual offence conviction and the service does not say it accepts people "
                        "with sexual offence convictions. Check with the service first.")
    return warnings


def change_service(user: User, referral: Referral, service: Service, expected_version: int | None = None) -> None:
    """Point a draft at another service (a suggestion, say): only if that service can take the referral now."""
    policy.authorize(user, "referral.edit_draft", referral, secret=True)
    _check_version(referral, expected_version)
    if service.id == referral.service_id:
        raise DomainError(f"The referral is already to {service.name}")
    if barrier := referral_barrier(service):
        raise DomainError(barrier)
    previous = referral.service.uuid
    referral.service, referral.organisation = service, service.organisation
    referral.updated_at = utcnow()
    audit.record("referral.service_changed", "referral", referral.public_id, actor=user,
                 subject_ref=referral.reference, details={"from": previous, "to": service.uuid})


def delete_draft(user: User, referral: Referral) -> None:
    policy.authorize(user, "referral.edit_draft", referral, secret=True)
    audit.record("referral.draft_deleted", "referral", referral.public_id, actor=user, subject_ref=referral.reference)
    db.session.delete(referral)


# --- Every later step: one function, driven by the transition table ---

@dataclass
class StepInput:
    """What some steps need besides the actor: checked by the step's own rule."""

    reason_code: str | None = None
    comment: str = ""
    caseworker: User | None = None
    appointment_at: datetime | None = None
    session_at: datetime | None = None
    attendance: str | None = None
    notes: str = ""
    achievements: list[str] | None = None  # one per desired outcome
    report: str = ""


def apply(user: User, referral: Referral, step: str, data: StepInput | None = None,
          expected_version: int | None = None) -> ReferralEvent:
    """Take one step of the referral's life, if the table allows it from here and the user may take it."""
    data = data or StepInput()
    transition = TRANSITIONS.get(step)
    if transition is None:
        raise DomainError(f"'{step}' is not a step a referral can take", "action")
    policy.authorize(user, "referral.view", referral, secret=True)
    policy.authorize(user, f"referral.{step}", referral)
    _check_version(referral, expected_version)
    current = State(referral.state)
    if current not in transition.to:
        raise DomainError(f"You cannot {transition.label.lower()} because the referral is "
                          f"{current.label.lower()}. Refresh the page to see where it stands.", "action")
    if transition.reasons is not None:
        if data.reason_code not in transition.reasons:
            raise DomainError("Select a reason", "reason_code")
        if data.reason_code == "other" and not data.comment.strip():
            raise DomainError("Explain the reason in the comment", "comment")
    if len(data.comment) > TEXT_LIMITS["comment"]:
        raise DomainError(f"Comment must be {TEXT_LIMITS['comment']:,} characters or fewer", "comment")
    now = utcnow()
    _EFFECTS[step](user, referral, data, now)
    target = transition.to[current]
    referral.state = target
    referral.updated_at = now
    event = ReferralEvent(at=now, actor=user, action=step, from_state=current, to_state=target,
                          reason_code=data.reason_code, comment=data.comment.strip())
    referral.events.append(event)
    audit.record(f"referral.{step}", "referral", referral.public_id, actor=user, subject_ref=referral.reference,
                 details={"from": current.value, "to": target.value, "reason": data.reason_code})
    if (notify := _NOTIFY.get(step)) is not None:
        notify(referral, user)
    return event


def _send(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    if barrier := referral_barrier(referral.service):
        raise DomainError(barrier)
    if missing := missing_answers(referral):
        raise InvalidInput(missing)
    if refusal := risk_refusal(referral):
        raise DomainError(refusal, "risk_level")
    referral.sent_at, referral.sent_by_id = now, user.id
    # The referring team is the sender's, whoever started the draft
    referral.probation_region_id = user.probation_region_id or referral.probation_region_id
    referral.probation_delivery_unit_id = user.probation_delivery_unit_id or referral.probation_delivery_unit_id


def _respond(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    referral.responded_at, referral.responded_by_id = now, user.id
    referral.decline_reason = data.reason_code


def _assign(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    caseworker = data.caseworker
    if caseworker is None:
        raise DomainError("Select a caseworker", "caseworker")
    staff = caseworker.membership
    if (staff is None or staff.organisation_id != referral.organisation_id or not caseworker.is_active
            or staff.org_role not in (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)):
        raise DomainError("Select a caseworker from your organisation", "caseworker")
    if user.has_org_role(OrgRole.CASEWORKER) and caseworker.id != user.id:
        raise DomainError("Caseworkers can only pick up a referral themselves; ask a manager to assign "
                          "someone else", "caseworker")
    if referral.assigned_to_id == caseworker.id:
        raise DomainError(f"The referral is already assigned to {caseworker.name}", "caseworker")
    referral.assigned_to_id, referral.assigned_at, referral.assigned_by_id = caseworker.id, now, user.id


def _book(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    if data.appointment_at is None:
        raise DomainError("Enter the date and time of the first appointment", "appointment_at")
    if data.appointment_at < now - timedelta(days=30):
        raise DomainError("The first appointment must be within the last 30 days or in the future",
                          "appointment_at")
    referral.first_appointment_at = data.appointment_at
    referral.appointment_booked_at, referral.appointment_booked_by_id = now, user.id


def _record_session(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    if data.session_at is None:
        raise DomainError("Enter the date and time of the session", "session_at")
    if data.session_at > now + timedelta(minutes=5):
        raise DomainError("You can only record a session that has happened: the date must be in the past",
                          "session_at")
    if data.attendance not in ATTENDANCE:
        raise DomainError("Select whether the person attended", "attendance")
    if len(data.notes) > TEXT_LIMITS["notes"]:
        raise DomainError(f"Notes must be {TEXT_LIMITS['notes']:,} characters or fewer", "notes")
    referral.sessions.append(ReferralSession(number=len(referral.sessions) + 1, happened_at=data.session_at,
                                             attendance=data.attendance, notes=data.notes.strip(),
                                             recorded_by_id=user.id, recorded_at=now))


def _complete(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    outcomes = referral.desired_outcomes or []
    achievements = data.achievements or []
    if len(achievements) != len(outcomes) or any(a not in ACHIEVEMENT for a in achievements):
        raise DomainError("Say for each desired outcome whether it was achieved, partly achieved or not achieved",
                          "achievements")
    if not data.report.strip():
        raise DomainError("Enter the end-of-service report", "report")
    if len(data.report) > TEXT_LIMITS["end_of_service_report"]:
        raise DomainError(f"The end-of-service report must be {TEXT_LIMITS['end_of_service_report']:,} characters "
                          "or fewer", "report")
    referral.desired_outcomes = [{**o, "achievement": a} for o, a in zip(outcomes, achievements, strict=True)]
    referral.end_of_service_report = data.report.strip()
    _conclude(user, referral, data, now)


def _conclude(user: User, referral: Referral, data: StepInput, now: datetime) -> None:
    referral.concluded_at, referral.concluded_by_id = now, user.id
    referral.end_reason = data.reason_code


_EFFECTS: dict[str, Callable[[User, Referral, StepInput, datetime], None]] = {
    "send": _send, "accept": _respond, "decline": _respond, "assign": _assign, "book": _book,
    "record_session": _record_session, "complete": _complete, "withdraw": _conclude, "end_early": _conclude,
}
assert set(_EFFECTS) == set(TRANSITIONS), "every transition needs its effect"


# --- Amendments after sending ---

def amend(user: User, referral: Referral, answers: Answers, reason: str,
          expected_version: int | None = None) -> dict[str, list[object]]:
    """Change details after sending; both sides see what changed, when and by whom, in the change log."""
    policy.authorize(user, "referral.view", referral, secret=True)
    policy.authorize(user, "referral.amend", referral)
    _check_version(referral, expected_version)
    if referral.state not in AMENDABLE:
        raise DomainError(f"The referral is {State(referral.state).label.lower()}, so its details can no longer "
                          "be changed")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Say why you are changing the referral", "reason")
    if len(reason) > 500:
        raise DomainError("The reason must be 500 characters or fewer", "reason")
    was_beyond_service = risk_refusal(referral) is not None
    changes = _apply_answers(referral, answers)
    if not changes:
        raise DomainError("Nothing has changed: change an answer, or go back to the referral")
    if missing := missing_answers(referral):
        raise InvalidInput(missing)
    now = utcnow()
    referral.updated_at = now
    referral.events.append(ReferralEvent(at=now, actor=user, action="amend", from_state=referral.state,
                                         to_state=referral.state, comment=reason, changes=changes))
    audit.record("referral.amended", "referral", referral.public_id, actor=user, subject_ref=referral.reference,
                 details={"fields": sorted(changes)})
    beyond_service = risk_refusal(referral) is not None
    what = "has been changed by the probation practitioner"
    if beyond_service and not was_beyond_service:
        _escalate(user, referral, now)
        what = "has had its risk escalated by the probation practitioner"
    elif was_beyond_service and not beyond_service and referral.escalation_pending:
        # The risk came back down before anyone decided: nothing left to decide
        referral.risk_escalated_at = referral.risk_escalated_by_id = None
        referral.events.append(ReferralEvent(at=now, actor=user, action="escalation_lifted",
                                             from_state=referral.state, to_state=referral.state))
        audit.record("referral.escalation_lifted", "referral", referral.public_id, actor=user,
                     subject_ref=referral.reference)
    _notify_provider(referral, what)
    return changes


def _escalate(user: User, referral: Referral, now: datetime) -> None:
    """The person is now beyond what the service may take (high or very high risk of serious harm, or MAPPA, at a
    service neither public-sector nor approved for high-risk cases): the amendment stands and is flagged, and the
    case is the public sector's until the offender manager decides how it goes on."""
    referral.risk_escalated_at, referral.risk_escalated_by_id = now, user.id
    referral.escalation_decision = referral.escalation_decided_at = referral.escalation_decided_by_id = None
    referral.risk_plan_document, referral.risk_plan_review_date, referral.payment_basis = "", None, None
    referral.events.append(ReferralEvent(at=now, actor=user, action="risk_escalated", from_state=referral.state,
                                         to_state=referral.state))
    audit.record("referral.risk_escalated", "referral", referral.public_id, actor=user,
                 subject_ref=referral.reference)


def decide_escalation(user: User, referral: Referral, decision: str | None, *, plan_document: str = "",
                      review_date: date | None = None, comment: str = "",
                      expected_version: int | None = None) -> None:
    """The offender manager's decision on an escalated referral: withdraw it and refer the person on to a
    public-sector service, or let the provider continue under a risk management plan, paid as fee for service."""
    policy.authorize(user, "referral.view", referral, secret=True)
    policy.authorize(user, "referral.decide_escalation", referral)
    _check_version(referral, expected_version)
    if not referral.escalation_pending:
        raise DomainError("There is no risk escalation waiting for a decision on this referral", "action")
    if decision not in ESCALATION_DECISIONS:
        raise DomainError("Select what happens next", "decision")
    comment = (comment or "").strip()
    if len(comment) > TEXT_LIMITS["comment"]:
        raise DomainError(f"Comment must be {TEXT_LIMITS['comment']:,} characters or fewer", "comment")
    now = utcnow()
    if decision == "continue":
        plan_document = " ".join((plan_document or "").split())
        errors = []
        if not plan_document:
            errors.append(("plan_document", "Enter where the risk management plan is held, such as its document "
                                            "reference in the case management system"))
        elif len(plan_document) > 200:
            errors.append(("plan_document", "The risk management plan's document must be 200 characters or fewer"))
        if review_date is None:
            errors.append(("review_date", "Enter the date the risk management plan will be reviewed"))
        elif review_date <= _today():
            errors.append(("review_date", "The review date must be in the future"))
        elif review_date > _today() + timedelta(days=366):
            errors.append(("review_date", "The review date must be within a year"))
        if errors:
            raise InvalidInput(errors)
        referral.risk_plan_document, referral.risk_plan_review_date = plan_document, review_date
        referral.payment_basis = "fee-for-service"
    referral.escalation_decision = decision
    referral.escalation_decided_at, referral.escalation_decided_by_id = now, user.id
    referral.updated_at = now
    referral.events.append(ReferralEvent(at=now, actor=user, action=f"escalation_{decision}",
                                         from_state=referral.state, to_state=referral.state, comment=comment))
    audit.record("referral.escalation_decided", "referral", referral.public_id, actor=user,
                 subject_ref=referral.reference, details={"decision": decision})
    if decision == "refer-on":
        apply(user, referral, "withdraw", StepInput(reason_code="risk-escalated", comment=comment))
    else:
        _notify_provider(referral, "continues under a risk management plan")


# --- Notifications: the reference and a link, nothing about the person ---

def _link(referral: Referral) -> str:
    return url_for("referrals.referral", public_id=referral.public_id, _external=True)


def provider_inbox(referral: Referral) -> list[str]:
    """The service's referral inbox (its listed email), else the provider's owners and managers."""
    listed = (referral.service.document or {}).get("email")
    if listed:
        return [listed]
    return [m.user.email for m in referral.organisation.memberships
            if m.org_role in (OrgRole.OWNER, OrgRole.MANAGER) and m.user.is_active and m.user.email]


def _addresses(user: User | None) -> list[str]:
    """Where to write to the user: nowhere when there is nobody or no address (as `provider_inbox` skips)."""
    return [user.email] if user is not None and user.email else []


def _email(to: list[str], referral: Referral, what: str) -> None:
    for address in dict.fromkeys(to):
        queue_email(address, f"Referral {referral.reference} {what}", "referral_update", reference=referral.reference,
                    what=what, link=_link(referral))


def _notify_provider(referral: Referral, what: str) -> None:
    to = provider_inbox(referral)
    if referral.assigned_to is not None and referral.assigned_to.is_active:
        to += _addresses(referral.assigned_to)
    _email(to, referral, what)


def _notify_referrer(referral: Referral, what: str) -> None:
    if referral.created_by.is_active:
        _email(_addresses(referral.created_by), referral, what)


_NOTIFY: dict[str, Callable[[Referral, User], None]] = {
    "send": lambda r, u: _email(provider_inbox(r), r, "is waiting for your response"),
    "accept": lambda r, u: _notify_referrer(r, "has been accepted"),
    "decline": lambda r, u: _notify_referrer(r, "has been declined"),
    "assign": lambda r, u: _email(_addresses(r.assigned_to), r, "has been assigned to you") if r.assigned_to_id != u.id
    else None,
    "book": lambda r, u: _notify_referrer(r, "has a first appointment booked"),
    "complete": lambda r, u: _notify_referrer(r, "has been completed"),
    "withdraw": lambda r, u: _notify_provider(r, "has been withdrawn"),
    "end_early": lambda r, u: _notify_referrer(r, "has been ended early by the provider"),
}


# --- Reading: every view of personal details is audited ---

def referral_for(user: User, public_id: str) -> Referral:
    """The referral, if the user may see it (404 otherwise, so nobody learns it exists)."""
    return authorized(user, "referral.view", Referral, public_id, options=(
        selectinload(Referral.person), selectinload(Referral.needs), selectinload(Referral.events)))


def record_view(user: User, referral: Referral, what: str = "details") -> None:
    audit.record("referral.viewed", "referral", referral.public_id, actor=user, subject_ref=referral.reference,
                 details={"what": what})


def caseworkers(referral: Referral) -> list[User]:
    """Who a referral can be assigned to: the provider's active delivery staff."""
    members = db.session.scalars(select(Membership).where(
        Membership.organisation_id == referral.organisation_id,
        Membership.org_role.in_((OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER))))
    return sorted((m.user for m in members if m.user.is_active), key=lambda u: u.name.lower())


# --- Response deadline, reminders and draft purging ---

def add_working_days(start: date, days: int) -> date:
    """`days` working days after `start`: Monday to Friday, bank holidays in England and Wales not counted."""
    return working_days.add_working_days(start, days)


def response_due(referral: Referral) -> date | None:
    return add_working_days(referral.sent_at.date(), RESPONSE_WORKING_DAYS) if referral.sent_at else None


def is_overdue(referral: Referral, today: date | None = None) -> bool:
    due = response_due(referral)
    return referral.state == State.SENT and due is not None and (today or _today()) > due


def remind_overdue(now: datetime | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Remind providers once about each referral with no response after 5 working days. Returns how many."""
    now = now or utcnow()
    earliest_possible = now - timedelta(days=RESPONSE_WORKING_DAYS)
    candidates = db.session.scalars(select(Referral).where(
        Referral.state == State.SENT, Referral.reminded_at.is_(None), Referral.sent_at <= earliest_possible))
    reminded = 0
    for referral in candidates:
        if is_overdue(referral, now.date()):
            _email(provider_inbox(referral), referral, "has had no response for 5 working days")
            referral.reminded_at = now
            audit.record("referral.reminded", "referral", referral.public_id, subject_ref=referral.reference)
            reminded += 1
            if progress:
                progress(reminded)
    return reminded


def purge_drafts(now: datetime | None = None) -> int:
    """Delete drafts not sent within 90 days of their last change. Returns how many."""
    cutoff = (now or utcnow()) - DRAFT_LIFETIME
    stale = list(db.session.scalars(select(Referral).where(Referral.state == State.DRAFT,
                                                           Referral.updated_at < cutoff)))
    for referral in stale:
        audit.record("referral.draft_purged", "referral", referral.public_id, subject_ref=referral.reference)
        db.session.delete(referral)
    return len(stale)


# --- Suggestions: the best services for a draft's needs, area and eligibility ---

@dataclass
class Suggestion:
    service: Service
    score: float
    reasons: list[str]
    distance_miles: float | None


def suggest_services(referral: Referral, limit: int = 5, radius_miles: int = 50) -> list[Suggestion]:
    """Rank published services that take portal referrals by how well they fit, saying why each matched."""
    needs = {n.pathway.slug: n for n in referral.needs}
    if not needs:
        return []
    weight = {"red": 3, "amber": 2, "green": 1}
    place = None
    if referral.person.postcode_district:
        _, lat, lon = postcodes.locate(referral.person.postcode_district)
        place = (lat, lon)
    from portal.directory.models import ServiceTerm

    candidate_ids = select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == "resettlement-pathway",
                                                         ServiceTerm.code.in_(needs))
    portal_ids = select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == "access-route",
                                                      ServiceTerm.code == "portal-referral")
    services = db.session.scalars(select(Service).where(
        Service.state == ListingState.PUBLISHED, Service.capacity != "full", Service.id.in_(candidate_ids),
        Service.id.in_(portal_ids), Service.freshness != "hidden").options(
        selectinload(Service.terms), selectinload(Service.locations), selectinload(Service.organisation)))
    high_risk = referral.risk_level in HIGH_RISK or bool(referral.mappa)
    suggestions = []
    for service in services:
        if high_risk and not takes_high_risk(service):
            continue
        covered = [needs[code] for code in service.term_codes("resettlement-pathway") if code in needs]
        reasons = [f"Helps with {', '.join(n.pathway.name.lower() for n in covered)}"]
        score = sum(weight[n.rating] for n in covered) * 10.0
        distance = None
        if place:
            distances = [haversine_miles(*place, loc.latitude, loc.longitude) for loc in service.locations
                         if loc.latitude is not None and loc.longitude is not None]
            national = not distances
            if distances:
                distance = min(distances)
                if distance > radius_miles:
                    continue
                reasons.append(f"{distance:.0f} miles from {referral.person.postcode_district}")
                score -= distance / 5
            elif national:
                reasons.append("Delivered by phone or online, wherever the person lives")
        warnings = _service_warnings(service, referral)
        if warnings:
            score -= 15 * len(warnings)
            reasons.append("Check eligibility: " + " ".join(warnings))
        else:
            reasons.append("The person meets the eligibility the listing states")
        if high_risk:
            reasons.append("Takes people at high risk of serious harm")
        if service.capacity == "waiting-list":
            score -= 5
            reasons.append("Has a waiting list")
        suggestions.append(Suggestion(service, score, reasons, distance))
    suggestions.sort(key=lambda s: (-s.score, s.distance_miles or 0, s.service.name))
    return suggestions[:limit]


def _service_warnings(service: Service, referral: Referral) -> list[str]:
    original = referral.service
    try:
        referral.service = service
        return eligibility_warnings(referral)
    finally:
        referral.service = original


# --- Subject access and erasure (administrators) ---

def referrals_about(crn: str) -> list[Referral]:
    crn = "".join((crn or "").split()).upper()
    if not CRN.match(crn):
        raise DomainError("Enter a case reference number (CRN) in the correct format: a letter followed by six "
                          "digits, like X123456", "crn")
    return list(db.session.scalars(select(Referral).join(ReferralPerson).where(ReferralPerson.crn == crn)
                                   .order_by(Referral.created_at)))


def subject_access_export(admin: User, crn: str) -> dict[str, Any]:
    """Everything held about one person in every domain, by CRN or prison number: their referrals (details,
    sessions, changes and who looked at them), employment nominations and Virtual Campus record."""
    policy.authorize(admin, "referral.subject_access")
    person = subject_access.identifier(crn)
    held = subject_access.export(person)
    export = {"crn": person, "produced_at": utcnow().isoformat(), **held.pop("referrals"), **held}
    audit.record("referral.subject_access_export", "person", "-", actor=admin,
                 details={"referrals": len(export["referrals"]),
                          **{name: len(value) if isinstance(value, list) else int(value is not None)
                             for name, value in held.items()}})
    return export


def export_referral(referral: Referral) -> dict[str, Any]:
    person = referral.person
    return {
        "reference": referral.reference,
        "service": referral.service.name,
        "provider": referral.organisation.name,
        "state": referral.state,
        "person": {**answers_of(referral), "first_name": person.first_name, "last_name": person.last_name},
        "end_of_service_report": referral.end_of_service_report,
        "sessions": [{"number": s.number, "at": s.happened_at.isoformat(), "attendance": s.attendance,
                      "notes": s.notes} for s in referral.sessions],
        "history": [{"at": e.at.isoformat(), "action": e.action, "from": e.from_state, "to": e.to_state,
                     "reason": e.reason_code, "comment": e.comment, "changes": e.changes} for e in referral.events],
        "dates": {name: getattr(referral, name).isoformat() for name in
                  ("created_at", "sent_at", "responded_at", "assigned_at", "first_appointment_at", "concluded_at")
                  if getattr(referral, name)},
    }


def held_about(crn: str) -> dict[str, int]:
    """How many records each domain holds about one person (by CRN or prison number): what erasure removes."""
    return subject_access.counts(subject_access.identifier(crn))


def erase_person(admin: User, crn: str, reason: str) -> dict[str, int]:
    """Erase everything held about one person in every domain. Returns how many records went, per domain.

    The audit log keeps that records existed and were erased (ids only), never who the person was."""
    policy.authorize(admin, "referral.subject_access")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("Enter the reason for erasing, such as the request's reference", "reason")
    return subject_access.erase(admin, subject_access.identifier(crn), reason)


# --- Lists for dashboards ---

REFERENCE = re.compile(r"^RF-[A-Z0-9]{4}-[A-Z0-9]{4}$")
ReferralQuery = Select[tuple[Referral]]
TabFilter = Callable[[ReferralQuery, User], ReferralQuery]


def search_words(text: str | None) -> str:
    """What a dashboard search looks for: the words, without control characters, at most 100 characters."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text or "").split())[:100]


SEARCH_KEPT_FOR = timedelta(hours=1)


def remember_search(user: User, text: str) -> str:
    """Keep a dashboard search on the server and return the random key the URL carries instead of the words.
    Searches older than an hour (anyone's) are deleted on the way."""
    db.session.execute(delete(ReferralSearch).where(ReferralSearch.created_at < utcnow() - SEARCH_KEPT_FOR))
    key = secrets.token_urlsafe(18)
    db.session.add(ReferralSearch(key=key, user_id=user.id, text=search_words(text)[:100]))
    return key


def recalled_search(user: User, key: str | None) -> str:
    """The words of the user's own recent search under `key`; "" when it is not theirs, unknown or expired."""
    if not key or len(key) > 32:
        return ""
    return db.session.scalar(select(ReferralSearch.text).where(
        ReferralSearch.key == key, ReferralSearch.user_id == user.id,
        ReferralSearch.created_at >= utcnow() - SEARCH_KEPT_FOR)) or ""


def search_visible(user: User, text: str) -> ReferralQuery:
    """Referrals the user may see whose reference, CRN or name matches `text` (a query, not yet run).

    A reference or a CRN is looked up exactly (both are indexed); anything else is matched against names."""
    query = rules.visible_referrals(user).join(ReferralPerson)
    words = search_words(text)
    if not words:
        return query
    compact = words.upper().replace(" ", "")
    if REFERENCE.match(compact):
        return query.where(Referral.reference == compact)
    if CRN.match(compact):
        return query.where(ReferralPerson.crn == compact)
    full_name = func.lower(ReferralPerson.first_name + " " + ReferralPerson.last_name)
    return query.where(full_name.like(paging.containing(words.lower()), escape=paging.LIKE_ESCAPE))


# Dashboard tabs: name -> (label, which referrals). Offender managers and providers see different tabs.
def _tab_filters() -> dict[str, dict[str, tuple[str, TabFilter]]]:
    from portal.referrals.workflow import CANCELLED, OPEN

    return {
        "referrer": {
            "drafts": ("Drafts", lambda q, u: q.where(Referral.state == State.DRAFT)),
            "awaiting": ("Awaiting response", lambda q, u: q.where(Referral.state == State.SENT)),
            "open": ("Open", lambda q, u: q.where(Referral.state.in_(OPEN))),
            "completed": ("Completed", lambda q, u: q.where(Referral.state == State.COMPLETED)),
            "cancelled": ("Cancelled", lambda q, u: q.where(Referral.state.in_(CANCELLED))),
        },
        "provider": {
            "new": ("New", lambda q, u: q.where(Referral.state == State.SENT)),
            "mine": ("My cases", lambda q, u: q.where(Referral.assigned_to_id == u.id, Referral.state.in_(OPEN))),
            "open": ("All open", lambda q, u: q.where(Referral.state.in_(OPEN))),
            "unassigned": ("Unassigned", lambda q, u: q.where(Referral.state == State.ACCEPTED,
                                                              Referral.assigned_to_id.is_(None))),
            "completed": ("Completed", lambda q, u: q.where(Referral.state == State.COMPLETED)),
            "cancelled": ("Cancelled", lambda q, u: q.where(Referral.state.in_(CANCELLED))),
        },
    }


def dashboard_side(user: User) -> str:
    return "referrer" if user.role == "offender_manager" else "provider"


def dashboard_tabs(user: User) -> dict[str, str]:
    return {name: label for name, (label, _) in _tab_filters()[dashboard_side(user)].items()}


def dashboard_counts(user: User) -> dict[str, int]:
    """How many referrals each of the user's tabs holds (one query per tab, each on an index)."""
    base = rules.visible_referrals(user)
    return {name: db.session.scalars(select(func.count()).select_from(where(base, user).subquery())).one()
            for name, (_, where) in _tab_filters()[dashboard_side(user)].items()}


def dashboard_page(user: User, tab: str, text: str = "", page: int = 1,
                   per_page: int = 25) -> tuple[list[Referral], int]:
    """One page of a tab (or of a search across everything the user may see): (referrals, total).

    Newest change first. Viewing a list of names is a view of personal data: it is audited."""
    tabs = _tab_filters()[dashboard_side(user)]
    query = search_visible(user, text) if text.strip() else tabs.get(tab, next(iter(tabs.values())))[1](
        rules.visible_referrals(user).join(ReferralPerson), user)
    total = db.session.scalars(select(func.count()).select_from(query.subquery())).one()
    rows = list(db.session.scalars(query.options(selectinload(Referral.person), selectinload(Referral.service),
                                                 selectinload(Referral.assigned_to))
                                   .order_by(Referral.updated_at.desc(), Referral.id.desc())
                                   .limit(per_page).offset(paging.offset(page, per_page))))
    if rows:
        audit.record("referral.list_viewed", "referral", "-", actor=user,
                     details={"tab": tab, "searched": bool(text.strip()), "referrals": [r.public_id for r in rows]})
    return rows, total
