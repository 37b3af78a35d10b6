"""What administrators see on the status page (/admin/status): the health of everything the servers share.

None of this decides readiness (/readyz is the database only): a search engine or relay that is down degrades
the service, and the page says which part and since when, so someone can act.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app

from portal import outbox, scheduler, search_index
from portal.database import utcnow
from portal.storage import storage


@dataclass
class Check:
    name: str
    ok: bool
    summary: str


@dataclass
class Status:
    checks: list[Check] = field(default_factory=list)
    jobs: list = field(default_factory=list)  # (Job, latest ScheduledRun or None, late?)
    runs: list = field(default_factory=list)

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
    return status
