"""Access rules for funding: an organisation's finances are for its owners, managers and finance staff alone.
`funding.manage` and `funding.supply_chain` take the organisation. Donations and open-data files are public."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, false, or_, select

from portal import policy
from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgRole, OrgStatus, Role
from portal.accounts.rules import approved_member, own_organisation
from portal.funding.models import Agreement, ContractRole
from portal.funding.queries import donations_open, publishes_open_data

FINANCE_ROLES = (OrgRole.OWNER, OrgRole.MANAGER, OrgRole.FINANCE)


def _finance_staff(user: User | None, organisation: Organisation | None) -> bool:
    """Owners, managers and finance staff of an approved provider or lead provider (caseworkers never)."""
    return approved_member(user, organisation, (Role.PROVIDER, Role.LEAD_PROVIDER), *FINANCE_ROLES)


def _sees_agreement(user: User | None, agreement: Any) -> bool:
    """The organisation's finance staff, and for a sub-contract its sub-contractor has shared, the lead
    provider organisation's finance staff."""
    return _finance_staff(user, agreement.organisation) or (
        agreement.is_sub_contract and agreement.shared_with_lead_at is not None
        and _finance_staff(user, agreement.lead_organisation))


def _takes_donations(user: User | None, organisation: Organisation | None) -> bool:
    return organisation is not None and organisation.status == OrgStatus.APPROVED and donations_open(organisation)


def _publishes_open_data(user: User | None, organisation: Organisation | None) -> bool:
    """An organisation's public open-data files: anyone, once it is approved and has chosen to publish."""
    return organisation is not None and organisation.status == OrgStatus.APPROVED and publishes_open_data(organisation)


def _donor_or_finance(user: User | None, claim: Any) -> bool:
    """A receipt: the donor's browser (which holds the donation's id in its session), or the finance staff."""
    return claim.donation.public_id in claim.held or _finance_staff(user, claim.donation.organisation)


def visible_agreements(user: User | None) -> Select[tuple[Agreement]]:
    """Agreements a user may list: their organisation's (finance staff), and sub-contracts shared with it."""
    organisation = own_organisation(user)
    if organisation is None or not _finance_staff(user, organisation):
        return select(Agreement).where(false())
    return select(Agreement).where(or_(
        Agreement.organisation_id == organisation.id,
        and_(Agreement.lead_organisation_id == organisation.id, Agreement.contract_role == ContractRole.SUB_CONTRACTOR,
             Agreement.shared_with_lead_at.is_not(None))))


policy.register({
    "funding.manage": _finance_staff,
    "funding.supply_chain": lambda user, org: _finance_staff(user, org) and org.kind == "lead_provider",
    "agreement.view": _sees_agreement,
    "agreement.edit": lambda user, agreement: _finance_staff(user, agreement.organisation),
    "donation.give": _takes_donations,
    "funding.open_data": _publishes_open_data,
    "donation.receipt": _donor_or_finance,
    "donation.refund": lambda user, donation: _finance_staff(user, donation.organisation),
}, public={"donation.give", "donation.receipt", "funding.open_data"})
