"""The scheduler: one process (`flask --app app schedule run`) runs every scheduled job at its time.

- Each job has a time of day (UTC) or an interval; its latest due time is its *slot*. A slot with no run yet is
  run (so a scheduler that was down at 06:00 catches up when it starts, once).
- Two schedulers (two hosts, or a deploy overlapping the old one) never run one job at once: on PostgreSQL the job
  runs under a session advisory lock (`pg_try_advisory_lock`), and a scheduler that cannot take it skips the job.
  One run per job and slot is also a unique constraint, so a slot the other scheduler finished is not run again
  (that is what keeps SQLite, which has no advisory locks, to one run too).
- Every run is recorded (`scheduled_runs`: slot, start, end, items, error class) and shown to administrators on
  the status page; long jobs commit in batches (a `checkpoint` callback), so no transaction holds every row.

The lock is held by an open transaction, so it also holds through PgBouncer in transaction mode (operators' hand
runs may go through it). Relays LISTEN for new messages, which needs PostgreSQL itself; through PgBouncer
(DATABASE_PGBOUNCER=true) they poll every second instead.
"""
from __future__ import annotations

import logging
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from flask import current_app
from sqlalchemy import Integer, String, Text, UniqueConstraint, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from portal import outbox
from portal.database import TZDateTime, utcnow
from portal.extensions import db

log = logging.getLogger(__name__)
Checkpoint = Callable[[], None]


class ScheduledRun(db.Model):
    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_scheduled_runs_job_slot"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60), index=True)
    slot: Mapped[datetime] = mapped_column(TZDateTime)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    items: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")  # the exception's class only: messages can hold data
    host: Mapped[str] = mapped_column(String(120), default="")

    @property
    def outcome(self) -> str:
        if self.error:
            return "failed"
        return "finished" if self.finished_at else "running or stopped"

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[[Checkpoint], int]
    at: clock | None = None  # daily at this UTC time...
    every: timedelta | None = None  # ...or at this interval

    def slot(self, now: datetime) -> datetime:
        """The latest time this job was due at or before `now`."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)
        today = datetime.combine(now.date(), self.at, UTC)
        return today if today <= now else today - timedelta(days=1)

    @property
    def when(self) -> str:
        if self.every is not None:
            minutes = int(self.every.total_seconds() // 60)
            return f"every {minutes} minutes" if minutes != 60 else "every hour"
        return f"daily at {self.at:%H:%M} UTC"


def total(counts) -> int:
    """A job's count of items handled, from an operation's count or its counts by kind."""
    return sum(counts.values()) if isinstance(counts, dict) else int(counts)


def _outbox_purge(checkpoint: Checkpoint) -> int:
    return outbox.purge_delivered(checkpoint=checkpoint)


# Every job, in the order of the day (daily jobs by time, then the interval jobs). This module imports no domain:
# each domain registers its own jobs (portal/<domain>/jobs.py, imported by create_app before anything runs).
JOBS: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    clashes = sorted(job.name for job in jobs if JOBS.get(job.name, job) != job)
    if clashes:
        raise ValueError(f"scheduled jobs registered twice: {', '.join(clashes)}")
    ordered = sorted({**JOBS, **{job.name: job for job in jobs}}.values(),
                     key=lambda job: (job.every is not None, job.at or clock(0), job.every or timedelta(0)))
    JOBS.clear()
    JOBS.update((job.name, job) for job in ordered)


register(Job("outbox-purge", "Delete delivered outbox messages after the retention period", _outbox_purge,
             every=timedelta(hours=1)))


def _lock_key(name: str) -> int:
    return zlib.crc32(f"rpp-schedule:{name}".encode()) - 2**31  # a stable signed 32-bit key per job


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Hold PostgreSQL's advisory lock for this job while the block runs; yields whether it was taken.

    The lock is transaction-level (`pg_try_advisory_xact_lock`) on a connection of its own whose transaction stays
    open until the block ends, then rolls back, which releases it. An open transaction keeps its server
    connection even through PgBouncer in transaction mode, so the lock works there too, and it can never be left
    behind on a pooled server connection (a session lock taken through PgBouncer could be). It conflicts with a
    session-level lock on the same key, so older schedulers are still kept out.
    (SQLite: always yields True; the unique run record keeps it to one run.)"""
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        taken = bool(connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                        {"key": _lock_key(name)}).scalar())
        try:
            yield taken
        finally:
            connection.rollback()


