"""View models for the Corporate Alliance's pages: what each person is shown, and nothing more.

The employer's view of a nomination never carries the practitioner's reference for the person, and carries
the details shared "if an interview is offered" only once one is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import url_for

from portal import charts
from portal.accounts.models import User
from portal.employers import operations
from portal.employers import vocabulary as v
from portal.employers.models import AllianceMembership, Nomination, Opportunity
from portal.templating import govuk_date


def level_badge(level: int | None) -> str:
    return f"Level {level}" if level else "Not verified yet"


# --- The Alliance ---

@dataclass
class AllianceRow:
    name: str
    level: int
    regions: list[str]
    offers: list[str]
    results: operations.Results


def alliance_page(members: list[AllianceMembership]) -> dict[int, list[AllianceRow]]:
    results = operations.results_by_organisation([m.organisation_id for m in members])
    by_level: dict[int, list[AllianceRow]] = {level: [] for level in sorted(v.LEVELS, reverse=True)}
    for member in members:
        offers = [f"{v.PLEDGE_KINDS[p.kind]}: {p.description}" + (f" ({p.area})" if p.area else "")
                  + (f", {p.quantity:,}" if p.quantity else "") for p in member.pledges
                  if p.level <= (member.verified_level or 0)]
        by_level[member.verified_level].append(AllianceRow(
            member.organisation.name, member.verified_level, [r.name for r in member.organisation.regions], offers,
            results.get(member.organisation_id, operations.Results())))
    return by_level


def alliance_totals(rows: dict[int, list[AllianceRow]]) -> operations.Results:
    total = operations.Results()
    for row in (row for level in rows.values() for row in level):
        for name in ("opportunities", "interviews", "hired", "retained"):
            setattr(total, name, getattr(total, name) + getattr(row.results, name))
    return total


# --- Opportunities ---

def opportunity_rows(opportunity: Opportunity) -> list[tuple[str, str]]:
    """The opportunity's details as (label, text) pairs for a summary list; only what was filled in."""
    rows = [("Type", v.OPPORTUNITY_KINDS[opportunity.kind]), ("Employer", opportunity.organisation.name),
            ("Sector", v.INDUSTRIES[opportunity.industry]), ("Description", opportunity.description)]
    if opportunity.minimum_requirements:
        rows.append(("Minimum requirements", opportunity.minimum_requirements))
    if opportunity.training_course:
        rows.append(("Linked training course", f"{opportunity.training_course}, delivered by "
                                               f"{opportunity.training_provider}"))
    if opportunity.kind == "work-placement":
        rows.append(("Paid", {True: "Paid", False: "Unpaid", None: "Not said"}[opportunity.paid]))
        rows.append(("Release on temporary licence", "Open to people on ROTL" if opportunity.rotl else "No"))
    if opportunity.places is not None:
        label = "Interviews guaranteed" if opportunity.kind == "guaranteed-interview" else "Places"
        rows.append((label, f"{opportunity.places:,}"))
    rows.append(("Where", "; ".join(f"{loc.town}, {loc.postcode}" for loc in opportunity.locations)))
    rows.append(("Open to prisons", ", ".join(p.name for p in opportunity.prisons) or "Any prison"))
    rows.append(("Open to contract package areas",
                 ", ".join(c.name for c in opportunity.contract_package_areas) or "Any area"))
    rows.append(("Closing date", govuk_date(opportunity.closing_date) if opportunity.closing_date else "None"))
    if opportunity.conviction_position:
        rows.append(("The employer's position on convictions", opportunity.conviction_position))
    return rows


def opportunity_status(opportunity: Opportunity) -> str:
    if opportunity.status != "open":
        return "Closed"
    if opportunity.closing_date is not None and opportunity.closing_date < operations.today():
        return "Past its closing date"
    return "Open"


# --- Nominations ---

@dataclass
class StepRow:
    label: str
    on_date: date
    recorded_by: str
    recorded_at: object


