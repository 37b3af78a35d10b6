"""Access rules for referrals: criminal-offence data, so the narrowest rules in the portal.

Administrators do not browse referrals: they answer subject access and erasure requests. The referring offender
manager's team (the same probation region) and the provider's staff see a referral; what each may do to it is
the transition table's (`workflow.TRANSITIONS`), by the parts (`workflow.Actor`) `referral_actors` finds.
"""
from __future__ import annotations

from typing import TypeGuard

from sqlalchemy import Select, false, or_, select

from portal import policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgRole, Role
from portal.accounts.rules import (
    LISTING_EDITORS,
    is_admin,
    is_role,
    listing_staff,
    own_organisation,
    probation_team_covers,
)
from portal.referrals.models import Referral
from portal.referrals.workflow import ACCEPTED_OR_LATER, TRANSITIONS, Actor, State

REFERRAL_STEPS = ("send", "accept", "decline", "assign", "book", "record_session", "complete", "withdraw",
                  "end_early")


def _referrer(user: User | None, referral: Referral) -> bool:
    """The offender manager who made the referral, or one in their team (the referring probation delivery unit;
    a regional probation lead of its region)."""
    return is_role(user, Role.OFFENDER_MANAGER) and (
        referral.created_by_id == user.id
        or probation_team_covers(user, referral.probation_delivery_unit_id, referral.probation_region_id))


def _provider_staff(user: User | None, referral: Referral) -> TypeGuard[User]:
    """Staff of the provider organisation, once the referral is sent. Caseworkers see the cases assigned to
    them and the unassigned queue; owners and managers see all; finance staff see none."""
    if referral.state == State.DRAFT or not listing_staff(user, referral.organisation, *LISTING_EDITORS):
        return False
    if user.has_org_role(OrgRole.CASEWORKER):
        return referral.assigned_to_id in (None, user.id)
    return True


def referral_actors(user: User | None, referral: Referral) -> set[Actor]:
    """Which parts (workflow.Actor) the user plays for this referral: the transition table says what each may do."""
    actors: set[Actor] = set()
    if _referrer(user, referral):
        actors.add(Actor.REFERRER)
    if _provider_staff(user, referral):
        actors.add(Actor.PROVIDER)
        if user.has_org_role(OrgRole.OWNER, OrgRole.MANAGER):
            actors |= {Actor.PROVIDER_MANAGER, Actor.DELIVERER}
        elif referral.assigned_to_id == user.id:
            actors.add(Actor.DELIVERER)
    return actors


def _may_take(step: str) -> policy.Rule:
    def rule(user: User | None, referral: Referral) -> bool:
        return bool(TRANSITIONS[step].actors & referral_actors(user, referral))
    return rule


def _sees_risk(user: User | None, referral: Referral) -> bool:
    return _referrer(user, referral) or (_provider_staff(user, referral) and referral.state in ACCEPTED_OR_LATER)


def _referral_reports(user: User | None, organisation: Organisation | None) -> bool:
    return is_admin(user) or listing_staff(user, organisation, OrgRole.OWNER, OrgRole.MANAGER)


def visible_referrals(user: User | None) -> Select[tuple[Referral]]:
    """The referrals a user may list: the same rules as `referral.view`, as a query."""
    query = select(Referral)
    if is_role(user, Role.OFFENDER_MANAGER):
        mine = Referral.created_by_id == user.id
        if user.sees_whole_region and user.probation_region_id is not None:
            mine = or_(mine, Referral.probation_region_id == user.probation_region_id)
        elif not user.sees_whole_region and user.probation_delivery_unit_id is not None:
            mine = or_(mine, Referral.probation_delivery_unit_id == user.probation_delivery_unit_id)
        return query.where(mine)
    organisation = own_organisation(user)
    if organisation is None or not listing_staff(user, organisation, *LISTING_EDITORS):
        return query.where(false())
    query = query.where(Referral.organisation_id == organisation.id, Referral.state != State.DRAFT)
    if user.has_org_role(OrgRole.CASEWORKER):
        query = query.where(or_(Referral.assigned_to_id.is_(None), Referral.assigned_to_id == user.id))
    return query


policy.register({
    "referral.create": lambda user, _: is_role(user, Role.OFFENDER_MANAGER),
    # The referral dashboards: offender managers, and provider staff who deliver services
    "referral.list": lambda user, _: is_role(user, Role.OFFENDER_MANAGER) or (
        user is not None and listing_staff(user, user.organisation, *LISTING_EDITORS)),
    "referral.view": lambda user, referral: _referrer(user, referral) or _provider_staff(user, referral),
    "referral.view_risk": _sees_risk,
    "referral.edit_draft": lambda user, referral: referral.state == "draft" and _referrer(user, referral),
    "referral.amend": lambda user, referral: _referrer(user, referral),
    # After a risk escalation, the referring side decides: refer on, or continue under a risk management plan
    "referral.decide_escalation": lambda user, referral: _referrer(user, referral) and referral.escalation_pending,
    **{f"referral.{step}": _may_take(step) for step in REFERRAL_STEPS},
    "referral.reports": _referral_reports,
    "referral.subject_access": is_admin,
})
