"""Access rules: the one place that answers "may this user do this to this object?".

Every view and API call asks `authorize(user, action, obj)`. Rules are plain functions in RULES, keyed by
action; an action without a rule is refused. Where an object's existence is itself a secret (referrals,
drafts), refusal is a 404 so other users cannot learn that it exists.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden, NotFound

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgRole, OrgStatus, Role

Rule = Callable[[User, Any], bool]


def _is(user: User | None, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def _is_admin(user: User | None, obj: Any = None) -> bool:
    return _is(user, Role.ADMIN)


def _member_of(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    if not (user and user.is_authenticated and organisation and user.membership):
        return False
    membership = user.membership
    return membership.organisation_id == organisation.id and (not org_roles or membership.org_role in org_roles)


def _listing_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Provider staff of an approved organisation (with one of `org_roles`, when given)."""
    return (_is(user, Role.PROVIDER, Role.LEAD_PROVIDER) and organisation is not None
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *org_roles))


LISTING_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)


def _published(user: User | None, service: Any) -> bool:
    from portal.directory.models import ListingState  # imported here: the directory's views import this module

    return service.state == ListingState.PUBLISHED


# --- Referrals: criminal-offence data, so the narrowest rules in the portal ---

def _referrer(user: User | None, referral: Any) -> bool:
    """The offender manager who made the referral, or one in their team (the same probation region)."""
    return _is(user, Role.OFFENDER_MANAGER) and (
        referral.created_by_id == user.id
        or (user.probation_region_id is not None and referral.probation_region_id == user.probation_region_id))


def _provider_staff(user: User | None, referral: Any) -> bool:
    """Staff of the provider organisation, once the referral is sent. Caseworkers see the cases assigned to
    them and the unassigned queue; owners and managers see all; finance staff see none."""
    from portal.referrals.workflow import State

    if referral.state == State.DRAFT or not _listing_staff(user, referral.organisation, *LISTING_EDITORS):
        return False
    if user.membership.org_role == OrgRole.CASEWORKER:
        return referral.assigned_to_id in (None, user.id)
    return True


def referral_actors(user: User | None, referral: Any) -> set:
    """Which parts (workflow.Actor) the user plays for this referral: the transition table says what each may do."""
    from portal.referrals.workflow import Actor

    actors = set()
    if _referrer(user, referral):
        actors.add(Actor.REFERRER)
    if _provider_staff(user, referral):
        actors.add(Actor.PROVIDER)
        if user.membership.org_role in (OrgRole.OWNER, OrgRole.MANAGER):
            actors |= {Actor.PROVIDER_MANAGER, Actor.DELIVERER}
        elif referral.assigned_to_id == user.id:
            actors.add(Actor.DELIVERER)
    return actors


def _may_take(step: str) -> Rule:
    def rule(user: User | None, referral: Any) -> bool:
        from portal.referrals.workflow import TRANSITIONS

        return bool(TRANSITIONS[step].actors & referral_actors(user, referral))
    return rule


def _sees_risk(user: User | None, referral: Any) -> bool:
    from portal.referrals.workflow import ACCEPTED_OR_LATER

    return _referrer(user, referral) or (_provider_staff(user, referral) and referral.state in ACCEPTED_OR_LATER)


def _referral_reports(user: User | None, organisation: Organisation | None) -> bool:
    return _is_admin(user) or _listing_staff(user, organisation, OrgRole.OWNER, OrgRole.MANAGER)


REFERRAL_STEPS = ("send", "accept", "decline", "assign", "book", "record_session", "complete", "withdraw",
                  "end_early")


RULES: dict[str, Rule] = {
    "admin.access": _is_admin,
    "organisation.approve": _is_admin,
    "organisation.view": lambda user, org: _is_admin(user) or _member_of(user, org) or org.status == OrgStatus.APPROVED,
    "organisation.edit": lambda user, org: _is_admin(user) or _member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.invite": lambda user, org: _member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.members": lambda user, org: _is_admin(user) or _member_of(user, org),
    "api_token.manage": lambda user, token: bool(user and user.is_authenticated and token.user_id == user.id),
    # Finding services: any signed-in staff member (not a learner) keeps lists of services, each list its
    # owner's alone; administrators see which searches find nothing.
    "directory.save": lambda user, _=None: _is(user, *(role for role in Role if role != Role.LEARNER)),
    "saved_list.manage": lambda user, saved_list: bool(
        _is(user, *(role for role in Role if role != Role.LEARNER)) and saved_list.user_id == user.id),
    "directory.search_gaps": _is_admin,
    # Directory listings: `listing.list` and `listing.edit` take the organisation, the others the service.
    "listing.list": lambda user, org: _listing_staff(user, org),
    "listing.edit": lambda user, org: _listing_staff(user, org, *LISTING_EDITORS),
    "listing.view": lambda user, service: _is_admin(user) or _listing_staff(user, service.organisation),
    "listing.review": _is_admin,
    "listing.report": _published,
    # Referrals. Administrators do not browse referrals: they answer subject access and erasure requests.
    "referral.create": lambda user, _=None: _is(user, Role.OFFENDER_MANAGER),
    "referral.view": lambda user, referral: _referrer(user, referral) or _provider_staff(user, referral),
    "referral.view_risk": _sees_risk,
    "referral.edit_draft": lambda user, referral: referral.state == "draft" and _referrer(user, referral),
    "referral.amend": lambda user, referral: _referrer(user, referral),
    **{f"referral.{step}": _may_take(step) for step in REFERRAL_STEPS},
    "referral.reports": _referral_reports,
    "referral.subject_access": _is_admin,
}


