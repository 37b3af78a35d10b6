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
from portal.campus.operations.common import normalise_prison_number, subject_ref
from portal.database import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized

IDLE_MINUTES = 10
DEFAULT_SESSION_MINUTES = 60
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 10, 240
CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
CODE_LENGTH = 6
FREE_CODE_ATTEMPTS = 3  # wrong codes before the code starts to wait
MAX_LOCK_MINUTES = 30
MAX_CODE_ATTEMPTS = 12  # then the code never works: staff give a new one (the session itself goes on)


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
    code = _new_code()
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


def lock_minutes(failed_attempts: int) -> int:
    """How long the code waits after this many wrong tries: 3 free, then 1, 2, 4, 8, 16, then 30 minutes."""
    if failed_attempts < FREE_CODE_ATTEMPTS:
        return 0
    return min(1 << (failed_attempts - FREE_CODE_ATTEMPTS), MAX_LOCK_MINUTES)  # 2 to that power


def kiosk_sign_in(prison_number: str, code: str) -> KioskSession:
    """The learner's session, once their prison number and the session's code match. A code works once, only
    for the session it was made for, and only while that session lasts. Wrong codes make the code wait longer
    and longer (`lock_minutes`), and after 12 it never works; the session is not ended, so nobody can end a
    learner's session by typing wrong codes, and staff can give a new code at once (`reissue_code`)."""
    refusal = DomainError("Enter the prison number and the code your member of staff gave you", "code")
    learner = db.session.scalar(select(Learner).where(Learner.prison_number == normalise_prison_number(prison_number)))
    kiosk = _open_session_of(learner) if learner is not None else None
    if learner is None or kiosk is None or kiosk.code_used_at is not None or session_problem(kiosk) is not None:
        raise refusal
    now = utcnow()
    if kiosk.failed_attempts >= MAX_CODE_ATTEMPTS:
        raise DomainError("This code no longer works. Ask a member of staff for a new code", "code")
    if kiosk.locked_until is not None and now < kiosk.locked_until:
        wait = max(1, -(-int((kiosk.locked_until - now).total_seconds()) // 60))
        raise DomainError(f"Too many wrong codes. Try again in {wait} {'minute' if wait == 1 else 'minutes'}, "
                          "or ask a member of staff for a new code", "code")
    if not hmac.compare_digest(kiosk.code_hash, _code_hash(kiosk.public_id, normalise_code(code))):
        kiosk.failed_attempts += 1
        if minutes := lock_minutes(kiosk.failed_attempts):
            kiosk.locked_until = now + timedelta(minutes=minutes)
        if kiosk.failed_attempts in (FREE_CODE_ATTEMPTS, MAX_CODE_ATTEMPTS):
            audit.record("campus.session_code_locked", "campus_session", kiosk.public_id, actor=None,
                         subject_ref=subject_ref(learner), details={"wrong_codes": kiosk.failed_attempts})
        raise refusal
    kiosk.code_used_at = kiosk.last_active_at = now
    learner.user.last_signed_in_at = now
    audit.record("campus.session_signed_in", "campus_session", kiosk.public_id, actor=learner.user,
                 subject_ref=subject_ref(learner))
    return kiosk


def reissue_code(staff: User, kiosk: KioskSession) -> str:
    """A new code for a session the learner has not yet signed into (the old code stops working, and wrong
    tries are forgotten). Shown once; audited."""
    policy.authorize(staff, "campus.session.end", kiosk, secret=True)
    if session_problem(kiosk) is not None:
        raise DomainError("This session has ended. Open a new session for the learner")
    if kiosk.code_used_at is not None:
        raise DomainError("The learner has already signed in to this session")
    code = _new_code()
    kiosk.code_hash = _code_hash(kiosk.public_id, code)
    kiosk.failed_attempts, kiosk.locked_until = 0, None
    audit.record("campus.session_code_reissued", "campus_session", kiosk.public_id, actor=staff,
                 subject_ref=subject_ref(kiosk.learner))
    return code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


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
    return authorized(staff, "campus.session.end", KioskSession, public_id)


def recent_sessions(learner: Learner, limit: int = 10) -> list[KioskSession]:
    return list(db.session.scalars(select(KioskSession).where(KioskSession.learner_id == learner.id)
                                   .order_by(KioskSession.opened_at.desc()).limit(limit)))
