"""View models for the funding pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal import policy
from portal.accounts.models import Organisation, User
from portal.funding import operations
from portal.funding.models import Agreement, ContractRole, MeasureKind, RequirementKind
from portal.funding.pbr import pence


@dataclass
class Bar:
    label: str
    value: int  # pence
    text: str
    kind: str  # planned | actual


@dataclass
class Chart:
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def largest(self) -> int:
        return max([b.value for b in self.bars] + [1])


def planned_against_actual(agreement: Agreement) -> Chart:
    t = operations.totals(agreement)
    bars = [Bar("Planned income", t.planned_income, pence(t.planned_income), "planned"),
            Bar("Actual income", t.actual_income, pence(t.actual_income), "actual"),
            Bar("Planned spend", t.planned_spend, pence(t.planned_spend), "planned"),
            Bar("Actual spend", t.actual_spend, pence(t.actual_spend), "actual")]
    description = (f"Planned income {pence(t.planned_income)}, actual income {pence(t.actual_income)}; "
                   f"planned spend {pence(t.planned_spend)}, actual spend {pence(t.actual_spend)}.")
    return Chart(f"Planned against actual: {agreement.title}", description, bars)


@dataclass
class Dashboard:
    organisation: Organisation
    grants: list[Agreement]
    contracts: list[Agreement]
    due: list[operations.DueItem]
    overdue: list[operations.DueItem]
    donations_total: int
    is_lead_provider: bool
    labels: dict = field(default_factory=lambda: RequirementKind.LABELS)


def dashboard(user: User, organisation: Organisation) -> Dashboard:
    agreements = operations.agreements_of(organisation)
    due, overdue = operations.due_and_overdue(agreements)
    return Dashboard(organisation=organisation, grants=[a for a in agreements if a.is_grant],
                     contracts=[a for a in agreements if not a.is_grant], due=due, overdue=overdue,
                     donations_total=operations.donations_total(organisation),
                     is_lead_provider=policy.can(user, "funding.supply_chain", organisation))


@dataclass
class AgreementPage:
    agreement: Agreement
    can_edit: bool
    chart: Chart
    totals: operations.Totals
    status_labels: dict
    kind_labels: dict
    role_labels: dict
    measure_labels: dict
    due: list
    overdue: list
    is_binary: dict
    is_own: bool = True  # False: a lead provider looking at a sub-contract shared with it


def agreement_page(user: User, agreement: Agreement) -> AgreementPage:
    due, overdue = operations.due_and_overdue([agreement])
    return AgreementPage(agreement=agreement, can_edit=policy.can(user, "agreement.edit", agreement),
                         chart=planned_against_actual(agreement), totals=operations.totals(agreement),
                         status_labels=operations.STATUS_LABELS, kind_labels=RequirementKind.LABELS,
                         role_labels=ContractRole.LABELS, measure_labels=MeasureKind.LABELS,
                         due=[d.requirement.id for d in due], overdue=[d.requirement.id for d in overdue],
                         is_binary={m.id: m.kind == MeasureKind.BINARY for m in agreement.measures},
                         is_own=policy.can(user, "funding.manage", agreement.organisation))
