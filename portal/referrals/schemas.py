"""The request bodies of /api/v1/referrals, declared once: the API validates with these models and the OpenAPI
document is generated from them (portal.api.bodies). Types, enumerations, sizes and unknown fields are checked
here; what depends on the data (a real date, a CRN's format, a prison that exists, the risk rules) stays with
the operations, which the web pages use too."""
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from portal.api.bodies import Body
from portal.referrals.operations import ANSWER_FIELDS, TEXT_LIMITS
from portal.referrals.workflow import (
    ACHIEVEMENT,
    ATTENDANCE,
    CONSENT_METHODS,
    ESCALATION_DECISIONS,
    GENDERS,
    RISK_LEVELS,
    TRANSITIONS,
)


def _text(limit: int, description: str | None = None):
    return Annotated[StrictStr, Field(max_length=limit, description=description)]


def _limit(name: str, default: int = 200) -> int:
    return TEXT_LIMITS.get(name, default)


Date = Annotated[StrictStr, Field(max_length=40, json_schema_extra={"format": "date"},
                                  description="An ISO 8601 date, like 1990-05-17")]
Moment = Annotated[StrictStr, Field(max_length=60, json_schema_extra={"format": "date-time"},
                                    description="An ISO 8601 date and time, like 2026-11-24T10:00:00Z (UK time "
                                                "when it has no offset)")]
Gender = Literal[tuple(GENDERS)]  # type: ignore[valid-type]
RiskLevel = Literal[tuple(RISK_LEVELS)]  # type: ignore[valid-type]
ConsentMethod = Literal[tuple(CONSENT_METHODS)]  # type: ignore[valid-type]
Attendance = Literal[tuple(ATTENDANCE)]  # type: ignore[valid-type]
Achievement = Literal[tuple(ACHIEVEMENT)]  # type: ignore[valid-type]
Action = Literal[tuple(TRANSITIONS)]  # type: ignore[valid-type]
DecisionChoice = Literal[tuple(ESCALATION_DECISIONS)]  # type: ignore[valid-type]
ReasonCode = Literal[tuple(sorted({code for t in TRANSITIONS.values() for code in (t.reasons or {})}))]  # type: ignore


class Need(Body):
    pathway: _text(60, "A resettlement pathway slug, like accommodation")
    rating: Literal["red", "amber", "green"]


class ReferralAnswers(Body):
    """Any of a referral's answers; null clears one. Risk answers (risk_level, mappa, risk_summary,
    arson_conviction, sexual_offence_conviction) are shown only to those who may see them."""

    first_name: _text(_limit("first_name")) | None = None
    last_name: _text(_limit("last_name")) | None = None
    date_of_birth: Date | None = None
    crn: _text(20, "A letter and six digits, like X123456") | None = None
    gender: Gender | None = None
    in_custody: StrictBool | None = None
    prison: _text(10, "The prison's code, like LEI") | None = None
    expected_release_date: Date | None = None
    postcode: _text(10, "A postcode or postcode district; only the district is kept") | None = None
    phone: _text(_limit("phone")) | None = None
    interpreter_language: _text(_limit("interpreter_language")) | None = None
    disability_needs: _text(_limit("disability_needs")) | None = None
    caring_responsibilities: _text(_limit("caring_responsibilities")) | None = None
    availability: _text(_limit("availability")) | None = None
    arson_conviction: StrictBool | None = None
    sexual_offence_conviction: StrictBool | None = None
    needs: Annotated[list[Need], Field(max_length=20)] | None = None
    desired_outcomes: Annotated[list[_text(_limit("outcome"))], Field(max_length=10)] | None = None
    risk_level: RiskLevel | None = None
    mappa: StrictBool | None = None
    risk_summary: _text(_limit("risk_summary")) | None = None
    consent_given: StrictBool | None = None
    consent_date: Date | None = None
    consent_method: ConsentMethod | None = None
    additional_information: _text(_limit("additional_information")) | None = None
    referrer_phone: _text(_limit("referrer_phone"), "The referring probation practitioner's work phone") | None = None


assert set(ReferralAnswers.model_fields) == set(ANSWER_FIELDS)  # noqa: S101 - one list of answers


class NewReferral(Body):
    service_id: _text(64, "The directory service's id (uuid)")
    answers: ReferralAnswers | None = None


class DraftChange(Body):
    answers: ReferralAnswers | None = None
    version: StrictInt | None = Field(None, description="The version you saw: 409 if it has changed since")


class SendReferral(Body):
    version: StrictInt | None = Field(None, description="The version you saw: 409 if it has changed since")


class Amendment(Body):
    answers: ReferralAnswers
    reason: _text(500, "Why the referral is changing (required)") = ""
    version: StrictInt | None = None


class Transition(Body):
    """One step. Which fields a step needs: decline, withdraw, end_early need reason_code (and a comment when it is
    'other'); assign needs caseworker (a user id); book needs appointment_at; record_session needs session_at and
    attendance; complete needs achievements (one per desired outcome) and report."""

    action: Action
    reason_code: ReasonCode | None = None
    comment: _text(_limit("comment")) | None = None
    caseworker: _text(64, "The caseworker's user id") | None = None
    appointment_at: Moment | None = None
    session_at: Moment | None = None
    attendance: Attendance | None = None
    notes: _text(_limit("notes")) | None = None
    achievements: Annotated[list[Achievement], Field(max_length=10)] | None = None
    report: _text(_limit("end_of_service_report")) | None = None
    version: StrictInt | None = None


class EscalationDecision(Body):
    """The referring offender manager's decision after a risk escalation: `refer-on` withdraws the referral (reason
    "risk has risen") so the person can be referred to a public-sector service or one approved for high-risk cases;
    `continue` lets the provider continue under a risk management plan, paid as fee for service, and needs
    plan_document (where the plan is held) and review_date (within a year)."""

    decision: DecisionChoice
    plan_document: _text(200, "Where the risk management plan is held (continue)") | None = None
    review_date: Date | None = None
    comment: _text(_limit("comment"), "For the provider (optional)") | None = None
    version: StrictInt | None = Field(None, description="The version you saw: 409 if it has changed since")


BODIES = (NewReferral, DraftChange, SendReferral, Amendment, Transition, EscalationDecision)
