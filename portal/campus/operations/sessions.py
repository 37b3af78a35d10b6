"""Supervised kiosk sessions: opening a session with a one-time code, signing in at the kiosk, time limits,
idle time-out and ending sessions."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, policy
from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.campus.models import EndReason, KioskSession, Learner
from portal.campus.operations.common import _authorized, normalise_prison_number, subject_ref
from portal.database import utcnow
from portal.errors import DomainError
from portal.extensions import db

IDLE_MINUTES = 10
DEFAULT_SESSION_MINUTES = 60
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 10, 240
CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
CODE_LENGTH = 6
MAX_CODE_ATTEMPTS = 5


def _code_hash(kiosk_session_id: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"campus-code:{kiosk_session_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper().replace("-", "")


def open_session(staff: User, learner: Learner, minutes: int | None = None) -> tuple[KioskSession, str]:
    """Open a session for the learner and return it with its sign-in code (shown once, stored only hashed).
    A session the learner already has is ended first: one live session per learner."""
    policy.authorize(staff, "campus.learner.manage", learner)
    if not learner.in_prison:
        raise DomainError("This learner has been released. Sessions can only be opened for learners in prison")
    minutes = DEFAULT_SESSION_MINUTES if minutes is None else minutes
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise DomainError(f"Session length must be between {MIN_SESSION_MINUTES} and {MAX_SESSION_MINUTES} minutes",
                          "minutes")
    _end_sessions_of(learner, EndReason.NEW_SESSION, staff)
    now = utcnow()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    kiosk = KioskSession(learner=learner, prison_id=learner.prison_id, opened_by_id=staff.id, opened_at=now,
                         expires_at=now + timedelta(minutes=minutes), limit_minutes=minutes, code_hash="")
    db.session.add(kiosk)
    db.session.flush()
    kiosk.code_hash = _code_hash(kiosk.public_id, code)
    audit.record("campus.session_opened", "campus_session", kiosk.public_id, actor=staff,
                 subject_ref=subject_ref(learner), details={"minutes": minutes})
    return kiosk, code


def _open_session_of(learner: Learner) -> KioskSession | None:
    return db.session.scalar(select(KioskSession).where(KioskSession.learner_id == learner.id,
                                                        KioskSession.ended_at.is_(None))
                             .order_by(KioskSession.opened_at.desc()).limit(1))


def kiosk_sign_in(prison_number: str, code: str) -> KioskSession:
    """The learner's session, once their prison number and the session's code match. A code works once, only
    for the session it was made for, and only while that session lasts; five wrong codes end the session."""
    refusal = DomainError("Enter the prison number and the code your member of staff gave you", "code")
    learner = db.session.scalar(select(Learner).where(Learner.prison_number == normalise_prison_number(prison_number)))
    kiosk = _open_session_of(learner) if learner is not None else None
    if kiosk is None or kiosk.code_used_at is not None or session_problem(kiosk) is not None:
        raise refusal
    if not hmac.compare_digest(kiosk.code_hash, _code_hash(kiosk.public_id, normalise_code(code))):
        kiosk.failed_attempts += 1
        if kiosk.failed_attempts >= MAX_CODE_ATTEMPTS:
            end_session(kiosk, EndReason.ENDED_BY_STAFF, None, note="too many wrong codes")
        raise refusal
    now = utcnow()
    kiosk.code_used_at = kiosk.last_active_at = now
    learner.user.last_signed_in_at = now
    audit.record("campus.session_signed_in", "campus_session", kiosk.public_id, actor=learner.user,
                 subject_ref=subject_ref(learner))
    return kiosk


def session_problem(kiosk: KioskSession | None, now: datetime | None = None) -> str | None:
    """Why this session no longer lets the learner in (an EndReason), or None while it is live."""
    now = now or utcnow()
    if kiosk is None:
        return EndReason.SIGNED_OUT
    if kiosk.ended_at is not None:
        return kiosk.end_reason or EndReason.ENDED_BY_STAFF
    learner = kiosk.learner
    if not learner.in_prison or learner.prison_id != kiosk.prison_id or not learner.user.is_active:
        return EndReason.LEFT_PRISON
    if now >= kiosk.expires_at:
        return EndReason.TIME_LIMIT
    if kiosk.last_active_at is not None and now - kiosk.last_active_at > timedelta(minutes=IDLE_MINUTES):
        return EndReason.IDLE
    return None


def current_session(user: User, kiosk_public_id: str | None) -> KioskSession | None:
    if not kiosk_public_id:
        return None
    kiosk = db.session.scalar(select(KioskSession).where(KioskSession.public_id == kiosk_public_id))
    if kiosk is None or kiosk.learner.user_id != user.id or kiosk.code_used_at is None:
        return None
    return kiosk


def touch(kiosk: KioskSession) -> None:
    kiosk.last_active_at = utcnow()


def end_session(kiosk: KioskSession, reason: str, actor: User | None, note: str = "") -> None:
    """End the session now: the learner's cookie, and every copy of it, stops working on its next request."""
    if kiosk.ended_at is not None:
        return
    if actor is not None and actor.role != Role.LEARNER:
        policy.authorize(actor, "campus.session.end", kiosk)
    kiosk.ended_at = utcnow()
    kiosk.ended_by_id = actor.id if actor is not None else None
    kiosk.end_reason = reason
    kiosk.learner.user.session_version += 1
    audit.record("campus.session_ended", "campus_session", kiosk.public_id, actor=actor,
                 subject_ref=subject_ref(kiosk.learner), reason=note or reason)


def _end_sessions_of(learner: Learner, reason: str, actor: User) -> None:
    for kiosk in db.session.scalars(select(KioskSession).where(KioskSession.learner_id == learner.id,
                                                               KioskSession.ended_at.is_(None))):
        end_session(kiosk, reason, actor)


def live_sessions(staff: User) -> list[KioskSession]:
    """Every session at the staff member's prison that has not ended (those past their time are ended now)."""
    policy.authorize(staff, "campus.manage_learners")
    sessions = list(db.session.scalars(select(KioskSession).where(
        KioskSession.prison_id == staff.prison_id, KioskSession.ended_at.is_(None))
        .options(selectinload(KioskSession.learner).selectinload(Learner.user))
        .order_by(KioskSession.opened_at)))
    live = []
    for kiosk in sessions:
        problem = session_problem(kiosk)
        if problem is not None and problem != EndReason.SIGNED_OUT:
            end_session(kiosk, problem, None)
        else:
            live.append(kiosk)
    return live


def session_for_staff(staff: User, public_id: str) -> KioskSession:
    return _authorized(KioskSession, public_id, staff, "campus.session.end")


def recent_sessions(learner: Learner, limit: int = 10) -> list[KioskSession]:
    return list(db.session.scalars(select(KioskSession).where(KioskSession.learner_id == learner.id)
                                   .order_by(KioskSession.opened_at.desc()).limit(limit)))
