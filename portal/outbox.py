"""The transactional outbox.

Work that must reach another system (an email, a search-index update) is written as a row in the same
transaction as the change that caused it, so it is never lost and never sent for a change that rolled back.
The relay (`flask --app app outbox run`) claims due rows, hands each to its topic's handler and marks it done;
failures are retried with backoff. Handlers must be idempotent: a relay killed between sending and marking
done will send that row again.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import JSON, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import TZDateTime, utcnow
from portal.extensions import db

log = logging.getLogger(__name__)

Handler = Callable[[dict], None]
_HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 12


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), index=True)
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


def enqueue(topic: str, payload: dict) -> OutboxMessage:
    """Add a message to the current transaction; it is delivered only if the transaction commits."""
    if topic not in _HANDLERS:
        raise ValueError(f"no outbox handler for topic {topic!r}")
    message = OutboxMessage(topic=topic, payload=payload)
    db.session.add(message)
    return message


def _claim_next() -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.processed_at.is_(None), OutboxMessage.failed_at.is_(None),
               OutboxMessage.available_at <= utcnow())
        .order_by(OutboxMessage.id)
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


def run_forever(interval: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
    while not stop():
        try:
            if relay_once() == 0:
                time.sleep(interval)
        except Exception:  # database away: wait and try again, the rows are still there
            db.session.rollback()
            log.exception("outbox relay error; retrying")
            time.sleep(max(interval, 5))
