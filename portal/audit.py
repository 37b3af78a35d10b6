"""The audit log: who saw or changed which record, when and why. Append-only from the application's side."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.database import TZDateTime, utcnow
from portal.extensions import db
from portal.sqlite_locking import reading_request


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_role: Mapped[str] = mapped_column(String(30), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40), index=True)
    # A reference to the person the record is about (never their details), for subject access requests.
    subject_ref: Mapped[str | None] = mapped_column(String(60), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str] = mapped_column(String(40), default="")
    api_token_id: Mapped[int | None] = mapped_column(Integer)


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


def record(action: str, obj_type: str, obj_id: str, *, actor=None, subject_ref: str | None = None,
           reason: str = "", details: dict | None = None) -> AuditEvent:
    """Add an audit event to the current transaction. `details` must hold no personal data."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    request_id = request.environ.get("portal.request_id", "") if has_request_context() else ""
    token_id = request.environ.get("portal.api_token_id") if has_request_context() else None
    event_ = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        subject_ref=subject_ref,
        reason=reason[:500],
        details=details or {},
        request_id=request_id,
        api_token_id=token_id,
    )
    if reading_request():
        # Written when the session commits, in a short transaction of its own (portal/sqlite_locking.py): a page
        # that reads never holds SQLite's write lock while it reads. The view commits before it answers, so the
        # record is kept before the response is sent, or the request fails.
        db.session.info.setdefault(_PENDING, []).append(event_)
    else:
        db.session.add(event_)
    return event_


_PENDING = "portal.audit_pending"


@event.listens_for(Session, "before_commit")
def _add_pending_records(session: Session) -> None:
    if pending := session.info.pop(_PENDING, None):
        session.add_all(pending)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending_records(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
