"""Checked messages between learners and approved organisations, the contact filter, staff decisions,
pausing a learner's messages and blocking an organisation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import audit, policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind, OrgStatus
from portal.campus import contact_filter, rules
from portal.campus.models import (
    ContactBlock,
    Direction,
    Learner,
    Message,
    MessageState,
)
from portal.campus.operations.common import learner_record, subject_ref
from portal.campus.operations.cv import cv_for, cv_has_content, cv_snapshot
from portal.database import utcnow
from portal.errors import DomainError
from portal.extensions import db
from portal.lookup import authorized

MESSAGE_MAX = 2000
SUBJECT_MAX = 150
CONTACT_KINDS = (OrgKind.PROVIDER, OrgKind.LEAD_PROVIDER, OrgKind.EMPLOYER)


MESSAGE_RULES = ("Write in your own words. Do not include web addresses (links), email addresses or phone "
                 "numbers: a message with any of these is refused. You cannot attach files.")


def check_message_text(body: str, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError("Enter your message", field)
    if len(body) > MESSAGE_MAX:
        raise DomainError(f"Message must be {MESSAGE_MAX} characters or fewer", field)
    if (problem := contact_filter.refusal(body)) is not None:
        raise DomainError(problem, field)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in body):
        raise DomainError("Remove the special characters from your message", field)
    return body


def _offered() -> Select[tuple[Organisation]]:
    return select(Organisation).where(Organisation.status == OrgStatus.APPROVED,
                                      Organisation.kind.in_(CONTACT_KINDS),
                                      Organisation.id.in_(rules.campus_readable_organisations()))


def approved_contact(public_id: str) -> Organisation | None:
    """An organisation a learner may write to: a verified provider or employer, never a person, with someone who
    reads its campus inbox."""
    return db.session.scalar(_offered().where(Organisation.public_id == public_id))


def reads_campus_messages(organisation: Organisation) -> bool:
    return db.session.scalar(_offered().where(Organisation.id == organisation.id)) is not None


def find_contacts(text: str, limit: int = 20) -> list[Organisation]:
    text = " ".join((text or "").split())[:100]
    query = _offered()
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
    if not reads_campus_messages(organisation):
        return "Nobody at this organisation reads messages on the Virtual Campus at the moment"
    return None


def send_message(learner_user: User, organisation: Organisation, subject: str, body: str,
                 include_cv: bool = False) -> Message:
    """A learner's message: it waits for a member of staff at their prison to check it."""
    learner = learner_record(learner_user)
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
    return list(db.session.scalars(rules.checkable_messages(staff).where(Message.state == MessageState.WAITING)
                                   .options(selectinload(Message.learner).selectinload(Learner.user),
                                            selectinload(Message.organisation))
                                   .order_by(Message.sent_at)))


def message_for_staff(staff: User, public_id: str) -> Message:
    return authorized(staff, "campus.message.check", Message, public_id)


def learner_messages(learner_user: User) -> list[Message]:
    return list(db.session.scalars(rules.learner_visible_messages(learner_user)
                                   .options(selectinload(Message.organisation)).order_by(Message.sent_at)))


def learner_message_history(learner: Learner) -> list[Message]:
    """Every message, in both directions and every state, for staff at the learner's prison."""
    return list(db.session.scalars(select(Message).where(Message.learner_id == learner.id)
                                   .options(selectinload(Message.organisation)).order_by(Message.sent_at)))


def organisation_inbox(org_user: User) -> list[Message]:
    return list(db.session.scalars(rules.organisation_visible_messages(org_user)
                                   .order_by(Message.sent_at.desc())))


def inbox_message(org_user: User, public_id: str) -> Message:
    return authorized(org_user, "campus.message.read_org", Message, public_id)


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
        raise NotFound()
    block.active, block.lifted_at, block.lifted_by_id = False, utcnow(), staff.id
    audit.record("campus.contact_unblocked", "learner", learner.public_id, actor=staff,
                 subject_ref=subject_ref(learner), details={"organisation": organisation_public_id})


def active_blocks(learner: Learner) -> list[ContactBlock]:
    return list(db.session.scalars(select(ContactBlock).where(ContactBlock.learner_id == learner.id,
                                                              ContactBlock.active.is_(True))
                                   .options(selectinload(ContactBlock.organisation))))


@dataclass
class Contact:
    organisation: Organisation
    sent: int
    received: int
    last_at: datetime
    blocked: bool


def contact_summary(learner: Learner) -> list[Contact]:
    """Every organisation the learner is in contact with, for staff at their prison: messages each way (in any
    state), the latest, and whether it is blocked."""
    rows = db.session.execute(select(Message.organisation_id, Message.direction, func.count(),
                                     func.max(Message.sent_at)).where(Message.learner_id == learner.id)
                              .group_by(Message.organisation_id, Message.direction)).tuples().all()
    blocked = {b.organisation_id for b in active_blocks(learner)}
    sent: dict[int, int] = {}
    received: dict[int, int] = {}
    latest: dict[int, datetime] = {}
    for organisation_id, direction, count, last_at in rows:
        tally = sent if direction == Direction.TO_ORGANISATION else received
        tally[organisation_id] = tally.get(organisation_id, 0) + count
        latest[organisation_id] = max(latest.get(organisation_id, last_at), last_at)
    organisations = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(latest)))}
    return sorted((Contact(organisations[i], sent.get(i, 0), received.get(i, 0), last_at, i in blocked)
                   for i, last_at in latest.items()), key=lambda c: c.last_at, reverse=True)


def contacts_of(learner: Learner) -> list[Organisation]:
    """Organisations the learner has written to or heard from (to choose one to block)."""
    ids = select(Message.organisation_id).where(Message.learner_id == learner.id)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))
