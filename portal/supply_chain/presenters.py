"""View models: an entry in words, the partner search page, CSV rows and the coverage table and chart."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import url_for

from portal import csv_safe, paging
from portal.supply_chain import vocabulary as v
from portal.supply_chain.models import Expression, ExpressionVersion
from portal.supply_chain.operations import Coverage, Criteria, SearchResult
from portal.templating import govuk_date


def _names(codes, terms: dict[str, str]) -> str:
    return ", ".join(terms[c] for c in codes or [] if c in terms)


def _number(value) -> str:
    return "" if value is None else f"{value:,}"


SECTIONS: list[tuple[str, list[tuple[str, str, callable]]]] = [
    ("Organisation", [
        ("organisation_name", "Name", str),
        ("description", "What the organisation does", str),
        ("website", "Website", str),
        ("contact_email", "Email address", str),
        ("contact_phone", "Telephone", str),
        ("charity_number", "Registered charity number", str),
        ("company_number", "Company number", str),
    ]),
    ("Sector and size", [
        ("sector", "Sector", lambda c: v.SECTORS.get(c, "")),
        ("income_band", "Annual income", lambda c: v.INCOME_BANDS.get(c, "")),
        ("staff", "Paid staff", _number),
        ("volunteers", "Volunteers", _number),
    ]),
    ("Expertise", [
        ("pathways", "Resettlement pathways", lambda c: _names(c, v.PATHWAYS)),
        ("specialisms", "Specialisms", lambda c: _names(c, v.SPECIALISMS)),
        ("other_specialisms", "Other specialisms", str),
        ("settings", "Settings", lambda c: _names(c, v.SETTINGS)),
    ]),
    ("Where and how many", [
        ("cpas", "Contract package areas", lambda c: _names(c, v.CONTRACT_PACKAGE_AREAS)),
        ("regions", "Regions", lambda c: _names(c, v.REGIONS)),
        ("capacity", "People a year", _number),
    ]),
    ("Evidence", [
        ("case_studies", "Case studies", str),
        ("quality_marks", "Quality marks and accreditations", str),
        ("outcomes", "Outcomes data", str),
        ("references", "References", str),
        ("safeguarding_policy", "Safeguarding policy", lambda c: v.YES_NO.get(c, "")),
        ("data_protection_policy", "Data protection policy", lambda c: v.YES_NO.get(c, "")),
        ("insurance", "Public and employer's liability insurance", lambda c: v.YES_NO.get(c, "")),
    ]),
    ("Risk", [
        ("risk_appetite", "Appetite for payment-by-results risk", lambda c: v.RISK_APPETITES.get(c, "")),
    ]),
]


@dataclass
class Row:
    key: str
    label: str
    value: str


def sections(version: ExpressionVersion | None, *, blanks: bool = False) -> list[tuple[str, list[Row]]]:
    """An entry's answers in words, section by section (unanswered ones left out unless `blanks`)."""
    answers = version.answers if version else {}
    out = []
    for heading, fields in SECTIONS:
        rows = []
        for key, label, show in fields:
            value = answers.get(key)
            text = show(value) if value not in (None, "", []) else ""
            if text or blanks:
                rows.append(Row(key, label, text))
        if rows:
            out.append((heading, rows))
    return out


# --- The partner search page ---

@dataclass
class FacetGroup:
    name: str
    legend: str
    options: list
    chosen: bool


@dataclass
class Result:
    name: str
    href: str
    summary: str
    pathways: list[str]
    areas: str
    sector: str
    size: str
    risk: str
    approved: str


@dataclass
class SearchPage:
    criteria: Criteria
    total: int
    results: list[Result]
    facets: list[FacetGroup]
    pagination: dict | None
    export_href: str
    clear_href: str
    any_filters: bool
    shortlists: list = field(default_factory=list)

    @property
    def total_text(self) -> str:
        return f"{self.total:,} organisation{'s' if self.total != 1 else ''} found"


