"""Referrals in the JSON API (/api/v1/referrals), for probation and providers' case-management systems.

The same operations, rules and audit as the web pages: a token's user sees exactly the referrals
`rules.visible_referrals` lists for them, takes the steps the transition table lets them take, and every
read of personal details is recorded. Referrals the user may not see answer 404; a stale `version` 409;
wrong answers 400 with a message per field (field names are `operations.ANSWER_FIELDS` and the step fields).

Dates are ISO 8601 (`1990-05-17`); dates and times too (`2026-11-24T10:00:00Z`), where a time without an offset
is UK time (Europe/London).
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit, paging, policy
from portal.accounts.models import User
from portal.api import bodies
from portal.api.blueprint import bp
from portal.api.bodies import register as register_bodies
from portal.api.bodies import request_body
from portal.api.openapi import PATHS, SCHEMAS, error_responses
from portal.errors import DomainError, error_response
from portal.extensions import db
from portal.referrals import operations, rules, schemas
from portal.referrals.models import Referral
from portal.referrals.operations import ANSWER_FIELDS, RISK_FIELDS, StepInput
from portal.referrals.workflow import ESCALATION_DECISIONS, RISK_LEVELS, STATE_LABELS, TRANSITIONS, State

LONDON = ZoneInfo("Europe/London")
DATE_FIELDS = ("date_of_birth", "expected_release_date", "consent_date")
_WHO_TAKES = {
    "send": "only the referring team can", "withdraw": "only the referring team can",
    "accept": "only the provider's staff can", "decline": "only the provider's staff can",
    "assign": "only the provider's staff can",
}
_WHO_TAKES = {name: _WHO_TAKES.get(name, "only the assigned caseworker or a provider manager can")
              for name in TRANSITIONS}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 25, 100


# --- Reading the request (bodies are declared in portal/referrals/schemas.py) ---

def _answers(answers: schemas.ReferralAnswers | None) -> dict:
    """The answers the client sent (null included) with ISO dates made dates. An unreadable date stays as it is,
    so the operation reports it with every other wrong answer."""
    out = bodies.given(answers) if answers is not None else {}
    for name in DATE_FIELDS:
        value = out.get(name)
        if value in (None, ""):
            if name in out:
                out[name] = None
            continue
        try:
            out[name] = date.fromisoformat(value.strip())
        except ValueError:
            pass  # "must be a real date"
    return out


def _moment(value: str | None, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{name} must be a date and time like 2026-11-24T10:00:00Z", name) from None
    return moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment


def _caseworker(public_id: str | None) -> User | None:
    if public_id in (None, ""):
        return None
    found = db.session.scalar(select(User).where(User.public_id == public_id))
    if found is None:
        raise DomainError("Select a caseworker from your organisation", "caseworker")
    return found


def _step_input(body: schemas.Transition) -> StepInput:
    return StepInput(reason_code=body.reason_code or None, comment=body.comment or "",
                     caseworker=_caseworker(body.caseworker),
                     appointment_at=_moment(body.appointment_at, "appointment_at"),
                     session_at=_moment(body.session_at, "session_at"), attendance=body.attendance,
                     notes=body.notes or "", achievements=body.achievements, report=body.report or "")


def _page_args() -> tuple[int, int]:
    def whole(name: str, default: int, highest: int) -> int:
        raw = request.args.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= highest:
            raise DomainError(f"{name} must be a whole number from 1 to {highest:,}", name)
        return int(raw)
    return whole("page", 1, 100_000), whole("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def _states() -> list[str]:
    wanted = [s.strip() for value in request.args.getlist("state") for s in value.split(",") if s.strip()]
    wrong = [s for s in wanted if s not in State.__members__.values()]
    if wrong:
        raise DomainError(f"state must be one of {', '.join(State)} (not {', '.join(wrong)})", "state")
    return wanted


# --- Writing the response ---

def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _who(user: User | None) -> dict | None:
    return None if user is None else {"id": user.public_id, "name": user.name}


def _summary(referral: Referral) -> dict:
    person = referral.person
    return {
        "id": referral.public_id, "reference": referral.reference, "state": referral.state,
        "state_label": STATE_LABELS[State(referral.state)], "version": referral.version,
        "service": {"id": referral.service.uuid, "name": referral.service.name},
        "person": {"first_name": person.first_name, "last_name": person.last_name, "crn": person.crn},
        "caseworker": _who(referral.assigned_to),
        "sent_at": _iso(referral.sent_at), "updated_at": _iso(referral.updated_at),
        "risk_escalated": referral.escalation_pending,
        "url": url_for("api.referral", public_id=referral.public_id, _external=True),
    }


def _escalation(referral: Referral) -> dict | None:
    """What the referral page shows of a risk escalation: when, the decision, the plan's document and review date."""
    if referral.risk_escalated_at is None:
        return None
    return {"escalated_at": _iso(referral.risk_escalated_at), "pending": referral.escalation_pending,
            "decision": referral.escalation_decision, "decided_at": _iso(referral.escalation_decided_at),
            "plan_document": referral.risk_plan_document or None,
            "review_date": _iso(referral.risk_plan_review_date), "payment_basis": referral.payment_basis}


