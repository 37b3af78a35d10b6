"""/api/v1/expressions-of-interest: published, unexpired entries for lead providers' tools, with the partner
database's filters and facet counts. Token users who may search the partner database (lead provider staff and
administrators) only; everyone else gets 403."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from portal import policy
from portal.api.blueprint import bp
from portal.api.openapi import PATHS, SCHEMAS, error_responses
from portal.errors import DomainError
from portal.supply_chain import operations
from portal.supply_chain import vocabulary as v
from portal.supply_chain.models import ExpressionVersion
from portal.supply_chain.partner_views import criteria_from

MAX_PER_PAGE = 100


class NotFound(DomainError):
    status = 404


def entry(version: ExpressionVersion) -> dict:
    a, expression = version.answers, version.expression
    return {
        "id": expression.public_id,
        "organisation": {"id": expression.organisation.public_id, "name": version.name,
                         "website": a.get("website") or None, "email": a.get("contact_email") or None,
                         "telephone": a.get("contact_phone") or None,
                         "charity_number": a.get("charity_number") or None,
                         "company_number": a.get("company_number") or None},
        "description": a.get("description") or "",
        "sector": a.get("sector"), "income_band": a.get("income_band"),
        "staff": a.get("staff"), "volunteers": a.get("volunteers"),
        "pathways": version.tag_codes("pathway"), "specialisms": version.tag_codes("specialism"),
        "other_specialisms": a.get("other_specialisms") or "", "settings": version.tag_codes("setting"),
        "contract_package_areas": version.tag_codes("cpa"), "regions": version.tag_codes("region"),
        "capacity": a.get("capacity"), "risk_appetite": a.get("risk_appetite"),
        "evidence": {"case_studies": a.get("case_studies") or "", "quality_marks": a.get("quality_marks") or "",
                     "outcomes": a.get("outcomes") or "", "references": a.get("references") or "",
                     "safeguarding_policy": a.get("safeguarding_policy") == "yes",
                     "data_protection_policy": a.get("data_protection_policy") == "yes",
                     "insurance": a.get("insurance") == "yes",
                     "documents": [{"id": d.public_id, "kind": d.kind, "title": d.title, "filename": d.filename,
                                    "size": d.size} for d in expression.documents_of(version)]},
        "approved_at": expression.approved_at.isoformat() if expression.approved_at else None,
        "expires_at": expression.expires_at.isoformat() if expression.expires_at else None,
    }


@bp.route("/expressions-of-interest")
def list_expressions_of_interest():
    policy.authorize(current_user, "partners.search")
    criteria = criteria_from(request.args, strict=True)
    raw = (request.args.get("per_page") or str(operations.PER_PAGE)).strip()
    if not (raw.isdigit() and 1 <= int(raw) <= MAX_PER_PAGE):
        raise DomainError(f"per_page: must be a whole number from 1 to {MAX_PER_PAGE}", "per_page")
    found = operations.search(criteria, per_page=int(raw))
    return jsonify({
        "total": found.total, "page": criteria.page, "per_page": int(raw),
        "items": [entry(version) for version in found.versions],
        "facets": {name: {count.code: count.count for count in counts} for name, counts in found.facets.items()},
    })


@bp.route("/expressions-of-interest/<expression_id>")
def get_expression_of_interest(expression_id: str):
    policy.authorize(current_user, "partners.search")
    expression = operations.live_expression(expression_id)
    if expression is None or not expression.is_live():
        raise NotFound("No published expression of interest has this id")
    return jsonify(entry(expression.published_version))


def _filter(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "style": "form",
            "explode": True, "schema": {"type": "array", "items": {"type": "string",
                                                                   "enum": list(v.FACETS[name].terms)}}}


_codes = {"type": "array", "items": {"type": "string"}}
SCHEMAS["ExpressionOfInterest"] = {
    "type": "object",
    "required": ["id", "organisation", "pathways", "contract_package_areas", "approved_at", "expires_at"],
    "properties": {
        "id": {"type": "string"},
        "organisation": {"type": "object", "properties": {
            **{key: {"type": ["string", "null"]} for key in ("id", "name", "website", "email", "telephone",
                                                              "charity_number", "company_number")}}},
        "description": {"type": "string"},
        "sector": {"type": ["string", "null"], "enum": [*v.SECTORS, None]},
        "income_band": {"type": ["string", "null"], "enum": [*v.INCOME_BANDS, None]},
        "staff": {"type": ["integer", "null"]}, "volunteers": {"type": ["integer", "null"]},
        "pathways": _codes, "specialisms": _codes, "other_specialisms": {"type": "string"}, "settings": _codes,
        "contract_package_areas": _codes, "regions": _codes, "capacity": {"type": ["integer", "null"]},
        "risk_appetite": {"type": ["string", "null"], "enum": [*v.RISK_APPETITES, None]},
        "evidence": {"type": "object"},
        "approved_at": {"type": ["string", "null"], "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
SCHEMAS["ExpressionOfInterestPage"] = {
    "type": "object", "required": ["total", "page", "per_page", "items", "facets"],
    "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/ExpressionOfInterest"}},
        "facets": {"type": "object", "description": "For each filter, the number of entries each value would give "
                                                    "(counted over the entries matching every other filter)",
                   "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}}},
    },
}
PATHS["/expressions-of-interest"] = {"get": {
    "summary": "Published expressions of interest (the partner database), with facet counts",
    "operationId": "listExpressionsOfInterest",
    "description": "Lead provider staff and administrators. Filters take one or more values (repeat the "
                   "parameter or separate values with commas): values within a filter are OR'd, filters are "
                   "AND'd. Only published entries that have not expired are returned, by organisation name.",
    "parameters": [
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200},
         "description": "Words that must all appear (name, description, specialisms, evidence)"},
        _filter("cpa", "Contract package area"), _filter("region", "Region"),
        _filter("pathway", "Resettlement pathway"), _filter("specialism", "Specialism"),
        _filter("setting", "Setting"), _filter("sector", "Sector"), _filter("size", "Annual income band"),
        _filter("risk", "Appetite for payment-by-results risk"),
        {"name": "page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}},
        {"name": "per_page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": operations.PER_PAGE}},
    ],
    "responses": {"200": {"description": "A page of entries", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ExpressionOfInterestPage"}}}}, **error_responses(400, 401, 403)},
}}
PATHS["/expressions-of-interest/{expression_id}"] = {"get": {
    "summary": "One published expression of interest",
    "operationId": "getExpressionOfInterest",
    "parameters": [{"name": "expression_id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "The entry", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ExpressionOfInterest"}}}}, **error_responses(401, 403, 404)},
}}