# Actions an anonymous visitor may be granted (the rule still decides per object).
PUBLIC_ACTIONS = frozenset({"organisation.view", "listing.report"})


def can(user: User | None, action: str, obj: Any = None) -> bool:
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no access rule for {action!r}")
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    if not signed_in and action not in PUBLIC_ACTIONS:
        return False
    return bool(rule(user if signed_in else None, obj))


def authorize(user: User | None, action: str, obj: Any = None, *, secret: bool = False) -> None:
    """Raise 404 (when the object's existence is secret) or 403 unless the user may act."""
    if not can(user, action, obj):
        raise NotFound() if secret else Forbidden()


# --- Scoped queries: what a user may list ---

def visible_referrals(user: User | None) -> Select:
    """The referrals a user may list: the same rules as `referral.view`, as a query."""
    from sqlalchemy import false, or_

    from portal.referrals.models import Referral
    from portal.referrals.workflow import State

    query = select(Referral)
    if _is(user, Role.OFFENDER_MANAGER):
        mine = Referral.created_by_id == user.id
        if user.probation_region_id is not None:
            mine = or_(mine, Referral.probation_region_id == user.probation_region_id)
        return query.where(mine)
    organisation = user.organisation if user and user.is_authenticated else None
    if not _listing_staff(user, organisation, *LISTING_EDITORS):
        return query.where(false())
    query = query.where(Referral.organisation_id == organisation.id, Referral.state != State.DRAFT)
    if user.membership.org_role == OrgRole.CASEWORKER:
        query = query.where(or_(Referral.assigned_to_id.is_(None), Referral.assigned_to_id == user.id))
    return query


def visible_organisations(user: User | None) -> Select:
    query = select(Organisation)
    if _is_admin(user):
        return query
    return query.where(Organisation.status == OrgStatus.APPROVED)


# --- Virtual Campus: learners are seen by staff at their own prison only; organisations see only the messages
# delivered to them (and their own replies); a learner sees only their own record, and only while signed in
# through a live kiosk session (checked on every request by portal.campus.gate). ---

def _prison_staff(user: User | None, _=None) -> bool:
    return _is(user, Role.PRISON_STAFF) and user.prison_id is not None


def _staff_of_learner(user: User | None, learner: Any) -> bool:
    return _prison_staff(user) and learner.prison_id == user.prison_id


def _campus_org_staff(user: User | None, organisation: Organisation | None) -> bool:
    """Staff of an approved provider or employer organisation (not its finance staff)."""
    return (_is(user, Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER) and organisation is not None
            and organisation.status == OrgStatus.APPROVED and _member_of(user, organisation, *LISTING_EDITORS))


def _org_sees_message(user: User | None, message: Any) -> bool:
    from portal.campus.models import Direction, MessageState

    if not _campus_org_staff(user, message.organisation):
        return False
    return message.direction == Direction.TO_LEARNER or message.state == MessageState.APPROVED


def _learner_sees_message(user: User | None, message: Any) -> bool:
    from portal.campus.models import Direction, MessageState

    return (_is(user, Role.LEARNER) and message.learner.user_id == user.id
            and (message.direction == Direction.TO_ORGANISATION or message.state == MessageState.APPROVED))


def _content_author(user: User | None, _=None) -> bool:
    return _is_admin(user) or _listing_staff(user, user.organisation if user else None, *LISTING_EDITORS)


RULES.update({
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
    "campus.inbox": lambda user, _=None: _campus_org_staff(user, user.organisation if user else None),
    "campus.content.write": _content_author,
    "campus.content.edit": lambda user, item: _is_admin(user) or (
        item.organisation_id is not None and _listing_staff(user, item.organisation, *LISTING_EDITORS)),
    "campus.cv.view_shared": lambda user, cv: (_is(user, Role.OFFENDER_MANAGER)
                                               and cv.learner.offender_manager_id == user.id),
    "campus.shared_cvs": lambda user, _=None: _is(user, Role.OFFENDER_MANAGER),
    "campus.image.view": lambda user, _=None: _is(user, *Role),
})


def visible_learners(user: User | None) -> Select:
    from sqlalchemy import false

    from portal.campus.models import Learner

    query = select(Learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def checkable_messages(user: User | None) -> Select:
    from sqlalchemy import false

    from portal.campus.models import Learner, Message

    query = select(Message).join(Message.learner)
    return query.where(Learner.prison_id == user.prison_id) if _prison_staff(user) else query.where(false())


def learner_visible_messages(user: User | None) -> Select:
    from sqlalchemy import false, or_

    from portal.campus.models import Direction, Learner, Message, MessageState

    query = select(Message).join(Message.learner)
    if not _is(user, Role.LEARNER):
        return query.where(false())
    return query.where(Learner.user_id == user.id, or_(Message.direction == Direction.TO_ORGANISATION,
                                                       Message.state == MessageState.APPROVED))


def organisation_visible_messages(user: User | None) -> Select:
    from sqlalchemy import false, or_

    from portal.campus.models import Direction, Message, MessageState

    query = select(Message)
    organisation = user.organisation if user and user.is_authenticated else None
    if not _campus_org_staff(user, organisation):
        return query.where(false())
    return query.where(Message.organisation_id == organisation.id,
                       or_(Message.direction == Direction.TO_LEARNER, Message.state == MessageState.APPROVED))
