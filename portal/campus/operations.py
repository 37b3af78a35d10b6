"""Virtual Campus rules: learners, supervised kiosk sessions, checked messages, content, progress, the CV and
the market place. No request objects here: views pass plain values and the acting user.

Every staff decision is written to the audit log with the learner's public id as the subject reference (never
a name or prison number).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import audit, policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind, OrgStatus, Role
from portal.campus.models import (
    TOPICS,
    ContactBlock,
    ContentImage,
    ContentItem,
    ContentState,
    Cv,
    CvEntry,
    CvEntryKind,
    Direction,
    EndReason,
    KioskSession,
    Learner,
    LearnerStatus,
    Lesson,
    Message,
    MessageState,
    Progress,
    QuizQuestion,
)
from portal.database import utcnow
from portal.errors import DomainError, InvalidInput
from portal.extensions import db
from portal.reference.models import Prison
from portal.storage import storage

IDLE_MINUTES = 10
DEFAULT_SESSION_MINUTES = 60
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 10, 240
CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 5/S, 8/B, 2/Z)
CODE_LENGTH = 6
MAX_CODE_ATTEMPTS = 5
PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")
MESSAGE_MAX = 2000
SUBJECT_MAX = 150
CONTACT_KINDS = (OrgKind.PROVIDER, OrgKind.LEAD_PROVIDER, OrgKind.EMPLOYER)


def subject_ref(learner: Learner) -> str:
    return f"learner:{learner.public_id}"


# --- Learners ---

@dataclass
class LearnerDetails:
    name: str
    prison_number: str
    release_date: date | None
    release_area: str


def normalise_prison_number(value: str) -> str:
    return "".join((value or "").split()).upper()


def _release_area(value: str) -> str:
    """A postcode district (LS1) or a region's slug; a full postcode is cut to its district (all we need)."""
    from portal.directory import vocabulary
    from portal.directory.postcodes import locate, outcode_of

    value = " ".join((value or "").split())
    if not value:
        raise DomainError("Enter the area the learner will be released to", "release_area")
    slug = value.lower().replace(" ", "-")
    if slug in vocabulary.REGIONS:
        return slug
    named = {name.lower(): slug for slug, name in vocabulary.REGIONS.items()}
    if value.lower() in named:
        return named[value.lower()]
    if outcode_of(value) is None:
        raise DomainError("Enter a postcode district, like LS1, or a region, like Yorkshire and the Humber",
                          "release_area")
    outcode, _, _ = locate(value, "release_area")
    return outcode


def release_area_label(area: str) -> str:
    from portal.directory import vocabulary

    return vocabulary.REGIONS.get(area, area)


def _check_details(details: LearnerDetails, learner: Learner | None = None) -> LearnerDetails:
    errors = []
    name = " ".join((details.name or "").split())
    if not name:
        errors.append(("name", "Enter the learner's full name"))
    elif len(name) > 200:
        errors.append(("name", "Full name must be 200 characters or fewer"))
    number = normalise_prison_number(details.prison_number)
    if not PRISON_NUMBER.match(number):
        errors.append(("prison_number", "Enter a prison number in the correct format, like A1234BC"))
    elif db.session.scalar(select(Learner.id).where(Learner.prison_number == number,
                                                    Learner.id != (learner.id if learner else -1))):
        errors.append(("prison_number", "A learner with this prison number already has a campus account"))
    if details.release_date is not None and details.release_date < date.today() - timedelta(days=1):
        errors.append(("release_date", "Release date must be today or in the future"))
    try:
        area = _release_area(details.release_area)
    except DomainError as exc:
        errors.append((exc.field, exc.message))
        area = ""
    if errors:
        raise InvalidInput(errors)
    return LearnerDetails(name, number, details.release_date, area)


def create_learner(staff: User, details: LearnerDetails) -> Learner:
    policy.authorize(staff, "campus.manage_learners")
    details = _check_details(details)
    user = User(email=None, name=details.name, role=Role.LEARNER, password_hash=None, prison_id=staff.prison_id)
    learner = Learner(user=user, prison_id=staff.prison_id, prison_number=details.prison_number,
                      release_date=details.release_date, release_area=details.release_area)
    db.session.add_all([user, learner])
    db.session.flush()
    audit.record("campus.learner_created", "learner", learner.public_id, actor=staff, subject_ref=subject_ref(learner))
    return learner


