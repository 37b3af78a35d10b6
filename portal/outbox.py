"""The transactional outbox.

Work that must reach another system (an email, a search-index update) is written as a row in the same
transaction as the change that caused it, so it is never lost and never sent for a change that rolled back.
The relay (`flask --app app outbox run`) claims due rows, hands each to its topic's handler and marks it done;
failures are retried with backoff. Handlers must be idempotent: a relay killed between sending and marking
done will send that row again.

- Urgent messages (password resets, email verification, invitations: someone is waiting for them) have priority
  0 and go before everything else, so a burst of reminders never delays them.
- On PostgreSQL each enqueue sends `NOTIFY rpp_outbox` in its transaction (delivered only on commit); relays
  LISTEN and wake at once, polling only as a fallback (and for retries that come due).
- Delivered rows (their payloads can hold email addresses) are deleted after `OUTBOX_RETENTION_DAYS` by the
  scheduled `outbox-purge` job; rows that failed for good after 30 days.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, Integer, String, Text, delete, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import TZDateTime, utcnow
from portal.extensions import db

log = logging.getLogger(__name__)

Handler = Callable[[dict], None]
_HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 12
URGENT, NORMAL = 0, 5
CHANNEL = "rpp_outbox"
FAILED_RETENTION = timedelta(days=30)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=NORMAL, server_default=str(NORMAL))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    available_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


def handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that delivers messages of one topic."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[topic] = fn
        return fn

    return register


def enqueue(topic: str, payload: dict, urgent: bool = False) -> OutboxMessage:
    """Add a message to the current transaction; it is delivered only if the transaction commits."""
    if topic not in _HANDLERS:
        raise ValueError(f"no outbox handler for topic {topic!r}")
    message = OutboxMessage(topic=topic, payload=payload, priority=URGENT if urgent else NORMAL)
    db.session.add(message)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return message


def _claim_next() -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.processed_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.available_at <= utcnow())
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def relay_once(batch_size: int = 100) -> int:
    """Deliver up to `batch_size` due messages, one transaction each. Returns how many were delivered.

    One row per transaction keeps the row locked (PostgreSQL) while its handler runs, so two relays never
    deliver the same message, and a relay killed mid-way repeats at most the one message it was sending.
    """
    delivered = 0
    for _ in range(batch_size):
        message = _claim_next()
        if message is None:
            break
        try:
            _HANDLERS[message.topic](message.payload)
        except Exception as exc:  # a handler failure must not stop the relay
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at = utcnow()
            else:
                message.available_at = utcnow() + timedelta(seconds=min(3600, 2 ** message.attempts))
            log.warning("outbox message %s (%s) failed, attempt %s", message.id, message.topic, message.attempts)
        else:
            message.processed_at = utcnow()
            delivered += 1
        db.session.commit()
    db.session.commit()
    return delivered


def pending_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.processed_at.is_(None), OutboxMessage.failed_at.is_(None))
    ) or 0


def lag_seconds() -> float:
    """How long the oldest due, undelivered message has waited (0 when none): the relay's lag."""
    oldest = db.session.scalar(select(func.min(OutboxMessage.available_at)).where(
        OutboxMessage.processed_at.is_(None), OutboxMessage.failed_at.is_(None),
        OutboxMessage.available_at <= utcnow()))
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0


def failed_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.failed_at.is_not(None))) or 0


def purge_delivered(now: datetime | None = None, retention: timedelta | None = None, batch_size: int = 1000,
                    checkpoint: Callable[[], None] | None = None) -> int:
    """Delete delivered messages older than the retention period (and messages that failed for good, after 30
    days), `batch_size` at a time. Returns how many were deleted."""
    now = now or utcnow()
    retention = retention if retention is not None else \
        timedelta(days=current_app.config.get("OUTBOX_RETENTION_DAYS", 7))
    deleted = 0
    while True:
        ids = list(db.session.scalars(select(OutboxMessage.id).where(
            (OutboxMessage.processed_at < now - retention) | (OutboxMessage.failed_at < now - FAILED_RETENTION))
            .order_by(OutboxMessage.id).limit(batch_size)))
        if not ids:
            return deleted
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        deleted += len(ids)
        (checkpoint or db.session.flush)()


class _Listener:
    """PostgreSQL: a connection of its own that LISTENs on the outbox channel, to wake the relay on commit."""

    def __init__(self):
        import psycopg

        url = db.engine.url.set(drivername="postgresql")
        self.connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a notification; True if one came."""
        woke = False
        for _ in self.connection.notifies(timeout=timeout, stop_after=1):
            woke = True
        return woke

    def close(self) -> None:
        self.connection.close()


def run_forever(interval: float = 1.0, stop: Callable[[], bool] = lambda: False,
                fallback_poll: float = 30.0) -> None:
    """Deliver until stopped. On PostgreSQL wait for NOTIFY (polling every `fallback_poll` seconds for retries
    that come due); elsewhere, and through PgBouncer in transaction mode (DATABASE_PGBOUNCER: a LISTEN there
    lands on whichever server connection the pool lends and its notifications never reach the relay), poll
    every `interval` seconds."""
    listen = db.engine.dialect.name == "postgresql" and not current_app.config.get("DATABASE_PGBOUNCER")
    listener = None
    while not stop():
        try:
            if listener is None and listen:
                listener = _Listener()
            if relay_once() == 0:
                if listener is not None:
                    listener.wait(fallback_poll)
                else:
                    time.sleep(interval)
        except Exception:  # database away: wait and try again, the rows are still there
            db.session.rollback()
            log.exception("outbox relay error; retrying")
            if listener is not None:
                try:
                    listener.close()
                except Exception:  # noqa: BLE001,S110 - it is being replaced anyway
                    pass
                listener = None
            time.sleep(max(interval, 5))
    if listener is not None:
        listener.close()
