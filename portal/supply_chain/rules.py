"""Access rules for supply chains (issue #5): Expressions of Interest, the partner database, shortlists and
invitations into supply chains."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, false, select

from portal import policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind, OrgRole, Role
from portal.accounts.rules import LISTING_EDITORS, approved_member, is_admin, member_of
from portal.database import utcnow
from portal.supply_chain.models import Expression, ExpressionVersion, Shortlist, VersionState


def _eoi_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    """Staff of an approved service provider (the organisations that send an Expression of Interest)."""
    return (organisation is not None and organisation.kind == OrgKind.PROVIDER
            and approved_member(user, organisation, (Role.PROVIDER,), *org_roles))


def _lead_provider_staff(user: User | None, organisation: Organisation | None, *org_roles: OrgRole) -> bool:
    return (organisation is not None and organisation.kind == OrgKind.LEAD_PROVIDER
            and approved_member(user, organisation, (Role.LEAD_PROVIDER,), *org_roles))


def _partner_finder(user: User | None) -> bool:
    """Who may search the partner database: administrators and staff of approved lead providers."""
    return is_admin(user) or _lead_provider_staff(user, user.organisation if user else None)


def live_expressions(now: datetime | None = None) -> Select[tuple[int]]:
    """Published versions of entries that have not expired: all the partner database ever shows."""
    return (select(ExpressionVersion.id).join(Expression)
            .where(ExpressionVersion.state == VersionState.PUBLISHED, Expression.expires_at > (now or utcnow())))


def visible_shortlists(user: User | None) -> Select[tuple[Shortlist]]:
    query = select(Shortlist).order_by(Shortlist.name)
    if user is None or not _partner_finder(user):
        return query.where(false())
    if user.organisation is not None:
        return query.where(Shortlist.organisation_id == user.organisation.id)
    return query.where(Shortlist.organisation_id.is_(None), Shortlist.created_by_id == user.id)


policy.register({
    # Expressions of interest: `eoi.edit` and `eoi.own` take the organisation. A provider's entry (drafts,
    # returned and rejected versions included) is its organisation's and the administrators'; lead providers see
    # an entry only while it is published and not expired.
    "eoi.own": lambda user, org: _eoi_staff(user, org),
    "eoi.edit": lambda user, org: _eoi_staff(user, org, *LISTING_EDITORS),
    "eoi.view": lambda user, expression: (is_admin(user) or member_of(user, expression.organisation)
                                          or (_partner_finder(user) and expression.is_live())),
    "eoi.document": lambda user, document: (
        is_admin(user) or member_of(user, document.expression.organisation)
        or (_partner_finder(user) and document.expression.is_live()
            and document.in_version(document.expression.published_version.number))),
    "eoi.review": is_admin,
    # The partner database: lead provider staff and administrators.
    "partners.search": lambda user, _: _partner_finder(user),
    "shortlist.manage": lambda user, shortlist: _partner_finder(user) and (
        member_of(user, shortlist.organisation) if shortlist.organisation_id is not None
        else shortlist.created_by_id == user.id),
    # Supply chains: lead providers invite (`supply_chain.invite` takes the published entry); the invited
    # organisation replies; the inviting lead provider may withdraw.
    "supply_chain.manage": lambda user, org: _lead_provider_staff(user, org or user.organisation),
    "supply_chain.invite": lambda user, expression: (
        _lead_provider_staff(user, user.organisation, *LISTING_EDITORS) and expression.is_live()),
    "invitation.respond": lambda user, invitation: _eoi_staff(user, invitation.organisation, *LISTING_EDITORS),
    "invitation.view": lambda user, invitation: (is_admin(user) or member_of(user, invitation.organisation)
                                                 or member_of(user, invitation.lead_organisation)),
    "invitation.withdraw": lambda user, invitation: _lead_provider_staff(user, invitation.lead_organisation,
                                                                         *LISTING_EDITORS),
    "supply_chain.coverage": is_admin,
})