def update_learner(staff: User, learner: Learner, details: LearnerDetails) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    details = _check_details(details, learner)
    learner.user.name = details.name
    learner.prison_number = details.prison_number
    learner.release_date = details.release_date
    learner.release_area = details.release_area
    audit.record("campus.learner_updated", "learner", learner.public_id, actor=staff, subject_ref=subject_ref(learner))


def learners_at(staff: User) -> list[Learner]:
    return list(db.session.scalars(policy.visible_learners(staff).options(selectinload(Learner.user))
                                   .order_by(Learner.status, Learner.prison_number)))


def learner_for_staff(staff: User, public_id: str) -> Learner:
    return _authorized(Learner, public_id, staff, "campus.learner.manage")


def learner_of(user: User) -> Learner | None:
    return db.session.scalar(select(Learner).where(Learner.user_id == user.id))


def _not_found():
    from werkzeug.exceptions import NotFound

    return NotFound()


def _authorized(model, public_id: str, user: User, action: str):
    """The row with this public id, if the user may act on it; 404 otherwise (its existence stays secret)."""
    found = db.session.scalar(select(model).where(model.public_id == public_id))
    if found is None:
        raise _not_found()
    policy.authorize(user, action, found, secret=True)
    return found


def transfer_learner(staff: User, learner: Learner, prison_code: str) -> None:
    """The learner moves to another prison: their sessions end and this prison's staff no longer see them."""
    policy.authorize(staff, "campus.learner.manage", learner)
    prison = db.session.scalar(select(Prison).where(Prison.code == (prison_code or "")))
    if prison is None:
        raise DomainError("Select the prison the learner has moved to", "prison")
    if prison.id == learner.prison_id:
        raise DomainError("Select a different prison from the one the learner is in now", "prison")
    _end_sessions_of(learner, EndReason.LEFT_PRISON, staff)
    learner.prison_id = prison.id
    learner.user.prison_id = prison.id
    learner.status_changed_at, learner.status_changed_by_id = utcnow(), staff.id
    audit.record("campus.learner_transferred", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), details={"to_prison": prison.code})


def release_learner(staff: User, learner: Learner) -> None:
    """Released: no more sessions, and no messages in either direction. The history is kept."""
    policy.authorize(staff, "campus.learner.manage", learner)
    if learner.status == LearnerStatus.RELEASED:
        raise DomainError("This learner has already been recorded as released")
    _end_sessions_of(learner, EndReason.LEFT_PRISON, staff)
    learner.status = LearnerStatus.RELEASED
    learner.status_changed_at, learner.status_changed_by_id = utcnow(), staff.id
    learner.user.disabled_at = utcnow()
    audit.record("campus.learner_released", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner))


def set_offender_manager(staff: User, learner: Learner, email: str) -> None:
    from portal.accounts.operations import find_user_by_email

    policy.authorize(staff, "campus.learner.manage", learner)
    manager = find_user_by_email(email or "") if (email or "").strip() else None
    if (email or "").strip() and (manager is None or manager.role != Role.OFFENDER_MANAGER):
        raise DomainError("Enter the email address of an offender manager who uses the portal",
                          "offender_manager_email")
    learner.offender_manager_id = manager.id if manager else None
    audit.record("campus.offender_manager_set", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner))


# --- Supervised sessions ---

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


# --- Checked messages ---

_URL = re.compile(r"(https?:|ftp:|www\.|//|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|org|net|uk|io|info|biz|gov|me|co)\b)",
                  re.IGNORECASE)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_PHONE = re.compile(r"(\+?\d[\d\s().-]{8,}\d)")

MESSAGE_RULES = ("Write in your own words. Do not include web addresses (links), email addresses or phone "
                 "numbers: a message with any of these is refused. You cannot attach files.")