def run_job(job: Job, slot: datetime | None = None, now: datetime | None = None,
            work: Callable[[Checkpoint], int] | None = None, by_hand: bool = False) -> ScheduledRun | None:
    """Run one job for its slot unless another scheduler is running it or has run it. Returns the run record,
    or None when skipped. `work` replaces the job's own function (an operator's command doing the same work
    with its progress output); `by_hand` marks the run's host so the status page tells the two apart."""
    slot = slot or job.slot(now or utcnow())
    work = work or job.run
    with advisory_lock(job.name) as taken:
        if not taken:
            log.info("scheduled job skipped: running elsewhere", extra={"job": job.name})
            return None
        if db.session.scalar(select(ScheduledRun.id).where(ScheduledRun.job == job.name, ScheduledRun.slot == slot)):
            db.session.rollback()
            return None
        host = socket.gethostname()[:100] + (" (by hand)" if by_hand else "")
        run = ScheduledRun(job=job.name, slot=slot, host=host)
        db.session.add(run)
        try:
            db.session.commit()
        except IntegrityError:  # the other scheduler recorded this slot first
            db.session.rollback()
            return None
        run_id = run.id
        started = time.monotonic()
        log.info("scheduled job started", extra={"job": job.name})
        try:
            with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
                items = work(db.session.commit)
            db.session.commit()
        except Exception as exc:  # recorded and reported; the scheduler carries on with the next job
            db.session.rollback()
            log.exception("scheduled job failed", extra={"job": job.name})
            run = db.session.get(ScheduledRun, run_id)
            run.error, run.finished_at = type(exc).__name__, utcnow()
            db.session.commit()
            _observe(job.name, "failed", time.monotonic() - started)
            return run
        run = db.session.get(ScheduledRun, run_id)
        run.items, run.finished_at = items, utcnow()
        db.session.commit()
        _observe(job.name, "finished", time.monotonic() - started)
        log.info("scheduled job finished", extra={"job": job.name, "items": items,
                                                  "duration_ms": round((time.monotonic() - started) * 1000)})
        return run


def _observe(job: str, outcome: str, seconds: float) -> None:
    from portal import metrics

    metrics.scheduler_run(job, outcome, seconds)


def run_due(now: datetime | None = None, only: set[str] | None = None) -> list[ScheduledRun]:
    """Run every job whose current slot has no run yet. Returns the runs made here."""
    now = now or utcnow()
    done = []
    for job in JOBS.values():
        if only and job.name not in only:
            continue
        slot = job.slot(now)
        if db.session.scalar(select(ScheduledRun.id).where(ScheduledRun.job == job.name, ScheduledRun.slot == slot)):
            continue
        if (run := run_job(job, slot)) is not None:
            done.append(run)
    db.session.rollback()
    return done


def run_forever(tick: float = 30.0, stop: Callable[[], bool] = lambda: False) -> None:
    while not stop():
        try:
            run_due()
        except Exception:  # database away: wait and try again
            db.session.rollback()
            log.exception("scheduler error; retrying")
        time.sleep(tick)


def latest_runs() -> list[tuple[Job, ScheduledRun | None]]:
    """Each job with its latest run, for the status page."""
    latest = {}
    newest = (select(ScheduledRun.job, func.max(ScheduledRun.id).label("id")).group_by(ScheduledRun.job)
              .subquery())
    for run in db.session.scalars(select(ScheduledRun).join(newest, ScheduledRun.id == newest.c.id)):
        latest[run.job] = run
    return [(job, latest.get(job.name)) for job in JOBS.values()]


def recent_runs(limit: int = 50) -> list[ScheduledRun]:
    return list(db.session.scalars(select(ScheduledRun).order_by(ScheduledRun.started_at.desc(),
                                                                 ScheduledRun.id.desc()).limit(limit)))
