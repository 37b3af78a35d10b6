"""Factories for the funding domain: agreements, requirements, measures, donations."""
from __future__ import annotations

from datetime import date, timedelta

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind, OrgRole, Role
from portal.database import utcnow
from portal.extensions import db
from portal.funding.models import Agreement, ContractRole, Donation, DonationSettings, Requirement
from tests import factories


def finance_user(organisation: Organisation | None = None, *, org_role: str = OrgRole.FINANCE,
                 role: str = Role.PROVIDER) -> User:
    return factories.user(role=role, organisation_=organisation, org_role=org_role)


def agreement(organisation: Organisation | None = None, *, kind: str = "grant", title: str | None = None,
              amount_pence: int = 2_500_000, **fields) -> Agreement:
    org = organisation or factories.organisation(kind=OrgKind.PROVIDER, commit=False)
    n = next(factories._seq)
    today = date.today()
    item = Agreement(organisation=org, kind=kind, title=title or f"Test agreement {n}",
                     counterparty_name=fields.pop("counterparty_name", "The Northern Trust"),
                     amount_pence=amount_pence, award_date=fields.pop("award_date", today - timedelta(days=60)),
                     start_date=fields.pop("start_date", today - timedelta(days=30)),
                     end_date=fields.pop("end_date", today + timedelta(days=335)), **fields)
    if kind == "contract" and item.contract_role is None:
        item.contract_role = ContractRole.DIRECT
    db.session.add(item)
    db.session.commit()
    return item


def sub_contract(*, shared: bool = True) -> tuple[Agreement, Organisation]:
    """A provider's sub-contract under a lead provider's lead contract; returns it and the lead organisation."""
    lead_org = factories.organisation(kind=OrgKind.LEAD_PROVIDER)
    lead = agreement(lead_org, kind="contract", title="Lead contract: North East CPA",
                     contract_role=ContractRole.LEAD_PROVIDER, counterparty_name="Ministry of Justice")
    item = agreement(kind="contract", title="Accommodation sub-contract", contract_role=ContractRole.SUB_CONTRACTOR,
                     lead_agreement=lead, lead_organisation=lead_org, counterparty_name=lead_org.name,
                     shared_with_lead_at=utcnow() if shared else None)
    return item, lead_org


def requirement(item: Agreement, *, due_in_days: int = 10, kind: str = "report", title: str | None = None,
                status: str = "scheduled") -> Requirement:
    r = Requirement(agreement=item, kind=kind, title=title or f"Report {next(factories._seq)}",
                    due_date=date.today() + timedelta(days=due_in_days), status=status)
    db.session.add(r)
    db.session.commit()
    return r


def donations_on(organisation: Organisation) -> None:
    db.session.add(DonationSettings(organisation_id=organisation.id, enabled=True))
    db.session.commit()


def donation(organisation: Organisation | None = None, *, amount_pence: int = 2500, state: str = "paid") -> Donation:
    org = organisation or factories.organisation(kind=OrgKind.PROVIDER, commit=False)
    item = Donation(organisation=org, amount_pence=amount_pence, state=state,
                    payment_intent_id=f"pi_test_{next(factories._seq)}")
    db.session.add(item)
    db.session.commit()
    return item
