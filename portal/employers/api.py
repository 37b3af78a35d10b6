"""Corporate Alliance routes of the JSON API: opportunities (to find), nominations (for the nominating
practitioner, their team and the employer). Read only; token-authenticated like the rest of /api/v1.

An employer's view of a nomination has no `person_reference`, and `interview_details` only once an interview
has been offered; every read of a nomination is audited.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user

from portal import policy
from portal.api.blueprint import bp
from portal.api.openapi import PATHS, SCHEMAS, error_responses
from portal.employers import operations, rules
from portal.employers import vocabulary as v
from portal.employers.models import Nomination, Opportunity
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized, load_or_404

MAX_PER_PAGE = 100


def _whole_number(name: str, default: int, highest: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise DomainError(f"{name}: must be a whole number from 1 to {highest:,}", name)
    return int(raw)


def opportunity_json(opportunity: Opportunity, miles: float | None = None) -> dict:
    body = {
        "id": opportunity.public_id,
        "type": opportunity.kind,
        "title": opportunity.title,
        "description": opportunity.description,
        "sector": opportunity.industry,
        "employer": {"id": opportunity.organisation.public_id, "name": opportunity.organisation.name},
        "minimum_requirements": opportunity.minimum_requirements,
        "training_course": opportunity.training_course or None,
        "training_provider": opportunity.training_provider or None,
        "paid": opportunity.paid,
        "rotl": opportunity.rotl,
        "places": opportunity.places,
        "closing_date": opportunity.closing_date.isoformat() if opportunity.closing_date else None,
        "conviction_position": opportunity.conviction_position,
        "status": opportunity.status,
        "locations": [{"postcode": loc.postcode, "town": loc.town, "latitude": loc.latitude,
                       "longitude": loc.longitude} for loc in opportunity.locations],
        "prisons": [p.code for p in opportunity.prisons],
        "contract_package_areas": [c.slug for c in opportunity.contract_package_areas],
        "url": url_for("employers.opportunity", public_id=opportunity.public_id, _external=True),
    }
    if miles is not None:
        body["distance_miles"] = round(miles, 1)
    return body


def nomination_json(nomination: Nomination, party: str) -> dict:
    shared_interview = nomination.step("interview-offered") is not None
    body = {
        "id": nomination.public_id,
        "reference": nomination.reference,
        "opportunity": {"id": nomination.opportunity.public_id, "title": nomination.opportunity.title,
                        "employer": nomination.opportunity.organisation.name},
        "state": nomination.state,
        "first_name": nomination.first_name,
        "skills": nomination.skills,
        "training": nomination.training,
        "availability": nomination.availability,
        "interview_details": nomination.interview_details
        if party == v.PRACTITIONER or shared_interview else None,
        "consent": {"method": nomination.consent_method,
                    "recorded_at": nomination.consent_recorded_at.isoformat()},
        "close_reason": nomination.close_reason or None,
        "steps": [{"step": s.step, "on": s.on_date.isoformat(), "recorded_at": s.recorded_at.isoformat()}
                  for s in nomination.steps],
        "url": url_for("employers.nomination", public_id=nomination.public_id, _external=True),
    }
    if party == v.PRACTITIONER:
        body["person_reference"] = nomination.person_reference
    return body


@bp.route("/opportunities", endpoint="employers_opportunities")
def opportunities():
    policy.authorize(current_user, "opportunity.find")
    args = request.args
    filters = operations.OpportunityFilters.parse(
        text=args.get("q", ""), kinds=args.getlist("type"), industries=args.getlist("sector"),
        location=args.get("location", ""), postcode=args.get("postcode", ""), miles=args.get("distance"),
        region=args.get("region", ""), cpa=args.get("cpa", ""), prison=args.get("prison", ""))
    page = operations.find_opportunities(filters, page=_whole_number("page", 1, 10_000),
                                         per_page=_whole_number("per_page", operations.PER_PAGE, MAX_PER_PAGE))
    return jsonify({"total": page.total, "page": page.page, "per_page": page.per_page,
                    "items": [opportunity_json(found.opportunity, found.miles) for found in page.items]})


@bp.route("/opportunities/<public_id>", endpoint="employers_opportunity")
def opportunity(public_id: str):
    found = authorized(current_user, "opportunity.view", Opportunity, public_id, options=operations.OPPORTUNITY_LOADING)
    return jsonify(opportunity_json(found))


@bp.route("/nominations", endpoint="employers_nominations")
def nominations():
    policy.authorize(current_user, "nomination.list")
    state = request.args.get("state", "")
    if state and state not in v.STEPS:
        raise DomainError(f"state: must be one of {', '.join(v.STEPS)}", "state")
    found = operations.list_nominations(current_user, state or None)
    body = [nomination_json(n, rules.nomination_party(current_user, n)) for n in found]
    db.session.commit()  # the audit record
    return jsonify({"total": len(body), "items": body})


@bp.route("/nominations/<public_id>", endpoint="employers_nomination")
def nomination(public_id: str):
    found = load_or_404(Nomination, public_id, options=operations.NOMINATION_LOADING)
    party = operations.view_nomination(current_user, found, via="api")
    db.session.commit()
    return jsonify(nomination_json(found, party))


# --- The OpenAPI document ---

_STRING_OR_NULL = {"type": ["string", "null"]}
SCHEMAS.update({
    "Opportunity": {
        "type": "object",
        "required": ["id", "type", "title", "sector", "employer", "locations", "status", "url"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "enum": list(v.OPPORTUNITY_KINDS)},
            "title": {"type": "string"}, "description": {"type": "string"},
            "sector": {"type": "string", "enum": list(v.INDUSTRIES)},
            "employer": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "minimum_requirements": {"type": "string"},
            "training_course": _STRING_OR_NULL, "training_provider": _STRING_OR_NULL,
            "paid": {"type": ["boolean", "null"]}, "rotl": {"type": "boolean"},
            "places": {"type": ["integer", "null"]},
            "closing_date": {"type": ["string", "null"], "format": "date"},
            "conviction_position": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "locations": {"type": "array", "items": {"type": "object", "properties": {
                "postcode": {"type": "string"}, "town": {"type": "string"}, "latitude": {"type": "number"},
                "longitude": {"type": "number"}}}},
            "prisons": {"type": "array", "items": {"type": "string"}},
            "contract_package_areas": {"type": "array", "items": {"type": "string"}},
            "distance_miles": {"type": "number", "description": "Only when searching near a postcode"},
            "url": {"type": "string"},
        },
    },
    "Nomination": {
        "type": "object",
        "required": ["id", "reference", "opportunity", "state", "first_name", "steps"],
        "properties": {
            "id": {"type": "string"},
            "reference": {"type": "string", "description": "The portal's reference, like EMP-7KQ2XD"},
            "person_reference": {"type": "string", "description": "The practitioner's CRN or prison number. "
                                                                  "Never given to the employer."},
            "opportunity": {"type": "object", "properties": {
                "id": {"type": "string"}, "title": {"type": "string"}, "employer": {"type": "string"}}},
            "state": {"type": "string", "enum": list(v.STEPS)},
            "first_name": {"type": "string"}, "skills": {"type": "string"}, "training": {"type": "string"},
            "availability": {"type": "string"},
            "interview_details": {"type": ["string", "null"],
                                  "description": "For the employer, only once an interview has been offered"},
            "consent": {"type": "object", "properties": {
                "method": {"type": "string", "enum": list(v.CONSENT_METHODS)},
                "recorded_at": {"type": "string", "format": "date-time"}}},
            "close_reason": {"type": ["string", "null"], "enum": [*v.CLOSE_REASONS, None]},
            "steps": {"type": "array", "items": {"type": "object", "properties": {
                "step": {"type": "string"}, "on": {"type": "string", "format": "date"},
                "recorded_at": {"type": "string", "format": "date-time"}}}},
            "url": {"type": "string"},
        },
    },
})


def _query(name: str, description: str, schema: dict | None = None, explode: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "description": description,
                 "schema": schema or {"type": "string"}}
    if explode:
        parameter |= {"style": "form", "explode": True}
    return parameter


def _ok(schema: dict, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def _list_of(ref: str) -> dict:
    return {"type": "object", "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}}}


_ID = [{"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}]
PATHS.update({
    "/opportunities": {"get": {
        "summary": "Find open opportunities from Corporate Alliance employers",
        "operationId": "listOpportunities",
        "parameters": [
            _query("q", "Words to find in the title, description, requirements, training, employer or town"),
            _query("type", "Types of opportunity (repeat for more than one)",
                   {"type": "array", "items": {"type": "string", "enum": list(v.OPPORTUNITY_KINDS)}}, True),
            _query("sector", "Sectors (repeat for more than one)",
                   {"type": "array", "items": {"type": "string", "enum": list(v.INDUSTRIES)}}, True),
            _query("location", "A town or postcode district where the opportunity is"),
            _query("postcode", "Only opportunities within `distance` miles of this postcode, nearest first"),
            _query("distance", "Miles from the postcode", {"type": "integer",
                                                          "enum": list(operations.DISTANCES_MILES)}),
            _query("region", "Region slug, like north-east"),
            _query("cpa", "Contract package area slug, like west-yorkshire"),
            _query("prison", "Prison code, like LEI"),
            _query("page", "Page number", {"type": "integer", "minimum": 1}),
            _query("per_page", "Results a page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
        ],
        "responses": {**_ok(_list_of("Opportunity"), "One page of opportunities"), **error_responses(400, 401, 403)},
    }},
    "/opportunities/{public_id}": {"get": {
        "summary": "One opportunity",
        "operationId": "getOpportunity",
        "parameters": _ID,
        "responses": {**_ok({"$ref": "#/components/schemas/Opportunity"}, "The opportunity"),
                      **error_responses(401, 404)},
    }},
    "/nominations": {"get": {
        "summary": "Nominations you may see: those you or your team made, or those for your organisation's "
                   "opportunities",
        "operationId": "listNominations",
        "parameters": [_query("state", "Only nominations at this step", {"type": "string", "enum": list(v.STEPS)})],
        "responses": {**_ok(_list_of("Nomination"), "The nominations"), **error_responses(400, 401, 403)},
    }},
    "/nominations/{public_id}": {"get": {
        "summary": "One nomination (every read is recorded in the audit log)",
        "operationId": "getNomination",
        "parameters": _ID,
        "responses": {**_ok({"$ref": "#/components/schemas/Nomination"}, "The nomination"),
                      **error_responses(401, 404)},
    }},
})