def check_message_text(body: str, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError("Enter your message", field)
    if len(body) > MESSAGE_MAX:
        raise DomainError(f"Message must be {MESSAGE_MAX} characters or fewer", field)
    if _EMAIL.search(body):
        raise DomainError("Remove the email address from your message", field)
    if _URL.search(body):
        raise DomainError("Remove the web address from your message. Messages cannot contain links", field)
    if sum(ch.isdigit() for ch in match.group(0)) >= 9 if (match := _PHONE.search(body)) else False:
        raise DomainError("Remove the phone number from your message", field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in body):
        raise DomainError("Remove the special characters from your message", field)
    return body


def approved_contact(public_id: str) -> Organisation | None:
    """An organisation a learner may write to: a verified provider or employer, never a person."""
    return db.session.scalar(select(Organisation).where(
        Organisation.public_id == public_id, Organisation.status == OrgStatus.APPROVED,
        Organisation.kind.in_(CONTACT_KINDS)))


def find_contacts(text: str, limit: int = 20) -> list[Organisation]:
    text = " ".join((text or "").split())[:100]
    query = select(Organisation).where(Organisation.status == OrgStatus.APPROVED,
                                       Organisation.kind.in_(CONTACT_KINDS))
    if text:
        query = query.where(func.lower(Organisation.name).contains(text.lower(), autoescape=True))
    return list(db.session.scalars(query.order_by(Organisation.name).limit(limit)))


def is_blocked(learner: Learner, organisation: Organisation) -> bool:
    return db.session.scalar(select(ContactBlock.id).where(
        ContactBlock.learner_id == learner.id, ContactBlock.organisation_id == organisation.id,
        ContactBlock.active.is_(True))) is not None


def can_write(learner: Learner, organisation: Organisation) -> str | None:
    """Why the learner cannot write to this organisation now, or None."""
    if not learner.in_prison:
        return "Messages cannot be sent after release from the campus"
    if learner.messaging_suspended:
        return "Your messages are paused by staff at your prison. Ask them if you want to know more"
    if is_blocked(learner, organisation):
        return "You cannot write to this organisation. Ask staff at your prison if you want to know more"
    return None


def send_message(learner_user: User, organisation: Organisation, subject: str, body: str,
                 include_cv: bool = False) -> Message:
    """A learner's message: it waits for a member of staff at their prison to check it."""
    learner = learner_of(learner_user)
    if learner is None:
        raise _not_found()
    if (problem := can_write(learner, organisation)) is not None:
        raise DomainError(problem)
    subject = " ".join((subject or "").split())
    if not subject:
        raise DomainError("Enter what your message is about", "subject")
    if len(subject) > SUBJECT_MAX:
        raise DomainError(f"What your message is about must be {SUBJECT_MAX} characters or fewer", "subject")
    check_message_text(subject, "subject")
    body = check_message_text(body)
    snapshot = None
    if include_cv:
        cv = cv_for(learner)
        if not cv_has_content(cv):
            raise DomainError("Your CV is empty. Write your CV first, or send the message without it", "include_cv")
        snapshot = cv_snapshot(cv)
    message = Message(learner=learner, organisation=organisation, direction=Direction.TO_ORGANISATION,
                      subject=subject, body=body, cv_snapshot=snapshot, sent_at=utcnow(), sent_by_id=learner_user.id)
    db.session.add(message)
    db.session.flush()
    audit.record("campus.message_sent", "campus_message", message.public_id, actor=learner_user,
                 subject_ref=subject_ref(learner))
    return message


def reply(org_user: User, original: Message, body: str) -> Message:
    """An organisation's reply to a delivered message: it is checked the same way before the learner sees it."""
    policy.authorize(org_user, "campus.message.reply", original, secret=True)
    learner = original.learner
    if not learner.in_prison:
        raise DomainError("This person has left the Virtual Campus, so cannot receive replies", "body")
    if is_blocked(learner, original.organisation):
        raise DomainError("Your organisation cannot send messages to this person", "body")
    body = check_message_text(body)
    message = Message(learner=learner, organisation=original.organisation, direction=Direction.TO_LEARNER,
                      subject=f"Re: {original.subject}"[:SUBJECT_MAX + 4], body=body, in_reply_to=original,
                      sent_at=utcnow(), sent_by_id=org_user.id)
    db.session.add(message)
    db.session.flush()
    audit.record("campus.reply_sent", "campus_message", message.public_id, actor=org_user,
                 subject_ref=subject_ref(learner))
    return message


def decide_message(staff: User, message: Message, approve: bool, reason: str = "") -> None:
    """Approve (deliver) or stop a waiting message. A stopped message's reason is shown to the learner."""
    policy.authorize(staff, "campus.message.check", message, secret=True)
    if message.state != MessageState.WAITING:
        raise DomainError("This message has already been checked")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError("Enter the reason for stopping this message. The learner will see it", "reason")
    if len(reason) > 500:
        raise DomainError("Reason must be 500 characters or fewer", "reason")
    message.state = MessageState.APPROVED if approve else MessageState.STOPPED
    message.decided_at, message.decided_by_id, message.stop_reason = utcnow(), staff.id, reason
    audit.record("campus.message_approved" if approve else "campus.message_stopped", "campus_message",
                 message.public_id, actor=staff, subject_ref=subject_ref(message.learner), reason=reason,
                 details={"direction": message.direction})


def messages_to_check(staff: User) -> list[Message]:
    return list(db.session.scalars(policy.checkable_messages(staff).where(Message.state == MessageState.WAITING)
                                   .options(selectinload(Message.learner).selectinload(Learner.user),
                                            selectinload(Message.organisation))
                                   .order_by(Message.sent_at)))


def message_for_staff(staff: User, public_id: str) -> Message:
    return _authorized(Message, public_id, staff, "campus.message.check")


def learner_messages(learner_user: User) -> list[Message]:
    return list(db.session.scalars(policy.learner_visible_messages(learner_user)
                                   .options(selectinload(Message.organisation)).order_by(Message.sent_at)))


def learner_message_history(learner: Learner) -> list[Message]:
    """Every message, in both directions and every state, for staff at the learner's prison."""
    return list(db.session.scalars(select(Message).where(Message.learner_id == learner.id)
                                   .options(selectinload(Message.organisation)).order_by(Message.sent_at)))


def organisation_inbox(org_user: User) -> list[Message]:
    return list(db.session.scalars(policy.organisation_visible_messages(org_user)
                                   .order_by(Message.sent_at.desc())))


def inbox_message(org_user: User, public_id: str) -> Message:
    return _authorized(Message, public_id, org_user, "campus.message.read_org")


def mark_read(reader: User, message: Message) -> None:
    if message.read_at is None:
        message.read_at = utcnow()
        audit.record("campus.message_read", "campus_message", message.public_id, actor=reader,
                     subject_ref=subject_ref(message.learner))


def suspend_messaging(staff: User, learner: Learner, reason: str) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for pausing this learner's messages", "reason")
    if learner.messaging_suspended:
        raise DomainError("This learner's messages are already paused")
    learner.messaging_suspended_at, learner.messaging_suspended_by_id = utcnow(), staff.id
    learner.messaging_suspended_reason = reason[:500]
    audit.record("campus.messaging_suspended", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), reason=reason)


