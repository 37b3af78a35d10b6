"""View models for the public directory pages: search results, a service, saved lists, search gaps.

Templates get plain values in the order they are shown; every decision about wording, labels, links and
what to leave out is made here, so the templates only lay things out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for

from portal import paging, policy
from portal.accounts.models import User
from portal.directory import vocabulary
from portal.directory.finding import (
    FACETS,
    MAX_PAGE,
    PER_PAGE,
    SORTS,
    Criteria,
    describe_filters,
    is_listed,
    normalise_query,
    shown_facets,
)
from portal.directory.indexing import freshness
from portal.directory.models import SavedList, SearchGap, Service
from portal.templating import LONDON
from search import Hit, SearchResult

SUMMARY_CHARS = 220
CAPACITY_TAG = {"accepting": "govuk-tag--green", "waiting-list": "govuk-tag--yellow", "full": "govuk-tag--red"}
REPORT_PROBLEM = "directory.report_problem"


def _labels(codes, names: dict[str, str]) -> list[str]:
    return [names.get(code, code) for code in codes or []]


def _summary(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) <= SUMMARY_CHARS:
        return text
    return text[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def miles_text(metres: float | None) -> str | None:
    if metres is None:
        return None
    miles = metres / 1609.344
    if miles < 0.1:
        return "Less than 0.1 miles"
    number = f"{miles:.1f}".removesuffix(".0") if miles < 10 else f"{round(miles)}"
    return f"{number} mile{'' if number == '1' else 's'}"


def services_count(total: int, capped: bool = False) -> str:
    return f"{total:,}{'+' if capped else ''} service{'' if total == 1 and not capped else 's'}"


def _report_problem_href(service_uuid: str) -> str | None:
    """The link to report a problem, once that page exists (it is built alongside this one)."""
    if REPORT_PROBLEM not in current_app.view_functions:
        return None
    return url_for(REPORT_PROBLEM, service_uuid=service_uuid)


# --- Search results ---

@dataclass
class Option:
    value: str
    label: str
    count: int
    checked: bool


@dataclass
class FacetGroup:
    name: str
    legend: str
    options: list[Option]

    @property
    def chosen(self) -> bool:
        return any(option.checked for option in self.options)


@dataclass
class ResultItem:
    name: str
    href: str
    organisation: str
    summary: str
    pathways: list[str]
    distance: str | None
    last_checked: date | None
    verified: bool
    capacity: str | None  # only when not accepting referrals
    capacity_tag: str = ""


@dataclass
class SearchPage:
    criteria: Criteria
    results: list[ResultItem] = field(default_factory=list)
    facets: list[FacetGroup] = field(default_factory=list)
    total: int = 0
    total_text: str = ""
    corrected_text: str | None = None
    left_out: list[str] = field(default_factory=list)  # words no matching service holds, left out of the search
    place_named: str | None = None  # a place in the search words: services there are listed first
    pagination: dict | None = None
    sort_options: list[tuple[str, str]] = field(default_factory=list)
    text_was_cut: bool = False
    problem: str | None = None
    page_out_of_range: bool = False
    first_page_href: str = ""
    clear_href: str = ""
    signed_in_staff: bool = False

    @property
    def distance_used(self) -> bool:
        return self.criteria.place is not None

    @property
    def any_filters(self) -> bool:
        return bool(self.criteria.filters or self.criteria.age is not None or self.criteria.place)


# What a result on the search page shows of its service's search document (``_result_item``)
RESULT_FIELDS = ("name", "organisation_name", "description", "pathways", "last_checked", "verified", "capacity")


def _result_item(hit: Hit) -> ResultItem:
    doc = hit.document
    capacity = doc.get("capacity") or "accepting"
    return ResultItem(
        name=doc.get("name") or "Unnamed service",
        href=url_for("directory.service", service_uuid=hit.id),
        organisation=doc.get("organisation_name") or "",
        summary=_summary(doc.get("description") or ""),
        pathways=_labels(doc.get("pathways"), vocabulary.RESETTLEMENT_PATHWAYS),
        distance=miles_text(hit.distance_m),
        last_checked=date.fromisoformat(doc["last_checked"]) if doc.get("last_checked") else None,
        verified=doc.get("verified") is not False,
        capacity=vocabulary.CAPACITY_STATUSES.get(capacity) if capacity != "accepting" else None,
        capacity_tag=CAPACITY_TAG.get(capacity, ""),
    )


def _facet_groups(criteria: Criteria, counts: dict[str, dict[str, int]],
                  user: User | None = None) -> list[FacetGroup]:
    groups = []
    for name in shown_facets(criteria, refers=policy.can(user, "referral.create")):
        legend, options = FACETS[name]
        chosen = set(criteria.filters.get(name, []))
        found = counts.get(name, {})
        shown = [Option(value, label, found.get(value, 0), value in chosen)
                 for value, label in options.items() if found.get(value) or value in chosen]
        if shown:
            groups.append(FacetGroup(name, legend, shown))
    return groups


def _page_href(criteria: Criteria, number: int) -> str:
    return url_for("directory.search", **criteria.args(page=number))


def _pagination(criteria: Criteria, total: int) -> dict | None:
    """GOV.UK pagination: first, last, and the pages either side of the current one, with ellipses between."""
    return paging.pagination(criteria.page, min(MAX_PAGE, paging.page_count(total, PER_PAGE)),
                             lambda number: _page_href(criteria, number), around=1, label="Search results pages")


def search_page(criteria: Criteria, result: SearchResult | None, *, text_was_cut: bool, user: User | None,
                problem: str | None = None) -> SearchPage:
    page = SearchPage(
        criteria=criteria, text_was_cut=text_was_cut, problem=problem,
        sort_options=[(value, label) for value, label in SORTS.items() if value != "distance" or criteria.place],
        clear_href=url_for("directory.search", **({"q": criteria.text} if criteria.text else {})),
        first_page_href=_page_href(criteria, 1),
        signed_in_staff=policy.can(user, "directory.save"),
    )
    if result is None:
        page.facets = _facet_groups(criteria, {}, user)
        return page
    page.total = result.total
    page.total_text = services_count(result.total, result.total_is_capped)
    page.corrected_text = result.corrected_text
    page.left_out = result.left_out
    page.place_named = result.place
    page.results = [_result_item(hit) for hit in result.hits]
    page.facets = _facet_groups(criteria, result.facets, user)
    page.pagination = _pagination(criteria, result.total)
    page.page_out_of_range = result.total > 0 and not result.hits
    return page


# --- One service ---

@dataclass
class Address:
    name: str
    lines: list[str]
    transport: str
    accessibility: list[str]


@dataclass
class Phone:
    number: str
    href: str
    description: str


@dataclass
class OpeningTime:
    description: str
    notes: str


@dataclass
class Cost:
    option: str
    amount: str
    description: str


@dataclass
class ServicePage:
    uuid: str
    name: str
    organisation: str
    organisation_href: str | None
    description: str
    capacity: str
    capacity_tag: str
    verified: bool
    last_checked: date | None
    application_process: str
    access_routes: list[str]
    eligibility: list[str]
    eligibility_description: str
    ages: str
    pathways: list[str]
    stages: list[str]
    delivery_modes: list[str]
    service_areas: list[str]
    addresses: list[Address]
    phones: list[Phone]
    email: str | None
    website: str | None
    opening_times: list[OpeningTime]
    attending: str
    languages: list[str]
    interpretation: str
    fees: str
    costs: list[Cost]
    report_problem_href: str | None
    save_href: str | None
    lists_href: str | None


def _local_date(value) -> date | None:
    return value.astimezone(LONDON).date() if value else None


def ages_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{minimum} to {maximum}"
    if minimum is not None:
        return f"{minimum} and over"
    if maximum is not None:
        return f"Up to {maximum}"
    return "Any age"


def _safe_website(url: str | None) -> str | None:
    return url if url and re.match(r"https?://[^\s/]+", url, re.IGNORECASE) else None


def _safe_email(address: str | None) -> str | None:
    return address if address and re.fullmatch(r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+", address) else None


def _addresses(document: dict) -> list[Address]:
    found = []
    for sal in document.get("service_at_locations") or []:
        location = sal.get("location") or {}
        for address in location.get("addresses") or []:
            lines = [address.get(key) for key in ("address_1", "address_2", "city", "postal_code")]
            found.append(Address(
                name=location.get("name") or "",
                lines=[line for line in lines if line and line != location.get("name")],
                transport=location.get("transportation") or "",
                accessibility=[a.get("description") for a in location.get("accessibility") or []
                               if a.get("description")],
            ))
    return found


def _phones(document: dict) -> list[Phone]:
    return [Phone(p["number"], "tel:" + re.sub(r"[^\d+]", "", p["number"]), p.get("description") or "")
            for p in document.get("phones") or [] if p.get("number")]


def _opening_times(document: dict) -> list[OpeningTime]:
    times = []
    for schedule in document.get("schedules") or []:
        description = schedule.get("description") or " ".join(
            filter(None, [schedule.get("byday"), schedule.get("opens_at") and
                          f"{schedule.get('opens_at')} to {schedule.get('closes_at') or ''}".strip()]))
        if description:
            times.append(OpeningTime(description, schedule.get("notes") or ""))
    return times


def _costs(document: dict) -> list[Cost]:
    costs = []
    for option in document.get("cost_options") or []:
        amount = option.get("amount")
        amount_text = ""
        if isinstance(amount, int | float) and amount > 0:
            symbol = "£" if (option.get("currency") or "GBP") == "GBP" else f"{option.get('currency')} "
            amount_text = f"{symbol}{amount:,.2f}".replace(".00", "")
        costs.append(Cost(option.get("option") or "Cost", amount_text, option.get("amount_description") or ""))
    return costs


def service_page(service: Service, user: User | None) -> ServicePage:
    doc = service.document or {}
    organisation = service.organisation
    can_save = policy.can(user, "directory.save")
    return ServicePage(
        uuid=service.uuid,
        name=service.name,
        organisation=organisation.name,
        organisation_href=url_for("accounts.organisation", public_id=organisation.public_id)
        if policy.can(user, "organisation.view", organisation) else None,
        description=doc.get("description") or "",
        capacity=vocabulary.CAPACITY_STATUSES.get(service.capacity, service.capacity),
        capacity_tag=CAPACITY_TAG.get(service.capacity, ""),
        verified=freshness(service) == "fresh",
        last_checked=_local_date(service.last_checked_at or service.published_at),
        application_process=doc.get("application_process") or "",
        access_routes=_labels(service.term_codes("access-route"), vocabulary.ACCESS_ROUTES),
        eligibility=_labels(service.term_codes("eligibility"), vocabulary.ELIGIBILITY),
        eligibility_description=doc.get("eligibility_description") or "",
        ages=ages_text(service.minimum_age, service.maximum_age),
        pathways=[name for code, name in vocabulary.RESETTLEMENT_PATHWAYS.items()
                  if code in service.term_codes("resettlement-pathway")],
        stages=[name for code, name in vocabulary.RESETTLEMENT_STAGES.items()
                if code in service.term_codes("resettlement-stage")],
        delivery_modes=[name for code, name in vocabulary.DELIVERY_MODES.items()
                        if code in service.term_codes("delivery-mode")],
        service_areas=[area["name"] for area in doc.get("service_areas") or [] if area.get("name")],
        addresses=_addresses(doc),
        phones=_phones(doc),
        email=_safe_email(doc.get("email")),
        website=_safe_website(doc.get("url")),
        opening_times=_opening_times(doc),
        attending=next((s.get("attending_type") for s in doc.get("schedules") or [] if s.get("attending_type")), ""),
        languages=[lang["name"] + (f" ({lang['note'].lower()})" if lang.get("note") else "")
                   for lang in doc.get("languages") or [] if lang.get("name")],
        interpretation=doc.get("interpretation_services") or "",
        fees=doc.get("fees_description") or "",
        costs=_costs(doc),
        report_problem_href=_report_problem_href(service.uuid),
        save_href=url_for("directory.save_service", service_uuid=service.uuid) if can_save else None,
        lists_href=url_for("directory.saved_lists") if can_save else None,
    )


# --- Saved lists ---

@dataclass
class ListSummary:
    name: str
    href: str
    count: int
    updated: object


@dataclass
class ListItem:
    uuid: str
    name: str
    href: str | None  # None once the service is no longer listed
    organisation: str


@dataclass
class SavedListPage:
    uuid: str
    name: str
    items: list[ListItem]
    email_href: str | None
    delete_href: str


def saved_lists_page(lists: list[SavedList]) -> list[ListSummary]:
    return [ListSummary(saved.name, url_for("directory.saved_list", list_uuid=saved.uuid), len(saved.items),
                        saved.updated_at) for saved in lists]


def saved_list_page(saved: SavedList) -> SavedListPage:
    items = [ListItem(item.service.uuid, item.service.name,
                      url_for("directory.service", service_uuid=item.service.uuid) if is_listed(item.service) else None,
                      item.service.organisation.name) for item in saved.items]
    return SavedListPage(
        uuid=saved.uuid, name=saved.name, items=items,
        email_href=url_for("directory.email_list", list_uuid=saved.uuid) if any(i.href for i in items) else None,
        delete_href=url_for("directory.delete_list", list_uuid=saved.uuid),
    )


# --- Search gaps ---

CHART_BARS = 10


@dataclass
class GapRow:
    query: str
    filters: list[str]
    count: int
    last_seen: object

    @property
    def label(self) -> str:
        words = self.query or "(no words)"
        return words if not self.filters else f"{words} + {len(self.filters)} filter{'s' * (len(self.filters) > 1)}"


@dataclass
class SearchGapsPage:
    rows: list[GapRow]

    @property
    def chart_size(self) -> int:
        return min(len(self.rows), CHART_BARS)

    @property
    def chart_rows(self) -> list[dict]:
        """The most frequent gaps as rows for the `bar_chart` macro (inline SVG and a table; Jinja escapes the text)."""
        return [{"label": row.label[:40], "values": [{"value": row.count, "text": f"{row.count:,}"}]}
                for row in self.rows[:self.chart_size]]


def search_gaps_page(gaps: list[SearchGap]) -> SearchGapsPage:
    """Rows as recorded, with the words normalised again (rows recorded before today's rules may hold links or
    long strings): rows that become the same are added together, rows with nothing left are not shown."""
    merged: dict[tuple[str, str], GapRow] = {}
    for gap in gaps:
        words = normalise_query(gap.query)
        if not (words or gap.filters):
            continue
        row = merged.get((words, gap.filters))
        if row is None:
            merged[(words, gap.filters)] = GapRow(words, describe_filters(gap.filters), gap.count, gap.last_seen)
        else:
            row.count += gap.count
            row.last_seen = max(row.last_seen, gap.last_seen)
    return SearchGapsPage(sorted(merged.values(), key=lambda row: -row.count))
