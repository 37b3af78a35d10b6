"""Access rules: the one place that answers "may this user do this to this object?".

Every view and API call asks `authorize(user, action, obj)`. Rules are plain functions in RULES, keyed by
action; an action without a rule is refused. Where an object's existence is itself a secret (referrals,
drafts), refusal is a 404 so other users cannot learn that it exists.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, and_, false, or_, select
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


# --- Corporate Alliance (employers) ---

OPPORTUNITY_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)
OPPORTUNITY_FINDERS = (Role.ADMIN, Role.OFFENDER_MANAGER, Role.PRISON_STAFF, Role.EMPLOYER, Role.PROVIDER,
                       Role.LEAD_PROVIDER)


def _employer_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Staff of an approved employer organisation (with one of `org_roles`, when given)."""
    return (_is(user, Role.EMPLOYER) and organisation is not None and organisation.status == OrgStatus.APPROVED
            and _member_of(user, organisation, *org_roles))


def _practitioner(user: User | None) -> bool:
    """Offender managers and prison staff nominate people for opportunities."""
    return _is(user, Role.OFFENDER_MANAGER, Role.PRISON_STAFF)


def _findable(opportunity: Any) -> bool:
    from portal.employers.operations import is_findable  # the employers' views import this module

    return is_findable(opportunity)


def _nominatable(opportunity: Any) -> bool:
    from portal.employers.vocabulary import NOMINATABLE

    return opportunity.kind in NOMINATABLE


def same_team(user: User | None, colleague: User | None) -> bool:
    """A practitioner's team: offender managers of the same probation region, or staff of the same prison."""
    if not (_practitioner(user) and colleague is not None and colleague.role == user.role):
        return False
    if user.id == colleague.id:
        return True
    if user.role == Role.OFFENDER_MANAGER:
        return user.probation_region_id is not None and colleague.probation_region_id == user.probation_region_id
    return user.prison_id is not None and colleague.prison_id == user.prison_id


def nomination_party(user: User | None, nomination: Any) -> str | None:
    """Whose side of a nomination the user is on: "employer" (staff of the opportunity's employer),
    "practitioner" (the nominating practitioner or their team), or None (may not see it)."""
    if _employer_staff(user, nomination.opportunity.organisation):
        return "employer"
    if same_team(user, nomination.nominated_by):
        return "practitioner"
    return None


def _published(user: User | None, service: Any) -> bool:
    from portal.directory.models import ListingState  # imported here: the directory's views import this module

    return service.state == ListingState.PUBLISHED


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
    # --- Corporate Alliance (employers) ---
    # Employer staff (of an approved employer organisation) join the Alliance, post and look after their
    # organisation's opportunities and follow the nominations made for them; administrators verify levels.
    "alliance.join": lambda user, org: _employer_staff(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "alliance.view_own": lambda user, org: _employer_staff(user, org),
    "alliance.verify": _is_admin,
    "opportunity.post": lambda user, org: _employer_staff(user, org, *OPPORTUNITY_EDITORS),
    "opportunity.manage": lambda user, opportunity: _employer_staff(user, opportunity.organisation,
                                                                    *OPPORTUNITY_EDITORS),
    "opportunity.find": lambda user, _=None: _is(user, *OPPORTUNITY_FINDERS),
    "opportunity.view": lambda user, opportunity: _is_admin(user) or _employer_staff(
        user, opportunity.organisation) or (_is(user, *OPPORTUNITY_FINDERS) and _findable(opportunity)),
    "nomination.create": lambda user, opportunity: _practitioner(user) and _findable(opportunity)
    and _nominatable(opportunity),
    "nomination.list": lambda user, _=None: _practitioner(user) or _is(user, Role.EMPLOYER),
    "nomination.view": lambda user, nomination: nomination_party(user, nomination) is not None,
    "employer.dashboard": lambda user, org: _employer_staff(user, org),
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

def visible_organisations(user: User | None) -> Select:
    query = select(Organisation)
    if _is_admin(user):
        return query
    return query.where(Organisation.status == OrgStatus.APPROVED)


def team_members(user: User | None) -> Select:
    """The practitioners in the user's team (the user included): offender managers of the same probation
    region, or staff of the same prison. Nobody else is anybody's team."""
    if not _practitioner(user):
        return select(User).where(false())
    query = select(User).where(User.role == user.role)
    key = User.probation_region_id if user.role == Role.OFFENDER_MANAGER else User.prison_id
    value = user.probation_region_id if user.role == Role.OFFENDER_MANAGER else user.prison_id
    return query.where(or_(User.id == user.id, and_(key.is_not(None), key == value)) if value is not None
                       else User.id == user.id)


def visible_nominations(user: User | None) -> Select:
    """Nominations the user may see: employer staff, those for their organisation's opportunities; a
    practitioner, those they or their team made; everyone else, none (administrators included)."""
    from portal.employers.models import Nomination, Opportunity

    query = select(Nomination)
    if _is(user, Role.EMPLOYER) and user.organisation is not None and user.organisation.status == OrgStatus.APPROVED:
        return query.join(Opportunity, Nomination.opportunity_id == Opportunity.id).where(
            Opportunity.organisation_id == user.organisation.id)
    if _practitioner(user):
        return query.where(Nomination.nominated_by_id.in_(team_members(user).with_only_columns(User.id)))
    return query.where(false())


def managed_opportunities(user: User | None) -> Select:
    """The opportunities of the user's employer organisation (any state), for its staff."""
    from portal.employers.models import Opportunity

    if not _employer_staff(user, user.organisation if user else None):
        return select(Opportunity).where(false())
    return select(Opportunity).where(Opportunity.organisation_id == user.organisation.id)