def _detail(user: User, referral: Referral) -> dict:
    sees_risk = policy.can(user, "referral.view_risk", referral)
    answers = operations.answers_of(referral)
    due = operations.response_due(referral)
    return {
        **_summary(referral),
        "provider": {"id": referral.organisation.public_id, "name": referral.organisation.name},
        "created_by": _who(referral.created_by),
        "created_at": _iso(referral.created_at),
        "answers": {name: value for name, value in answers.items() if name not in RISK_FIELDS},
        "risk": {name: answers[name] for name in ANSWER_FIELDS if name in RISK_FIELDS} if sees_risk else None,
        # The level and MAPPA are what a provider needs to decide: shown to everyone who may see the referral
        # (the narrative and convictions stay in `risk`)
        "risk_level": referral.risk_level, "mappa": referral.mappa,
        "risk_escalation": _escalation(referral),
        "desired_outcomes": [{"text": o["text"], "achievement": o.get("achievement")}
                             for o in referral.desired_outcomes or []],
        "responded_at": _iso(referral.responded_at), "decline_reason": referral.decline_reason,
        "assigned_at": _iso(referral.assigned_at), "first_appointment_at": _iso(referral.first_appointment_at),
        "concluded_at": _iso(referral.concluded_at), "end_reason": referral.end_reason,
        "end_of_service_report": referral.end_of_service_report,
        "response_due": _iso(due), "overdue": operations.is_overdue(referral),
        "sessions": [{"number": s.number, "at": _iso(s.happened_at), "attendance": s.attendance, "notes": s.notes}
                     for s in referral.sessions],
        "history": [{"at": _iso(e.at), "action": e.action, "by": _who(e.actor), "from": e.from_state,
                     "to": e.to_state, "reason_code": e.reason_code, "comment": e.comment,
                     "changes": {name: change for name, change in (e.changes or {}).items()
                                 if sees_risk or name not in RISK_FIELDS}}
                    for e in referral.events],
        "actions": [t.name for t in TRANSITIONS.values()
                    if State(referral.state) in t.to and policy.can(user, f"referral.{t.name}", referral)],
    }


def _show(referral: Referral, status: int = 200):
    """The referral as the token's user may see it; the read is recorded and committed."""
    db.session.flush()
    operations.record_view(current_user, referral, "api")
    body = _detail(current_user, referral)
    db.session.commit()
    response = jsonify(body)
    response.status_code = status
    if status == 201:
        response.headers["Location"] = body["url"]
    return response


# --- Routes ---