@dataclass
class NominationView:
    public_id: str
    reference: str
    party: str
    state_label: str
    opportunity_title: str
    opportunity_href: str
    employer: str
    details: list[tuple[str, str]]
    consent: str
    steps: list[StepRow]
    next_steps: list[tuple[str, str, str]] = field(default_factory=list)  # (step, action, href)
    closed_because: str = ""
    due: str = ""
    version: int = 1


def _who(user: User | None) -> str:
    if user is None:
        return "The portal"
    where = user.organisation.name if user.organisation else (
        user.probation_delivery_unit.name if user.probation_delivery_unit else (
            user.probation_region.name if user.probation_region else (user.prison.name if user.prison else "")))
    return f"{user.name} ({user.role_enum.label.lower()}{', ' + where if where else ''})"


def nomination_view(nomination: Nomination, party: str, user: User) -> NominationView:
    """A nomination as `party` ("employer" or "practitioner") may see it."""
    details = [("First name", nomination.first_name), ("Skills", nomination.skills),
               ("Relevant training", nomination.training or "None given"),
               ("Availability", nomination.availability)]
    if party == v.PRACTITIONER:
        details.insert(0, ("Their reference", nomination.person_reference))
    if nomination.interview_details and (party == v.PRACTITIONER or nomination.state in v.INTERVIEW_STAGE
                                         or nomination.step("interview-offered") is not None):
        details.append(("Shared once an interview is offered", nomination.interview_details))
    consent = (f"{v.CONSENT_METHODS[nomination.consent_method]}, recorded by {_who(nomination.consent_recorded_by)} "
               f"on {govuk_date(nomination.consent_recorded_at)}")
    labels = {**{k: s.label for k, s in v.STEPS.items()}, "interview-offered": "Interview offered for"}
    steps = [StepRow(labels[s.step], s.on_date, _who(s.recorded_by), s.recorded_at) for s in nomination.steps]
    due = operations.due_step(nomination)
    return NominationView(
        public_id=nomination.public_id, reference=nomination.reference, party=party,
        state_label=v.STEPS[nomination.state].label, opportunity_title=nomination.opportunity.title,
        opportunity_href=url_for("employers.opportunity", public_id=nomination.opportunity.public_id),
        employer=nomination.opportunity.organisation.name, details=details, consent=consent, steps=steps,
        next_steps=[(step, v.STEPS[step].action, url_for("employers.record_step", public_id=nomination.public_id,
                                                         step=step))
                    for step in operations.allowed_steps(user, nomination)],
        closed_because=v.CLOSE_REASONS.get(nomination.close_reason, "") if nomination.state == "closed" else "",
        due=due.what if due and party in due.parties else "", version=nomination.version)


@dataclass
class NominationRow:
    reference: str
    href: str
    first_name: str
    opportunity: str
    employer: str
    state: str
    updated: object
    nominated_by: str


def nomination_rows(nominations: list[Nomination]) -> list[NominationRow]:
    return [NominationRow(n.reference, url_for("employers.nomination", public_id=n.public_id), n.first_name,
                          n.opportunity.title, n.opportunity.organisation.name, v.STEPS[n.state].label,
                          n.updated_at, n.nominated_by.name) for n in nominations]


# --- The employer dashboard ---

@dataclass
class MeasureChart:
    chart: charts.ColumnChart
    rows: list[tuple[str, int]]
    total: int


def dashboard_charts(outcomes: dict[str, list[tuple[date, int]]]) -> list[MeasureChart]:
    found = []
    for step, title in operations.MONTHLY_MEASURES.items():
        series = outcomes[step]
        labels = [f"{month:%b}" for month, _ in series]
        values = [count for _, count in series]
        chart = charts.column_chart(f"chart-{step}", f"{title} by month", labels, values)
        found.append(MeasureChart(chart, [(f"{month:%B %Y}", count) for month, count in series], sum(values)))
    return found
