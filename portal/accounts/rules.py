"""Access rules for accounts and organisations, and the predicates every domain's rules share: roles, membership
of an organisation, practitioners' teams. Registered into the one entry point, `portal.policy.can`."""
from __future__ import annotations

from typing import Any, TypeGuard

from sqlalchemy import Select, and_, false, or_, select

from portal import policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgRole, OrgStatus, Role

# Provider staff who look after listings, referrals and campus content (finance staff do not)
LISTING_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)
STAFF_ROLES = tuple(role for role in Role if role != Role.LEARNER)


# The predicates below answer True only for a signed-in user, so they are type guards: where one holds, the
# user is a `User` (not None) to the type checker too.
def is_role(user: User | None, *roles: Role) -> TypeGuard[User]:
    return bool(user and user.is_authenticated and user.role in roles)


def is_admin(user: User | None, obj: Any = None) -> TypeGuard[User]:
    return is_role(user, Role.ADMIN)


def member_of(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> TypeGuard[User]:
    """A member of the organisation (with one of `org_roles`, when given)."""
    if not (user and user.is_authenticated and organisation and user.membership):
        return False
    membership = user.membership
    return membership.organisation_id == organisation.id and (not org_roles or membership.org_role in org_roles)


def approved_member(user: User | None, organisation: Organisation | None, roles: tuple[Role, ...],
                    *org_roles: OrgRole) -> TypeGuard[User]:
    """A user of one of `roles` who is a member (with one of `org_roles`, when given) of an approved organisation."""
    return (is_role(user, *roles) and organisation is not None and organisation.status == OrgStatus.APPROVED
            and member_of(user, organisation, *org_roles))


def listing_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> TypeGuard[User]:
    """Provider staff of an approved organisation (with one of `org_roles`, when given)."""
    return approved_member(user, organisation, (Role.PROVIDER, Role.LEAD_PROVIDER), *org_roles)


def own_organisation(user: User | None) -> Organisation | None:
    return user.organisation if user and user.is_authenticated else None


def practitioner(user: User | None) -> TypeGuard[User]:
    """Offender managers and prison staff (who refer and nominate people)."""
    return is_role(user, Role.OFFENDER_MANAGER, Role.PRISON_STAFF)


def probation_team_covers(user: User, unit_id: int | None, region_id: int | None) -> bool:
    """Whether something of this probation delivery unit and region is the offender manager's team's: their
    unit's, or, for a regional probation lead, anything in their region. An offender manager with no unit
    (an account from before units) has no team beyond themselves."""
    if user.sees_whole_region:
        return user.probation_region_id is not None and region_id == user.probation_region_id
    return user.probation_delivery_unit_id is not None and unit_id == user.probation_delivery_unit_id


def same_team(user: User | None, colleague: User | None) -> bool:
    """A practitioner's team: offender managers of the same probation delivery unit (a regional probation lead:
    of the same region), or staff of the same prison."""
    if not (practitioner(user) and colleague is not None and colleague.role == user.role):
        return False
    if user.id == colleague.id:
        return True
    if user.role == Role.OFFENDER_MANAGER:
        return probation_team_covers(user, colleague.probation_delivery_unit_id, colleague.probation_region_id)
    return user.prison_id is not None and colleague.prison_id == user.prison_id


def team_members(user: User | None) -> Select[tuple[User]]:
    """The practitioners in the user's team (the user included): offender managers of the same probation
    delivery unit (for a regional probation lead, of the region), or staff of the same prison. Nobody else is
    anybody's team."""
    if not practitioner(user):
        return select(User).where(false())
    query = select(User).where(User.role == user.role)
    if user.role == Role.OFFENDER_MANAGER and user.sees_whole_region:
        key, value = User.probation_region_id, user.probation_region_id
    elif user.role == Role.OFFENDER_MANAGER:
        key, value = User.probation_delivery_unit_id, user.probation_delivery_unit_id
    else:
        key, value = User.prison_id, user.prison_id
    return query.where(or_(User.id == user.id, and_(key.is_not(None), key == value)) if value is not None
                       else User.id == user.id)


policy.register({
    "organisation.approve": is_admin,
    "user.manage": is_admin,
    "organisation.view": lambda user, org: is_admin(user) or member_of(user, org) or org.status == OrgStatus.APPROVED,
    "organisation.edit": lambda user, org: is_admin(user) or member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.invite": lambda user, org: member_of(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "organisation.members": lambda user, org: is_admin(user) or member_of(user, org),
    "api_token.manage": lambda user, token: bool(user and user.is_authenticated and token.user_id == user.id),
    "api_token.create": lambda user, _: is_role(user, *STAFF_ROLES),
    # A token works only while its holder may use the API (staff of unapproved organisations may not)
    "api.use": lambda user, _: is_role(user, *Role),
}, public={"organisation.view"}, unapproved={"organisation.view"})