@bp.route("/referrals", methods=["GET"])
def referrals():
    page, per_page = _page_args()
    states = _states()
    query = rules.visible_referrals(current_user)
    if states:
        query = query.where(Referral.state.in_(states))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.options(selectinload(Referral.person), selectinload(Referral.service),
                                                 selectinload(Referral.assigned_to))
                                   .order_by(Referral.updated_at.desc(), Referral.id.desc())
                                   .limit(per_page).offset(paging.offset(page, per_page))))
    if rows:  # a list of names is a view of personal data
        audit.record("referral.list_viewed", "referral", "-", actor=current_user,
                     details={"via": "api", "states": states, "referrals": [r.public_id for r in rows]})
    # The reply is built before the commit: a commit expires every loaded row, and reading them again afterwards
    # cost a statement per referral and per relation.
    body = {"referrals": [_summary(r) for r in rows], "page": page, "per_page": per_page, "total": total,
            "pages": max(1, -(-total // per_page))}
    if rows:
        db.session.commit()
    return jsonify(body)


@bp.route("/referrals", methods=["POST"])
def create_referral():
    body = bodies.parse(schemas.NewReferral)
    service = operations.service_for_referral(body.service_id)
    if service is None:
        raise DomainError("service_id must be the id of a service in the directory", "service_id")
    answers = _answers(body.answers)
    referral = operations.start_draft(current_user, service)
    if answers:
        operations.save_draft(current_user, referral, answers)
    return _show(referral, 201)


@bp.route("/referrals/<public_id>", methods=["GET"])
def referral(public_id: str):
    return _show(operations.referral_for(current_user, public_id))


def _draft(public_id: str) -> Referral:
    item = operations.referral_for(current_user, public_id)
    if item.state != State.DRAFT:
        raise DomainError("The referral has been sent: change its details with POST "
                          f"/api/v1/referrals/{public_id}/amendments")
    return item


@bp.route("/referrals/<public_id>", methods=["PATCH"])
def update_referral(public_id: str):
    item = _draft(public_id)
    body = bodies.parse(schemas.DraftChange)
    operations.save_draft(current_user, item, _answers(body.answers), body.version)
    return _show(item)


@bp.route("/referrals/<public_id>/send", methods=["POST"])
def send_referral(public_id: str):
    item = operations.referral_for(current_user, public_id)
    body = bodies.parse(schemas.SendReferral, optional=True)
    operations.apply(current_user, item, "send", expected_version=body.version)
    return _show(item)


@bp.route("/referrals/<public_id>/transitions", methods=["POST"])
def referral_transition(public_id: str):
    item = operations.referral_for(current_user, public_id)
    body = bodies.parse(schemas.Transition)
    action = body.action
    if not policy.can(current_user, f"referral.{action}", item):
        return error_response(403, f"You cannot {TRANSITIONS[action].label.lower()}: "
                                   f"{_WHO_TAKES[action]} take this step.")
    operations.apply(current_user, item, action, _step_input(body), body.version)
    return _show(item)


@bp.route("/referrals/<public_id>/amendments", methods=["POST"])
def amend_referral(public_id: str):
    item = operations.referral_for(current_user, public_id)
    body = bodies.parse(schemas.Amendment)
    operations.amend(current_user, item, _answers(body.answers), body.reason, body.version)
    return _show(item)


@bp.route("/referrals/<public_id>/risk-escalation", methods=["POST"])
def decide_escalation(public_id: str):
    """The same decision, rules and audit as the page /referrals/<id>/risk-escalation."""
    item = operations.referral_for(current_user, public_id)
    body = bodies.parse(schemas.EscalationDecision)
    if not item.escalation_pending:
        raise DomainError("There is no risk escalation waiting for a decision on this referral", "decision")
    if not policy.can(current_user, "referral.decide_escalation", item):
        return error_response(403, "Only the referring probation team can decide what happens after a risk "
                                   "escalation.")
    review_date = None
    if body.review_date not in (None, ""):
        try:
            review_date = date.fromisoformat(body.review_date.strip())
        except ValueError:
            raise DomainError("review_date must be a real date, like 2027-03-27", "review_date") from None
    operations.decide_escalation(current_user, item, body.decision, plan_document=body.plan_document or "",
                                 review_date=review_date, comment=body.comment or "", expected_version=body.version)
    return _show(item)


# --- The OpenAPI document ---

_DATE = {"type": ["string", "null"], "format": "date"}
_MOMENT = {"type": ["string", "null"], "format": "date-time"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_WHO = {"type": ["object", "null"], "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
# Request bodies: generated from the models the API validates with (portal/referrals/schemas.py)
register_bodies(SCHEMAS, *schemas.BODIES)
_ANSWER_PROPERTIES = SCHEMAS["ReferralAnswers"]["properties"]
assert set(_ANSWER_PROPERTIES) == set(ANSWER_FIELDS)

_SUMMARY_PROPERTIES = {
    "id": {"type": "string"}, "reference": {"type": "string"},
    "state": {"type": "string", "enum": [s.value for s in State]}, "state_label": {"type": "string"},
    "version": {"type": "integer"},
    "service": {"type": "object", "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
    "person": {"type": "object", "required": ["first_name", "last_name", "crn"], "properties": {
        "first_name": {"type": "string"}, "last_name": {"type": "string"}, "crn": {"type": "string"}}},
    "caseworker": _WHO, "sent_at": _MOMENT, "updated_at": _MOMENT,
    "risk_escalated": {"type": "boolean", "description": "The risk was escalated and the referring offender "
                                                         "manager has not decided yet (the dashboards' flag)"},
    "url": {"type": "string"},
}

SCHEMAS.update({
    "ReferralSummary": {"type": "object", "required": list(_SUMMARY_PROPERTIES), "properties": _SUMMARY_PROPERTIES},
    "ReferralList": {
        "type": "object", "required": ["referrals", "page", "per_page", "total", "pages"],
        "properties": {"referrals": {"type": "array", "items": {"$ref": "#/components/schemas/ReferralSummary"}},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"},
                       "total": {"type": "integer"}, "pages": {"type": "integer"}},
    },
    "Referral": {
        "type": "object",
        "required": [*_SUMMARY_PROPERTIES, "provider", "answers", "risk", "risk_level", "mappa", "risk_escalation",
                     "desired_outcomes", "history", "actions", "sessions"],
        "properties": {
            **_SUMMARY_PROPERTIES,
            "provider": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "created_by": _WHO, "created_at": _MOMENT,
            "risk_level": {"type": ["string", "null"], "enum": [*RISK_LEVELS, None],
                           "description": "Risk of serious harm (shown before accepting)"},
            "mappa": {"type": ["boolean", "null"], "description": "Managed under MAPPA (shown before accepting)"},
            "risk_escalation": {
                "type": ["object", "null"], "description": "null unless the risk was escalated after sending",
                "required": ["escalated_at", "pending", "decision", "decided_at", "plan_document", "review_date",
                             "payment_basis"],
                "properties": {
                    "escalated_at": {"type": "string", "format": "date-time"},
                    "pending": {"type": "boolean", "description": "waiting for the offender manager's decision"},
                    "decision": {"type": ["string", "null"], "enum": [*ESCALATION_DECISIONS, None]},
                    "decided_at": _MOMENT, "plan_document": _TEXT_OR_NULL, "review_date": _DATE,
                    "payment_basis": {"type": ["string", "null"], "enum": ["fee-for-service", None]}}},
            "answers": {"type": "object", "properties": {k: v for k, v in _ANSWER_PROPERTIES.items()
                                                         if k not in RISK_FIELDS}},
            "risk": {"type": ["object", "null"], "description": "null unless the user may see the risk details "
                                                                "(the referring team; the provider once accepted)",
                     "properties": {k: v for k, v in _ANSWER_PROPERTIES.items() if k in RISK_FIELDS}},
            "desired_outcomes": {"type": "array", "items": {"type": "object", "required": ["text", "achievement"],
                                                            "properties": {
                "text": {"type": "string"},
                "achievement": {"type": ["string", "null"], "enum": ["achieved", "partly", "not-achieved", None]}}}},
            "responded_at": _MOMENT, "decline_reason": _TEXT_OR_NULL, "assigned_at": _MOMENT,
            "first_appointment_at": _MOMENT, "concluded_at": _MOMENT, "end_reason": _TEXT_OR_NULL,
            "end_of_service_report": {"type": "string"}, "response_due": _DATE, "overdue": {"type": "boolean"},
            "sessions": {"type": "array", "items": {"type": "object", "properties": {
                "number": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
                "attendance": {"type": "string", "enum": ["attended", "late", "did-not-attend"]},
                "notes": {"type": "string"}}}},
            "history": {"type": "array", "items": {"type": "object", "required": ["at", "action", "from", "to"],
                                                   "properties": {
                "at": {"type": "string", "format": "date-time"}, "action": {"type": "string"}, "by": _WHO,
                "from": {"type": "string"}, "to": {"type": "string"}, "reason_code": _TEXT_OR_NULL,
                "comment": {"type": "string"},
                "changes": {"type": "object", "description": "field -> [before, after] (amendments)"}}}},
            "actions": {"type": "array", "items": {"type": "string", "enum": list(TRANSITIONS)},
                        "description": "The steps this user may take now"},
        },
    },
})


def _ok(description: str, schema: str = "Referral") -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_ID = [{"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "The referral's id (the `id` in its representation)"}]

PATHS.update({
    "/referrals": {
        "get": {
            "summary": "Referrals you may see (the same as your dashboard), newest change first",
            "operationId": "listReferrals",
            "parameters": [
                {"name": "state", "in": "query", "required": False, "style": "form", "explode": True,
                 "schema": {"type": "array", "items": {"type": "string", "enum": [s.value for s in State]}},
                 "description": "Only referrals in these states (repeat, or separate with commas)"},
                {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
            ],
            "responses": {"200": _ok("One page of referrals", "ReferralList"), **error_responses(400, 401)},
        },
        "post": {
            "summary": "Start a draft referral to a directory service (offender managers)",
            "operationId": "createReferral",
            "requestBody": request_body(schemas.NewReferral),
            "responses": {"201": _ok("The draft"), **error_responses(400, 401, 403)},
        },
    },
    "/referrals/{public_id}": {
        "get": {"parameters": _ID, "summary": "One referral (risk details only for those who may see them)",
                "operationId": "getReferral",
                "responses": {"200": _ok("The referral"), **error_responses(401, 404)}},
        "patch": {"parameters": _ID, "summary": "Save answers to a draft", "operationId": "updateDraftReferral",
                  "requestBody": request_body(schemas.DraftChange),
                  "responses": {"200": _ok("The draft"), **error_responses(400, 401, 404, 409)}},
    },
    "/referrals/{public_id}/send": {
        "post": {"parameters": _ID,
                 "summary": "Send a draft to the provider (every answer needed; the risk rules apply)",
                 "operationId": "sendReferral",
                 "requestBody": request_body(schemas.SendReferral, required=False),
                 "responses": {"200": _ok("The sent referral"), **error_responses(400, 401, 403, 404, 409)}},
    },
    "/referrals/{public_id}/transitions": {
        "post": {"parameters": _ID,
                 "summary": "Take a step: accept, decline, assign, book, record_session, complete, withdraw, "
                            "end_early (or send)",
                 "operationId": "transitionReferral",
                 "requestBody": request_body(schemas.Transition),
                 "responses": {"200": _ok("The referral after the step"),
                               **error_responses(400, 401, 403, 404, 409)}},
    },
    "/referrals/{public_id}/risk-escalation": {
        "post": {"parameters": _ID,
                 "summary": "After a risk escalation, the referring offender manager's decision: refer on (withdraws "
                            "the referral) or continue under a risk management plan (its document and review date)",
                 "operationId": "decideRiskEscalation",
                 "requestBody": request_body(schemas.EscalationDecision),
                 "responses": {"200": _ok("The referral after the decision"),
                               **error_responses(400, 401, 403, 404, 409)}},
    },
    "/referrals/{public_id}/amendments": {
        "post": {"parameters": _ID, "summary": "Change a sent referral's answers, saying why (the referring team)",
                 "operationId": "amendReferral",
                 "requestBody": request_body(schemas.Amendment),
                 "responses": {"200": _ok("The amended referral"), **error_responses(400, 401, 403, 404, 409)}},
    },
})
