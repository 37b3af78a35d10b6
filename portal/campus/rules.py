"""Access rules for the Virtual Campus: learners are seen by staff at their own prison only; organisations see
only the messages delivered to them (and their own replies); a learner sees only their own record, and only while
signed in through a live kiosk session (checked on every request by portal.campus.gate)."""
from __future__ import annotations

from typing import TypeGuard

from sqlalchemy import Select, false, or_, select

from portal import policy
from portal.accounts.models import Membership, Organisation, User
from portal.accounts.roles import OrgStatus, Role
from portal.accounts.rules import LISTING_EDITORS, approved_member, is_admin, is_role, listing_staff, own_organisation
from portal.campus.models import Direction, Learner, Message, MessageState

INBOX_READERS = (Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER)


def _prison_staff(user: User | None, _: object = None) -> TypeGuard[User]:
    return is_role(user, Role.PRISON_STAFF) and user.prison_id is not None


def _staff_of_learner(user: User | None, learner: Learner) -> bool:
    return _prison_staff(user) and learner.prison_id == user.prison_id


def _campus_org_staff(user: User | None, organisation: Organisation | None) -> bool:
    """Staff of an approved provider or employer organisation (not its finance staff)."""
    return approved_member(user, organisation, INBOX_READERS, *LISTING_EDITORS)


def _org_sees_message(user: User | None, message: Message) -> bool:
    if not _campus_org_staff(user, message.organisation):
        return False
    return message.direction == Direction.TO_LEARNER or message.state == MessageState.APPROVED


def _learner_sees_message(user: User | None, message: Message) -> bool:
    return (is_role(user, Role.LEARNER) and message.learner.user_id == user.id
            and (message.direction == Direction.TO_ORGANISATION or message.state == MessageState.APPROVED))


def _content_author(user: User | None, _: object = None) -> bool:
    return is_admin(user) or listing_staff(user, user.organisation if user else None, *LISTING_EDITORS)


def campus_readable_organisations() -> Select[tuple[int]]:
    """Ids of organisations with someone who can read their campus inbox now (see `_campus_org_staff`): an active,
    verified provider or employer user who is an owner, manager or caseworker of an approved organisation.
    Learners are offered only these, so nobody writes to an inbox that nobody reads."""
    return (select(Membership.organisation_id).join(User, Membership.user_id == User.id)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(User.role.in_(list(INBOX_READERS)), User.disabled_at.is_(None),
                   User.email_verified_at.is_not(None), Membership.org_role.in_(LISTING_EDITORS),
                   Organisation.status == OrgStatus.APPROVED))


def visible_learners(user: User | None) -> Select[tuple[Learner]]:
    query = select(Learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def checkable_messages(user: User | None) -> Select[tuple[Message]]:
    query = select(Message).join(Message.learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def learner_visible_messages(user: User | None) -> Select[tuple[Message]]:
    query = select(Message).join(Message.learner)
    if not is_role(user, Role.LEARNER):
        return query.where(false())
    return query.where(Learner.user_id == user.id, or_(Message.direction == Direction.TO_ORGANISATION,
                                                       Message.state == MessageState.APPROVED))


def organisation_visible_messages(user: User | None) -> Select[tuple[Message]]:
    query = select(Message)
    organisation = own_organisation(user)
    if organisation is None or not _campus_org_staff(user, organisation):
        return query.where(false())
    return query.where(Message.organisation_id == organisation.id,
                       or_(Message.direction == Direction.TO_LEARNER, Message.state == MessageState.APPROVED))


policy.register({
    "campus.manage_learners": _prison_staff,
    "campus.learner.manage": _staff_of_learner,
    "campus.session.end": lambda user, kiosk: _prison_staff(user) and kiosk.prison_id == user.prison_id,
    "campus.message.check": lambda user, message: _staff_of_learner(user, message.learner),
    "campus.message.view": lambda user, message: (_learner_sees_message(user, message)
                                                  or _org_sees_message(user, message)
                                                  or _staff_of_learner(user, message.learner)),
    "campus.message.read_org": _org_sees_message,
    "campus.message.reply": lambda user, message: (
        _org_sees_message(user, message) and message.direction == "to_organisation"),
    "campus.inbox": lambda user, _: _campus_org_staff(user, user.organisation if user else None),
    "campus.content.write": _content_author,
    "campus.content.edit": lambda user, item: is_admin(user) or (
        item.organisation_id is not None and listing_staff(user, item.organisation, *LISTING_EDITORS)),
    # Safeguarding checks (issue #13): content written outside the administrators' team is approved by an
    # administrator; employers' opportunities reach learners once an administrator or prison staff approve them.
    "campus.content.review": lambda user, _: is_admin(user),
    "campus.opportunity.review": lambda user, opportunity: is_admin(user) or (_prison_staff(user) and (
        opportunity is None or not opportunity.prisons or user.prison_id in {p.id for p in opportunity.prisons})),
    "campus.cv.view_shared": lambda user, cv: (is_role(user, Role.OFFENDER_MANAGER)
                                               and cv.learner.offender_manager_id == user.id),
    "campus.shared_cvs": lambda user, _: is_role(user, Role.OFFENDER_MANAGER),
    "campus.image.view": lambda user, _: is_role(user, *Role),
})
