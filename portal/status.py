"""What administrators see on the status page (/admin/status): the health of everything the servers share.

None of this decides readiness (/readyz is the database only): a search engine or relay that is down degrades
the service, and the page says which part and since when, so someone can act.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from portal import outbox, scheduler, search_index
from portal.charts import ColumnChart, column_chart
from portal.database import utcnow
from portal.extensions import db
from portal.storage import storage

CHART_DAYS = 14  # scheduled runs, per day
CHART_HOURS = 24  # the outbox, per hour


@dataclass
class Check:
    name: str
    ok: bool
    summary: str


@dataclass
class DayOfRuns:
    label: str
    runs: int = 0
    items: int = 0
    failed: int = 0


@dataclass
class HourOfOutbox:
    label: str
    queued: int = 0
    delivered: int = 0
    longest_wait: int = 0  # seconds from queued to delivered, the longest of the messages delivered that hour


@dataclass
class Status:
    checks: list[Check] = field(default_factory=list)
    jobs: list = field(default_factory=list)  # (Job, latest ScheduledRun or None, late?)
    runs: list = field(default_factory=list)
    days: list = field(default_factory=list)  # DayOfRuns, oldest first
    hours: list = field(default_factory=list)  # HourOfOutbox, oldest first
    charts: dict[str, ColumnChart] = field(default_factory=dict)

    @property
    def all_ok(self) -> bool:
        return all(check.ok for check in self.checks)


def gather() -> Status:
    status = Status()
    search_ok = search_index.backend().health()
    engine = "Meilisearch" if current_app.config.get("MEILI_URL") else "embedded search"
    status.checks.append(Check("Search", search_ok, f"{engine} is answering" if search_ok else
                               f"{engine} is not answering: searches show a 'try again' page"))
    pending, lag, failed = outbox.pending_count(), outbox.lag_seconds(), outbox.failed_count()
    lag_limit = current_app.config.get("OUTBOX_LAG_LIMIT_SECONDS", 300)
    status.checks.append(Check(
        "Outbox (emails and search updates)", lag <= lag_limit and not failed,
        f"{pending:,} waiting, the oldest for {int(lag):,} seconds; {failed:,} failed for good"))
    backend = storage()
    storage_ok = backend.health()
    status.checks.append(Check("File storage", storage_ok, f"{backend.name} storage is "
                               + ("answering" if storage_ok else "not answering: uploads and downloads fail")))
    now = utcnow()
    late_jobs = []
    for job, run in scheduler.latest_runs():
        # Late: the last slot passed more than an hour ago and has no run (the scheduler is not running)
        late = (run is None or run.slot < job.slot(now)) and now - job.slot(now) > timedelta(hours=1)
        failed_run = run is not None and bool(run.error)
        status.jobs.append((job, run, late))
        if late or failed_run:
            late_jobs.append(job.name)
    status.checks.append(Check("Scheduled jobs", not late_jobs,
                               "every job ran at its last time" if not late_jobs
                               else f"late or failed: {', '.join(late_jobs)}"))
    status.runs = scheduler.recent_runs(20)
    status.days = runs_by_day(now)
    status.hours = outbox_by_hour(now)
    status.charts = {
        "items": column_chart("chart-job-items", f"Items handled by scheduled jobs, per day (last {CHART_DAYS} days)",
                              [d.label for d in status.days], [d.items for d in status.days], "items"),
        "queued": column_chart("chart-outbox-queued", f"Outbox messages queued, per hour (last {CHART_HOURS} hours)",
                               [h.label for h in status.hours], [h.queued for h in status.hours], "messages"),
        "wait": column_chart("chart-outbox-wait",
                             f"Longest wait before delivery, per hour (last {CHART_HOURS} hours, seconds)",
                             [h.label for h in status.hours], [h.longest_wait for h in status.hours], "seconds"),
    }
    return status


def _bucket(column, unit: str):
    """The UTC day ('YYYY-MM-DD') or hour ('YYYY-MM-DD HH') of a timestamp column, as text, on either database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD" if unit == "day" else "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d" if unit == "day" else "%Y-%m-%d %H", column)


def _seconds_between(start, end):
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


def runs_by_day(now: datetime) -> list[DayOfRuns]:
    """Every scheduled run (the scheduler's and operators') of the last CHART_DAYS days, summed per UTC day."""
    first = (now - timedelta(days=CHART_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [first + timedelta(days=n) for n in range(CHART_DAYS)]
    days = {date.strftime("%Y-%m-%d"): DayOfRuns(f"{date.day} {date:%b}") for date in dates}
    run = scheduler.ScheduledRun
    day = _bucket(run.started_at, "day")
    rows = db.session.execute(
        select(day, func.count(), func.coalesce(func.sum(run.items), 0),
               func.sum(case((run.error != "", 1), else_=0)))
        .where(run.started_at >= first).group_by(day))
    for key, count, items, failed in rows:
        if key in days:
            days[key].runs, days[key].items, days[key].failed = count, int(items or 0), int(failed or 0)
    return list(days.values())


def outbox_by_hour(now: datetime) -> list[HourOfOutbox]:
    """Messages queued and delivered in each of the last CHART_HOURS hours (UTC), with the longest wait."""
    first = (now - timedelta(hours=CHART_HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    times = [first + timedelta(hours=n) for n in range(CHART_HOURS)]
    hours = {time.strftime("%Y-%m-%d %H"): HourOfOutbox(f"{time:%H}") for time in times}
    message = outbox.OutboxMessage
    queued_hour, delivered_hour = _bucket(message.created_at, "hour"), _bucket(message.processed_at, "hour")
    for key, count in db.session.execute(select(queued_hour, func.count()).where(message.created_at >= first)
                                         .group_by(queued_hour)):
        if key in hours:
            hours[key].queued = count
    wait = func.max(_seconds_between(message.created_at, message.processed_at))
    for key, count, longest in db.session.execute(
            select(delivered_hour, func.count(), wait).where(message.processed_at >= first).group_by(delivered_hour)):
        if key in hours:
            hours[key].delivered, hours[key].longest_wait = count, max(0, round(float(longest or 0)))
    return list(hours.values())