def resume_messaging(staff: User, learner: Learner) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    if not learner.messaging_suspended:
        raise DomainError("This learner's messages are not paused")
    learner.messaging_suspended_at = learner.messaging_suspended_by_id = None
    learner.messaging_suspended_reason = ""
    audit.record("campus.messaging_resumed", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner))


def block_contact(staff: User, learner: Learner, organisation_public_id: str, reason: str) -> ContactBlock:
    policy.authorize(staff, "campus.learner.manage", learner)
    organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == organisation_public_id))
    if organisation is None:
        raise DomainError("Select the organisation to block", "organisation")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for blocking this organisation", "reason")
    if is_blocked(learner, organisation):
        raise DomainError("This organisation is already blocked for this learner", "organisation")
    block = ContactBlock(learner_id=learner.id, organisation=organisation, blocked_at=utcnow(),
                         blocked_by_id=staff.id, reason=reason[:500])
    db.session.add(block)
    audit.record("campus.contact_blocked", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), reason=reason, details={"organisation": organisation.public_id})
    return block


def lift_block(staff: User, learner: Learner, organisation_public_id: str) -> None:
    policy.authorize(staff, "campus.learner.manage", learner)
    block = db.session.scalar(select(ContactBlock).join(ContactBlock.organisation).where(
        ContactBlock.learner_id == learner.id, Organisation.public_id == organisation_public_id,
        ContactBlock.active.is_(True)))
    if block is None:
        raise _not_found()
    block.active, block.lifted_at, block.lifted_by_id = False, utcnow(), staff.id
    audit.record("campus.contact_unblocked", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), details={"organisation": organisation_public_id})