def _summary(text: str, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def result(version: ExpressionVersion) -> Result:
    answers = version.answers
    expression = version.expression
    return Result(
        name=version.name, href=url_for("supply_chain.partner", expression_id=expression.public_id),
        summary=_summary(answers.get("description", "")),
        pathways=[v.PATHWAYS[c] for c in answers.get("pathways") or [] if c in v.PATHWAYS],
        areas=_names(answers.get("cpas"), v.CONTRACT_PACKAGE_AREAS),
        sector=v.SECTORS.get(answers.get("sector"), ""), size=v.INCOME_BANDS.get(answers.get("income_band"), ""),
        risk=v.RISK_APPETITES.get(answers.get("risk_appetite"), ""), approved=govuk_date(
            expression.approved_at.date() if expression.approved_at else None))


def search_page(criteria: Criteria, found: SearchResult, per_page: int) -> SearchPage:
    groups = [FacetGroup(name, v.FACETS[name].legend, options, any(o.chosen for o in options))
              for name, options in found.facets.items()]
    pagination = paging.pagination(criteria.page, paging.page_count(found.total, per_page),
                                   lambda number: url_for("supply_chain.partners", **criteria.args(page=number)),
                                   label="Pages of organisations")
    return SearchPage(criteria, found.total, [result(version) for version in found.versions], groups, pagination,
                      url_for("supply_chain.export_partners", **criteria.args()),
                      url_for("supply_chain.partners"), bool(criteria.text or criteria.chosen))


# --- CSV ---

CSV_COLUMNS = ["Organisation", "Website", "Email address", "Telephone", "Registered charity number",
               "Company number", "Sector", "Annual income", "Paid staff", "Volunteers", "Resettlement pathways",
               "Specialisms", "Settings", "Contract package areas", "Regions", "People a year",
               "Appetite for payment-by-results risk", "Approved", "Expires", "Link"]


def csv_rows(versions: Iterable[ExpressionVersion]) -> Iterable[list[str]]:
    yield CSV_COLUMNS
    for version in versions:
        a, expression = version.answers, version.expression
        yield [x for x in (
            version.name, a.get("website"), a.get("contact_email"), a.get("contact_phone"), a.get("charity_number"),
            a.get("company_number"), v.SECTORS.get(a.get("sector"), ""), v.INCOME_BANDS.get(a.get("income_band"), ""),
            a.get("staff"), a.get("volunteers"), _names(a.get("pathways"), v.PATHWAYS),
            _names(a.get("specialisms"), v.SPECIALISMS), _names(a.get("settings"), v.SETTINGS),
            _names(a.get("cpas"), v.CONTRACT_PACKAGE_AREAS), _names(a.get("regions"), v.REGIONS), a.get("capacity"),
            v.RISK_APPETITES.get(a.get("risk_appetite"), ""),
            expression.approved_at.date().isoformat() if expression.approved_at else "",
            expression.expires_at.date().isoformat() if expression.expires_at else "",
            url_for("supply_chain.partner", expression_id=expression.public_id, _external=True))]


def to_csv(versions: Iterable[ExpressionVersion]) -> str:
    """The rows as CSV, each cell through the portal's one formula-safe helper."""
    return csv_safe.rows_to_csv(csv_rows(versions))


# --- Coverage ---

@dataclass
class CoveragePage:
    coverage: Coverage

    @property
    def rows(self) -> list[dict]:
        c = self.coverage
        return [{"name": name, "total": c.totals.get(slug, 0),
                 "cells": [c.cells.get((slug, p), 0) for p, _ in c.pathways]} for slug, name in c.areas]

    @property
    def gaps(self) -> int:
        return sum(1 for row in self.rows for n in row["cells"] if n == 0)

    @property
    def chart_rows(self) -> list[dict]:
        """Organisations per area, as rows for the `bar_chart` macro."""
        counts = [(name, self.coverage.totals.get(slug, 0)) for slug, name in self.coverage.areas]
        return [{"label": name, "values": [{"value": n, "text": f"{n:,}"}]} for name, n in counts]


def expression_status(expression: Expression | None) -> str:
    if expression is None or expression.latest_version is None:
        return "Not started"
    if expression.published_version is not None and not expression.is_live():
        return "Expired"
    return expression.latest_version.state_label
