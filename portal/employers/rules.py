"""Access rules for the Corporate Alliance (employers): membership, opportunities and nominations.

Employer staff (of an approved employer organisation) join the Alliance, post and look after their organisation's
opportunities and follow the nominations made for them; administrators verify levels; offender managers and
prison staff nominate people, and their team follows the nominations."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, select

from portal import policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgRole, OrgStatus, Role
from portal.accounts.rules import (
    approved_member,
    is_admin,
    is_role,
    own_organisation,
    practitioner,
    same_team,
    team_members,
)
from portal.employers.models import Nomination, Opportunity
from portal.employers.queries import is_findable
from portal.employers.vocabulary import NOMINATABLE

OPPORTUNITY_EDITORS = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.CASEWORKER)
OPPORTUNITY_FINDERS = (Role.ADMIN, Role.OFFENDER_MANAGER, Role.PRISON_STAFF, Role.EMPLOYER, Role.PROVIDER,
                       Role.LEAD_PROVIDER)


def _employer_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Staff of an approved employer organisation (with one of `org_roles`, when given)."""
    return approved_member(user, organisation, (Role.EMPLOYER,), *org_roles)


def nomination_party(user: User | None, nomination: Any) -> str | None:
    """Whose side of a nomination the user is on: "employer" (staff of the opportunity's employer),
    "practitioner" (the nominating practitioner or their team), or None (may not see it)."""
    if _employer_staff(user, nomination.opportunity.organisation):
        return "employer"
    if same_team(user, nomination.nominated_by):
        return "practitioner"
    return None


def visible_nominations(user: User | None) -> Select[tuple[Nomination]]:
    """Nominations the user may see: employer staff, those for their organisation's opportunities; a
    practitioner, those they or their team made; everyone else, none (administrators included)."""
    query = select(Nomination)
    organisation = own_organisation(user)
    if is_role(user, Role.EMPLOYER) and organisation is not None and organisation.status == OrgStatus.APPROVED:
        return query.join(Opportunity, Nomination.opportunity_id == Opportunity.id).where(
            Opportunity.organisation_id == organisation.id)
    if practitioner(user):
        return query.where(Nomination.nominated_by_id.in_(team_members(user).with_only_columns(User.id)))
    return query.where(false())


def managed_opportunities(user: User | None) -> Select[tuple[Opportunity]]:
    """The opportunities of the user's employer organisation (any state), for its staff."""
    organisation = own_organisation(user)
    if organisation is None or not _employer_staff(user, organisation):
        return select(Opportunity).where(false())
    return select(Opportunity).where(Opportunity.organisation_id == organisation.id)


policy.register({
    "alliance.join": lambda user, org: _employer_staff(user, org, OrgRole.OWNER, OrgRole.MANAGER),
    "alliance.view_own": lambda user, org: _employer_staff(user, org),
    "alliance.verify": is_admin,
    "opportunity.post": lambda user, org: _employer_staff(user, org, *OPPORTUNITY_EDITORS),
    "opportunity.manage": lambda user, opportunity: _employer_staff(user, opportunity.organisation,
                                                                    *OPPORTUNITY_EDITORS),
    "opportunity.find": lambda user, _: is_role(user, *OPPORTUNITY_FINDERS),
    "opportunity.view": lambda user, opportunity: is_admin(user) or _employer_staff(
        user, opportunity.organisation) or (is_role(user, *OPPORTUNITY_FINDERS) and is_findable(opportunity)),
    "nomination.create": lambda user, opportunity: (practitioner(user) and is_findable(opportunity)
                                                    and opportunity.kind in NOMINATABLE),
    "nomination.list": lambda user, _: practitioner(user) or is_role(user, Role.EMPLOYER),
    "nomination.view": lambda user, nomination: nomination_party(user, nomination) is not None,
    "employer.dashboard": lambda user, org: _employer_staff(user, org),
})
