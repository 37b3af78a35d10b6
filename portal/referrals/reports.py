"""Referral reports: how each service and each provider organisation responds to and delivers referrals.

No request objects, no personal data: only counts, rates and medians over referrals that have been sent.

What each figure means (the report pages say the same):
- received: referrals sent to the service in the period (`sent_at` between the two dates, UK days, inclusive);
- acceptance rate: accepted / responded to (accepted or declined; referrals still waiting, or withdrawn before a
  response, are not counted);
- median days to first response: from sending to accepting or declining, in days (to one decimal place);
- completion rate: completed / accepted referrals that have finished (completed, ended early, or withdrawn after
  acceptance); referrals still under way are not counted;
- outcomes: the desired outcomes of completed referrals, rated achieved, partly achieved or not achieved.

The region filter is the referring probation region (the offender manager's team when the referral was sent):
one region per referral, where a service's locations may span several.

Small numbers can identify people, so any count below 5 is shown as "fewer than 5", and a rate or median is
shown only when every count it comes from is 5 or more (otherwise a shown rate would give the hidden count away).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.accounts.models import Organisation
from portal.directory.models import Service
from portal.extensions import db
from portal.reference.models import ProbationRegion
from portal.referrals.models import Referral
from portal.referrals.workflow import ACHIEVEMENT, State

LONDON = ZoneInfo("Europe/London")
THRESHOLD = 5
FEWER = f"fewer than {THRESHOLD}"
NOT_SHOWN = "not shown"
OUTCOME_LEVELS = tuple(ACHIEVEMENT)  # achieved, partly, not-achieved


@dataclass(frozen=True)
class Filters:
    sent_from: date | None = None
    sent_to: date | None = None
    region: str | None = None  # a probation region slug

    def describe(self) -> str:
        parts = []
        if self.sent_from and self.sent_to:
            parts.append(f"sent from {_day(self.sent_from)} to {_day(self.sent_to)}")
        elif self.sent_from:
            parts.append(f"sent from {_day(self.sent_from)}")
        elif self.sent_to:
            parts.append(f"sent up to {_day(self.sent_to)}")
        if self.region:
            name = db.session.scalar(select(ProbationRegion.name).where(ProbationRegion.slug == self.region))
            parts.append(f"referred from {name or self.region}")
        return "Referrals " + (", ".join(parts) if parts else "sent at any time, from every region")


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


@dataclass
class Figures:
    received: int = 0
    accepted: int = 0
    declined: int = 0
    finished: int = 0  # accepted, then completed, ended early or withdrawn
    completed: int = 0
    escalated: int = 0  # risk escalated after sending (whatever was decided)
    continued_on_plan: int = 0  # of those, continued under a risk management plan (fee for service)
    response_days: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_LEVELS, 0))

    @property
    def responded(self) -> int:
        return self.accepted + self.declined

    # Raw values (None when nothing to divide by); the display helpers below decide what may be shown.
    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.responded if self.responded else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.finished if self.finished else None

    @property
    def median_response_days(self) -> float | None:
        return round(median(self.response_days), 1) if self.response_days else None

    def add(self, other: Figures) -> None:
        for name in ("received", "accepted", "declined", "finished", "completed", "escalated", "continued_on_plan"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.response_days += other.response_days
        for level in OUTCOME_LEVELS:
            self.outcomes[level] += other.outcomes[level]

    # --- What may be shown ---

    def count(self, name: str) -> str:
        return shown_count(getattr(self, name))

    def outcome(self, level: str) -> str:
        return shown_count(self.outcomes[level])

    @property
    def acceptance(self) -> str:
        return shown_rate(self.accepted, self.responded)

    @property
    def completion(self) -> str:
        return shown_rate(self.completed, self.finished)

    @property
    def median_days(self) -> str:
        if len(self.response_days) < THRESHOLD:
            return NOT_SHOWN
        return f"{self.median_response_days:g}"

    def rates_in_words(self, who: str, their: str) -> str:
        """The acceptance and completion rates as a sentence, saying plainly when a rate is not shown."""
        if self.acceptance == NOT_SHOWN:
            accepted = f"Too few referrals have had a response to show how many {who.lower()} accepted"
        else:
            accepted = f"{who} accepted {self.acceptance} of those {their} responded to"
        if self.completion == NOT_SHOWN:
            completed = "too few accepted referrals have finished to show how many were completed"
        else:
            completed = f"completed {self.completion} of those that finished"
        joiner = " and " if (self.acceptance == NOT_SHOWN) == (self.completion == NOT_SHOWN) else "; "
        return f"{accepted}{joiner}{completed}."

    def acceptance_value(self) -> float | None:
        """The acceptance rate as a percentage for a chart, or None where it may not be shown."""
        return _rate_value(self.accepted, self.responded)

    def completion_value(self) -> float | None:
        return _rate_value(self.completed, self.finished)

    def outcome_value(self, level: str) -> int | None:
        value = self.outcomes[level]
        return value if value >= THRESHOLD else None


def shown_count(value: int) -> str:
    return FEWER if value < THRESHOLD else f"{value:,}"


def _rate_value(numerator: int, denominator: int) -> float | None:
    if numerator < THRESHOLD or denominator < THRESHOLD:
        return None
    return round(100 * numerator / denominator)


def shown_rate(numerator: int, denominator: int) -> str:
    value = _rate_value(numerator, denominator)
    return NOT_SHOWN if value is None else f"{value:g}%"


@dataclass
class Row:
    key: str  # the service's uuid or the organisation's public id
    name: str
    organisation: str
    figures: Figures


@dataclass
class Report:
    filters: Filters
    services: list[Row]
    providers: list[Row]
    total: Figures


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(filters.sent_from, time(), LONDON) if filters.sent_from else None
    end = datetime.combine(filters.sent_to + timedelta(days=1), time(), LONDON) if filters.sent_to else None
    return start, end


def build(filters: Filters, organisation: Organisation | None = None) -> Report:
    """The report over every provider (administrators), or over one provider organisation's services."""
    query = select(Referral.service_id, Referral.organisation_id, Referral.state, Referral.sent_at,
                   Referral.responded_at, Referral.decline_reason, Referral.concluded_at,
                   Referral.desired_outcomes, Referral.risk_escalated_at, Referral.escalation_decision
                   ).where(Referral.sent_at.is_not(None))
    start, end = _bounds(filters)
    if start:
        query = query.where(Referral.sent_at >= start)
    if end:
        query = query.where(Referral.sent_at < end)
    if filters.region:
        query = query.join(ProbationRegion, ProbationRegion.id == Referral.probation_region_id).where(
            ProbationRegion.slug == filters.region)
    if organisation is not None:
        query = query.where(Referral.organisation_id == organisation.id)

    by_service: dict[int, Figures] = defaultdict(Figures)
    service_org: dict[int, int] = {}
    for (service_id, organisation_id, state, sent_at, responded_at, decline_reason, concluded_at, outcomes,
         escalated_at, escalation_decision) in db.session.execute(query.execution_options(yield_per=5000)):
        figures = by_service[service_id]
        service_org[service_id] = organisation_id
        figures.received += 1
        if escalated_at is not None:
            figures.escalated += 1
            figures.continued_on_plan += escalation_decision == "continue"
        if responded_at is not None:
            if decline_reason:
                figures.declined += 1
            else:
                figures.accepted += 1
                if concluded_at is not None:
                    figures.finished += 1
                    if state == State.COMPLETED:
                        figures.completed += 1
                        for outcome in outcomes or []:
                            if outcome.get("achievement") in figures.outcomes:
                                figures.outcomes[outcome["achievement"]] += 1
            figures.response_days.append(_days(sent_at, responded_at))

    services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(by_service)))}
    organisations = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(set(service_org.values()))))}
    by_provider: dict[int, Figures] = defaultdict(Figures)
    total = Figures()
    service_rows = []
    for service_id, figures in by_service.items():
        org = organisations[service_org[service_id]]
        by_provider[org.id].add(figures)
        total.add(figures)
        service_rows.append(Row(services[service_id].uuid, services[service_id].name or "Unnamed service",
                                org.name, figures))
    provider_rows = [Row(organisations[org_id].public_id, organisations[org_id].name, organisations[org_id].name,
                         figures) for org_id, figures in by_provider.items()]
    service_rows.sort(key=lambda r: (r.organisation.lower(), r.name.lower()))
    provider_rows.sort(key=lambda r: r.name.lower())
    return Report(filters, service_rows, provider_rows, total)


def _days(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 86400)


def probation_regions() -> list[tuple[str, str]]:
    return [(r.slug, r.name) for r in db.session.scalars(select(ProbationRegion).order_by(ProbationRegion.name))]