def active_blocks(learner: Learner) -> list[ContactBlock]:
    return list(db.session.scalars(select(ContactBlock).where(ContactBlock.learner_id == learner.id,
                                                              ContactBlock.active.is_(True))
                                   .options(selectinload(ContactBlock.organisation))))


def contacts_of(learner: Learner) -> list[Organisation]:
    """Organisations the learner has written to or heard from (to choose one to block)."""
    ids = select(Message.organisation_id).where(Message.learner_id == learner.id)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


# --- Learning content ---

@dataclass
class ContentDetails:
    topic: str
    title: str
    summary: str
    accredited_by: str = ""


def _check_content(details: ContentDetails) -> ContentDetails:
    errors = []
    if details.topic not in TOPICS:
        errors.append(("topic", "Select a topic"))
    title = " ".join((details.title or "").split())
    if not title:
        errors.append(("title", "Enter a title"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    if len(details.summary or "") > 1000:
        errors.append(("summary", "Summary must be 1,000 characters or fewer"))
    if errors:
        raise InvalidInput(errors)
    return ContentDetails(details.topic, title, (details.summary or "").strip(),
                          " ".join((details.accredited_by or "").split())[:200])


def create_content(author: User, details: ContentDetails) -> ContentItem:
    policy.authorize(author, "campus.content.write")
    details = _check_content(details)
    item = ContentItem(topic=details.topic, title=details.title, summary=details.summary,
                       accredited_by=details.accredited_by, created_by_id=author.id,
                       organisation_id=author.organisation.id if author.role != Role.ADMIN else None)
    db.session.add(item)
    db.session.flush()
    audit.record("campus.content_created", "campus_content", item.public_id, actor=author)
    return item


def _editable(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if item.is_published:
        raise DomainError("Withdraw this item before changing it: learners see only what has been published")


def update_content(author: User, item: ContentItem, details: ContentDetails) -> None:
    _editable(author, item)
    details = _check_content(details)
    item.topic, item.title, item.summary, item.accredited_by = (details.topic, details.title, details.summary,
                                                                details.accredited_by)


def _check_lesson(title: str, body: str) -> tuple[str, str]:
    errors = []
    title = " ".join((title or "").split())
    if not title:
        errors.append(("title", "Enter a title for the lesson"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    body = (body or "").strip()
    if not body:
        errors.append(("body", "Enter the lesson's text"))
    elif len(body) > 50_000:
        errors.append(("body", "The lesson's text must be 50,000 characters or fewer"))
    if errors:
        raise InvalidInput(errors)
    return title, body


def add_lesson(author: User, item: ContentItem, title: str, body: str) -> Lesson:
    _editable(author, item)
    title, body = _check_lesson(title, body)
    lesson = Lesson(content=item, position=len(item.lessons) + 1, title=title, body=body)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(author: User, lesson: Lesson, title: str, body: str) -> None:
    _editable(author, lesson.content)
    lesson.title, lesson.body = _check_lesson(title, body)


def add_question(author: User, lesson: Lesson, question: str, options: list[str], correct: str) -> QuizQuestion:
    _editable(author, lesson.content)
    errors = []
    question = " ".join((question or "").split())
    if not question:
        errors.append(("question", "Enter the question"))
    elif len(question) > 500:
        errors.append(("question", "Question must be 500 characters or fewer"))
    filled = [(i, " ".join((o or "").split())[:200]) for i, o in enumerate(options)]
    answers = [text for _, text in filled if text]
    if len(answers) < 2:
        errors.append(("option_1", "Enter at least 2 answers"))
    index = int(correct) - 1 if (correct or "").isdigit() else -1
    if not 0 <= index < len(filled) or not filled[index][1]:
        errors.append(("correct", "Select the right answer, one you have written"))
    if errors:
        raise InvalidInput(errors)
    correct_text = filled[index][1]
    entry = QuizQuestion(lesson=lesson, position=len(lesson.questions) + 1, question=question, options=answers,
                         correct=answers.index(correct_text))
    db.session.add(entry)
    return entry


def upload_image(author: User, data: bytes, alt_text: str) -> ContentImage:
    """Check an uploaded picture (PNG or JPEG, under 2MB) and keep it in the portal's storage."""
    from portal.campus import rendering

    policy.authorize(author, "campus.content.write")
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise DomainError("Describe the picture", "alt_text")
    media_type = rendering.check_image(data)
    image = ContentImage(uploaded_by_id=author.id, media_type=media_type, size=len(data), alt_text=alt_text[:300],
                         organisation_id=author.organisation.id if author.organisation else None)
    db.session.add(image)
    db.session.flush()
    storage().put(rendering.image_key(image.public_id), data, media_type)
    audit.record("campus.image_uploaded", "campus_image", image.public_id, actor=author)
    return image


def publish_content(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if item.is_published:
        raise DomainError("This item is already published")
    if not item.lessons:
        raise DomainError("Add at least one lesson or page before publishing")
    item.state, item.published_at, item.published_by_id = ContentState.PUBLISHED, utcnow(), author.id
    audit.record("campus.content_published", "campus_content", item.public_id, actor=author)


def withdraw_content(author: User, item: ContentItem) -> None:
    policy.authorize(author, "campus.content.edit", item, secret=True)
    if not item.is_published:
        raise DomainError("This item is not published")
    item.state = ContentState.DRAFT
    audit.record("campus.content_withdrawn", "campus_content", item.public_id, actor=author)


def content_for_author(author: User, public_id: str) -> ContentItem:
    return _authorized(ContentItem, public_id, author, "campus.content.edit")


def lesson_for_author(author: User, public_id: str) -> Lesson:
    lesson = db.session.scalar(select(Lesson).where(Lesson.public_id == public_id))
    if lesson is None:
        raise _not_found()
    policy.authorize(author, "campus.content.edit", lesson.content, secret=True)
    return lesson


def authored_content(author: User) -> list[ContentItem]:
    query = select(ContentItem).order_by(ContentItem.topic, ContentItem.title)
    if author.role != Role.ADMIN:
        query = query.where(ContentItem.organisation_id == author.organisation.id)
    return list(db.session.scalars(query))


def published_content() -> list[ContentItem]:
    return list(db.session.scalars(select(ContentItem).where(ContentItem.state == ContentState.PUBLISHED)
                                   .options(selectinload(ContentItem.lessons))
                                   .order_by(ContentItem.topic, ContentItem.title)))


def published_item(public_id: str) -> ContentItem:
    item = db.session.scalar(select(ContentItem).where(ContentItem.public_id == public_id,
                                                       ContentItem.state == ContentState.PUBLISHED))
    if item is None:
        raise _not_found()
    return item


def published_lesson(public_id: str) -> Lesson:
    lesson = db.session.scalar(select(Lesson).join(Lesson.content).where(
        Lesson.public_id == public_id, ContentItem.state == ContentState.PUBLISHED))
    if lesson is None:
        raise _not_found()
    return lesson


def complete_lesson(learner_user: User, lesson: Lesson, answers: dict[int, str]) -> Progress:
    """Record a finished lesson. With a quiz, every question needs an answer; the score is kept (a retry
    replaces it)."""
    learner = learner_of(learner_user)
    errors = []
    score = 0
    for question in lesson.questions:
        answer = answers.get(question.id)
        if answer is None or not answer.isdigit() or not 0 <= int(answer) < len(question.options):
            errors.append((f"question-{question.id}", f"Select an answer to question {question.position}"))
        elif int(answer) == question.correct:
            score += 1
    if errors:
        raise InvalidInput(errors)
    progress = db.session.scalar(select(Progress).where(Progress.learner_id == learner.id,
                                                        Progress.lesson_id == lesson.id))
    if progress is None:
        progress = Progress(learner_id=learner.id, lesson_id=lesson.id, completed_at=utcnow())
        db.session.add(progress)
    progress.completed_at = utcnow()
    progress.score, progress.out_of = (score, len(lesson.questions)) if lesson.questions else (None, None)
    db.session.flush()
    return progress


@dataclass
class ItemProgress:
    item: ContentItem
    done: int
    total: int
    scores: dict[int, Progress]

    @property
    def status(self) -> str:
        return "Completed" if self.total and self.done >= self.total else "In progress" if self.done else "Not started"


def progress_of(learner: Learner) -> list[ItemProgress]:
    done = {p.lesson_id: p for p in db.session.scalars(select(Progress).where(Progress.learner_id == learner.id))}
    return [ItemProgress(item, sum(1 for lesson in item.lessons if lesson.id in done), len(item.lessons),
                         {lesson.id: done[lesson.id] for lesson in item.lessons if lesson.id in done})
            for item in published_content()]


# --- The CV ---

CV_TEXT_MAX = 3000


def cv_for(learner: Learner) -> Cv:
    cv = db.session.scalar(select(Cv).where(Cv.learner_id == learner.id))
    if cv is None:
        cv = Cv(learner=learner)
        db.session.add(cv)
        db.session.flush()
    return cv


def cv_has_content(cv: Cv) -> bool:
    return bool(cv.personal_statement or cv.skills or cv.entries)


def _clean_block(value: str, field: str, label: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > CV_TEXT_MAX:
        raise DomainError(f"{label} must be {CV_TEXT_MAX:,} characters or fewer", field)
    return value


def update_cv(learner_user: User, statement: str, skills: str, references: str, disclosure: str) -> Cv:
    learner = learner_of(learner_user)
    cv = cv_for(learner)
    errors = []
    values = {}
    for field, value, label in (("personal_statement", statement, "Personal statement"), ("skills", skills, "Skills"),
                                ("references", references, "References"),
                                ("disclosure", disclosure, "What you say about your conviction")):
        try:
            values[field] = _clean_block(value, field, label)
        except DomainError as exc:
            errors.append((exc.field, exc.message))
    if errors:
        raise InvalidInput(errors)
    for field, value in values.items():
        setattr(cv, field, value)
    return cv


def add_cv_entry(learner_user: User, kind: str, title: str, place: str, dates: str, description: str) -> CvEntry:
    cv = cv_for(learner_of(learner_user))
    errors = []
    if kind not in CvEntryKind.LABELS:
        errors.append(("kind", "Select what kind of entry this is"))
    title = " ".join((title or "").split())
    if not title:
        errors.append(("title", "Enter the job title, course or qualification"))
    elif len(title) > 200:
        errors.append(("title", "Title must be 200 characters or fewer"))
    if len(place or "") > 200:
        errors.append(("place", "Where must be 200 characters or fewer"))
    if len(dates or "") > 100:
        errors.append(("dates", "When must be 100 characters or fewer"))
    if len(description or "") > CV_TEXT_MAX:
        errors.append(("description", f"What you did must be {CV_TEXT_MAX:,} characters or fewer"))
    if errors:
        raise InvalidInput(errors)
    entry = CvEntry(cv=cv, kind=kind, title=title, place=" ".join((place or "").split()),
                    dates=" ".join((dates or "").split()), description=(description or "").strip())
    db.session.add(entry)
    cv.updated_at = utcnow()
    return entry


def remove_cv_entry(learner_user: User, public_id: str) -> None:
    cv = cv_for(learner_of(learner_user))
    entry = next((e for e in cv.entries if e.public_id == public_id), None)
    if entry is None:
        raise _not_found()
    cv.entries.remove(entry)


def cv_snapshot(cv: Cv) -> dict:
    """The CV as it is now, frozen: what a message carries and what an offender manager is shown."""
    sections = {kind: [{"title": e.title, "place": e.place, "dates": e.dates, "description": e.description}
                       for e in cv.entries if e.kind == kind] for kind in CvEntryKind.LABELS}
    return {"name": cv.learner.user.name, "personal_statement": cv.personal_statement,
            "skills": [line.strip(" -•*") for line in cv.skills.splitlines() if line.strip(" -•*")],
            "sections": sections, "references": cv.references, "disclosure": cv.disclosure,
            "made_at": utcnow().date().isoformat()}


def share_cv_with_offender_manager(learner_user: User) -> Cv:
    learner = learner_of(learner_user)
    if learner.offender_manager_id is None:
        raise DomainError("Staff at your prison have not yet recorded your offender manager. Ask them to add them")
    cv = cv_for(learner)
    if not cv_has_content(cv):
        raise DomainError("Your CV is empty. Write your CV first")
    cv.shared_snapshot = cv_snapshot(cv)
    cv.shared_with_offender_manager_at = utcnow()
    audit.record("campus.cv_shared", "learner", learner.public_id, actor=learner_user,
                 subject_ref=subject_ref(learner))
    return cv


def cvs_shared_with(manager: User) -> list[Cv]:
    return list(db.session.scalars(select(Cv).join(Cv.learner).where(
        Learner.offender_manager_id == manager.id, Cv.shared_snapshot.is_not(None))
        .options(selectinload(Cv.learner).selectinload(Learner.user))))


def shared_cv(manager: User, learner_public_id: str) -> Cv:
    cv = db.session.scalar(select(Cv).join(Cv.learner).where(Learner.public_id == learner_public_id))
    if cv is None or cv.shared_snapshot is None:
        raise _not_found()
    policy.authorize(manager, "campus.cv.view_shared", cv, secret=True)
    audit.record("campus.cv_viewed", "learner", cv.learner.public_id, actor=manager,
                 subject_ref=subject_ref(cv.learner))
    return cv


# --- The market place ---

def find_services(learner: Learner, text: str = "", pathway: str = "", page: int = 1):
    """Directory services for the learner's release area, through the directory's own search."""
    from portal.directory import finding, vocabulary
    from portal.directory.postcodes import locate

    filters: dict[str, list[str]] = {}
    place = None
    area = learner.release_area
    if area in vocabulary.REGIONS:
        filters["region"] = [area]
    elif area:
        outcode, latitude, longitude = locate(area)
        place = finding.Place(outcode, latitude, longitude)
    if pathway in vocabulary.RESETTLEMENT_PATHWAYS:
        filters["pathway"] = [pathway]
    criteria = finding.Criteria(text=finding.clean_text(text)[0], filters=filters, place=place,
                                miles=finding.DEFAULT_MILES, page=max(1, min(page, finding.MAX_PAGE)))
    return finding.find_services(criteria)


def market_service(service_uuid: str):
    """A listed directory service a learner may read about and say they are interested in."""
    from portal.directory import finding

    service = finding.listed_service(service_uuid)
    if service is None or not (service.organisation.status == OrgStatus.APPROVED):
        raise _not_found()
    return service


def find_opportunities(learner: Learner, text: str = "", limit: int = 20) -> list:
    """Employer opportunities (guaranteed interviews, placements, training, mentoring) a learner may approach:
    open to their prison (or to any prison) and near the area they will be released to. Each result's employer
    is an approved organisation, so an interest becomes a checked message to it (`send_message`)."""
    from portal.directory import vocabulary
    from portal.employers import operations as employers

    area = learner.release_area
    near = {"region": area} if area in vocabulary.REGIONS else {"postcode": area} if area else {}
    try:
        filters = employers.OpportunityFilters.parse(text=text, prison=learner.prison.code, **near)
    except DomainError:
        return []
    return [found.opportunity for found in employers.find_opportunities(filters, per_page=limit).items]


def may_see_learner_pages(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.LEARNER)
