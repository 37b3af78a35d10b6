"""The audit log viewer's rules: filter the log (who, what, which record, when), page it and export it as CSV.
Looking at the log and exporting it are themselves audited. No request objects."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from portal import audit, csv_safe, paging, policy
from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.extensions import db
from portal.templating import LONDON

PER_PAGE = 50
EXPORT_LIMIT = 100_000
CSV_COLUMNS = ["When (UTC)", "Who", "Role", "Action", "Record type", "Record", "About (reference)", "Reason",
               "Details", "Request", "API token"]


@dataclass(frozen=True)
class Filters:
    who: User | None = None  # the actor
    action: str = ""  # an action, or the start of one ("referral." for every referral action)
    record: str = ""  # a record's id or the reference of the person it is about (like RF-ABCD-EFGH)
    since: date | None = None
    until: date | None = None

    def used(self) -> list[str]:
        """Which filters are set (their names only: the audit record of a search holds no values)."""
        return [name for name, value in (("who", self.who), ("action", self.action), ("record", self.record),
                                          ("since", self.since), ("until", self.until)) if value]


def _query(filters: Filters) -> Select:
    query = select(AuditEvent)
    if filters.who is not None:
        query = query.where(AuditEvent.actor_id == filters.who.id)
    if filters.action:
        query = query.where(AuditEvent.action.like(paging.starting_with(filters.action), escape=paging.LIKE_ESCAPE))
    if filters.record:
        query = query.where((AuditEvent.object_id == filters.record) | (AuditEvent.subject_ref == filters.record))
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time(), LONDON))
    if filters.until:
        query = query.where(AuditEvent.at < datetime.combine(filters.until + timedelta(days=1), time(), LONDON))
    return query


def page(admin: User, filters: Filters, number: int = 1) -> tuple[list[tuple[AuditEvent, User | None]], int]:
    """One page of the log, newest first, with each event's actor: (rows, total). Audited."""
    policy.authorize(admin, "audit_log.view")
    query = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    actor = aliased(User)
    rows = list(db.session.execute(
        query.add_columns(actor).outerjoin(actor, actor.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc()).limit(PER_PAGE).offset(paging.offset(number, PER_PAGE))).tuples())
    audit.record("audit_log.viewed", "audit_log", "-", actor=admin,
                 details={"filters": filters.used(), "page": number, "shown": len(rows)})
    return rows, total


def export_csv(admin: User, filters: Filters) -> str:
    """The filtered log as CSV (newest first, at most EXPORT_LIMIT rows), formula-safe. The export is audited."""
    policy.authorize(admin, "audit_log.view")
    audit.record("audit_log.exported", "audit_log", "-", actor=admin, details={"filters": filters.used()})
    actor = aliased(User)
    query = (_query(filters).add_columns(actor.email).outerjoin(actor, actor.id == AuditEvent.actor_id)
             .order_by(AuditEvent.id.desc()).limit(EXPORT_LIMIT))
    rows = ((event.at.isoformat(), email or "The portal", event.actor_role, event.action, event.object_type,
             event.object_id, event.subject_ref, event.reason, json.dumps(event.details), event.request_id,
             event.api_token_id)
            for event, email in db.session.execute(query.execution_options(yield_per=1000)).tuples())
    return csv_safe.rows_to_csv([CSV_COLUMNS, *rows])


def find_user(text: str) -> User | None:
    """The user an administrator means by an email address or a public id."""
    text = (text or "").strip()
    column = User.email if "@" in text else User.public_id
    return db.session.scalar(select(User).where(func.lower(column) == text.lower())) if text else None
