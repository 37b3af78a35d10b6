"""Funding rules: agreements, requirements and their status, the ledger, payment by results, reminders,
exports and donations. No request objects: each operation takes the acting user, checks the policy, writes,
audits and queues email in the caller's transaction. Audit details never hold Gift Aid names or addresses."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select

from portal import audit, policy
from portal.accounts import orgid
from portal.accounts.models import Membership, Organisation, User
from portal.accounts.roles import OrgKind, OrgStatus
from portal.database import utcnow
from portal.errors import Conflict, DomainError, InvalidInput
from portal.extensions import db
from portal.funding import opendata, payments, pbr, rules
from portal.funding.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    CohortResult,
    ContractRole,
    Donation,
    DonationSettings,
    DonationState,
    LedgerEntry,
    MeasureKind,
    OpenDataPublication,
    OutcomeMeasure,
    Requirement,
    RequirementKind,
    StripeEvent,
)
from portal.funding.queries import donation_settings as _settings
from portal.funding.queries import donations_enabled, donations_open, publishes_open_data  # noqa: F401 - API
from portal.funding.queries import open_data_publication as _publication
from portal.mail import queue_email
from portal.reference.models import ContractPackageArea
from portal.supply_chain import uploads  # the one checked upload path (evidence files use it too)
from portal.templating import LONDON

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 30
MINIMUM_DONATION_PENCE = 100
MAXIMUM_DONATION_PENCE = 1_000_000  # £10,000 online; larger gifts by arrangement


def today() -> date:
    return utcnow().astimezone(LONDON).date()


def _check_version(obj: Requirement | Donation, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict()


# --- Agreements ---

@dataclass
class AgreementAnswers:
    kind: str
    title: str
    counterparty_name: str
    amount_pence: int
    award_date: date
    start_date: date
    end_date: date
    reference: str = ""
    description: str = ""
    counterparty_identifier: str = ""
    programme: str = ""
    conditions: str = ""
    documents_url: str = ""
    contract_role: str | None = None
    contract_package_area: str = ""
    fee_for_service_pence: int = 0
    fee_schedule: str = ""
    outcome_payments_pence: int = 0
    lead_agreement: str = ""  # public id of the lead contract a sub-contract hangs from


def lead_contracts(excluding: Organisation | None = None) -> list[Agreement]:
    """Lead contracts a sub-contract can hang from: lead providers' contracts (title, reference and lead
    provider only are shown to others; contract values and finances are not)."""
    query = (select(Agreement).join(Organisation, Agreement.organisation_id == Organisation.id)
             .where(Agreement.kind == AgreementKind.CONTRACT, Agreement.contract_role == ContractRole.LEAD_PROVIDER,
                    Organisation.kind == OrgKind.LEAD_PROVIDER, Organisation.status == OrgStatus.APPROVED)
             .order_by(Organisation.name, Agreement.title))
    if excluding is not None:
        query = query.where(Agreement.organisation_id != excluding.id)
    return list(db.session.scalars(query))


def create_agreement(user: User, organisation: Organisation, answers: AgreementAnswers) -> Agreement:
    policy.authorize(user, "funding.manage", organisation)
    errors = []
    if answers.amount_pence <= 0:  # 360Giving's quality checks flag a grant of nothing
        errors.append(("amount", "Enter the amount awarded or contract value of at least £0.01"))
    if answers.award_date > today():  # awarded means decided: a date to come is a typing mistake
        errors.append(("award_date", "The date awarded must be today or in the past"))
    if answers.end_date < answers.start_date:
        errors.append(("end_date", "The end date must be the same as or after the start date"))
    if answers.kind not in (AgreementKind.GRANT, AgreementKind.CONTRACT):
        errors.append(("kind", "Select whether this is a grant or a contract"))
    try:
        answers.counterparty_identifier = orgid.normalise(answers.counterparty_identifier)
    except ValueError as exc:
        errors.append(("counterparty_identifier", str(exc)))
    agreement = Agreement(organisation=organisation, created_by_id=user.id, kind=answers.kind,
                          title=answers.title.strip(), reference=answers.reference.strip(),
                          description=answers.description.strip(), counterparty_name=answers.counterparty_name.strip(),
                          counterparty_identifier=answers.counterparty_identifier.strip(),
                          programme=answers.programme.strip(), amount_pence=answers.amount_pence,
                          award_date=answers.award_date, start_date=answers.start_date, end_date=answers.end_date,
                          conditions=answers.conditions.strip(), documents_url=answers.documents_url.strip())
    if answers.contract_package_area:  # where the contract is delivered, or the area a grant serves
        agreement.contract_package_area = db.session.scalar(
            select(ContractPackageArea).where(ContractPackageArea.slug == answers.contract_package_area))
        if agreement.contract_package_area is None:
            errors.append(("contract_package_area", "Select a contract package area from the list"))
    if answers.kind == AgreementKind.CONTRACT:
        if answers.contract_role not in ContractRole.LABELS:
            errors.append(("contract_role", "Select your organisation's role in the contract"))
        agreement.contract_role = answers.contract_role
        agreement.fee_for_service_pence = answers.fee_for_service_pence
        agreement.fee_schedule = answers.fee_schedule.strip()
        agreement.outcome_payments_pence = answers.outcome_payments_pence
        if answers.fee_for_service_pence + answers.outcome_payments_pence > answers.amount_pence:
            errors.append(("outcome_payments", "Fee for service and outcome payments together cannot be more than "
                                               "the contract value"))
        if answers.contract_role == ContractRole.SUB_CONTRACTOR:
            lead = next((a for a in lead_contracts(organisation) if a.public_id == answers.lead_agreement), None)
            if lead is None:
                errors.append(("lead_agreement", "Select the lead contract this sub-contract hangs from"))
            else:
                agreement.lead_agreement = lead
                agreement.lead_organisation = lead.organisation
    if errors:
        raise InvalidInput(errors)
    db.session.add(agreement)
    db.session.flush()
    audit.record("funding.agreement_created", "agreement", agreement.public_id, actor=user,
                 details={"kind": agreement.kind})
    return agreement


def add_document(user: User, agreement: Agreement, title: str, filename: str, data: bytes) -> AgreementDocument:
    """Attach a file to a grant or contract, checked by content through the portal's one upload path."""
    policy.authorize(user, "agreement.edit", agreement, secret=True)
    checked = uploads.check(filename, data)
    document = AgreementDocument(agreement=agreement, title=(title or "").strip()[:200] or checked.filename,
                                 filename=checked.filename, stored_name=uploads.store(checked.data),
                                 content_type=checked.content_type, size=len(checked.data), sha256=checked.sha256,
                                 uploaded_by_id=user.id)
    db.session.add(document)
    db.session.flush()
    audit.record("funding.document_added", "agreement", agreement.public_id, actor=user,
                 details={"document": document.public_id, "size": document.size})
    return document


def share_with_lead(user: User, agreement: Agreement, share: bool) -> None:
    policy.authorize(user, "agreement.edit", agreement, secret=True)
    lead = agreement.lead_organisation  # every saved sub-contract has one (`create_agreement`)
    if not agreement.is_sub_contract or lead is None:
        raise DomainError("Only a sub-contract can be shared with its lead provider")
    agreement.shared_with_lead_at = utcnow() if share else None
    agreement.shared_with_lead_by_id = user.id if share else None
    audit.record("funding.shared_with_lead" if share else "funding.unshared_with_lead", "agreement",
                 agreement.public_id, actor=user, details={"lead_organisation": lead.public_id})


def agreements_of(organisation: Organisation) -> list[Agreement]:
    return list(db.session.scalars(select(Agreement).where(Agreement.organisation_id == organisation.id)
                                   .order_by(Agreement.kind, Agreement.end_date.desc(), Agreement.title)))


def shared_sub_contracts(user: User, organisation: Organisation) -> list[Agreement]:
    policy.authorize(user, "funding.supply_chain", organisation)
    query = rules.visible_agreements(user).where(Agreement.organisation_id != organisation.id)
    return list(db.session.scalars(query.order_by(Agreement.title)))


# --- Requirements: a small state machine ---

STATUS_LABELS = {"scheduled": "Scheduled", "met": "Met", "partly_met": "Partly met", "not_met": "Not met"}
# From each status, the statuses a finance member of the organisation may move a requirement to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"met", "partly_met", "not_met"}),
    "partly_met": frozenset({"met", "not_met"}),
    "not_met": frozenset({"met", "partly_met"}),
    "met": frozenset(),
}


def add_requirement(user: User, agreement: Agreement, *, kind: str, title: str, due_date: date,
                    amount_pence: int | None = None) -> Requirement:
    policy.authorize(user, "agreement.edit", agreement, secret=True)
    if kind not in RequirementKind.LABELS:
        raise DomainError("Select what kind of requirement this is", "kind")
    if kind == RequirementKind.PAYMENT and not amount_pence:
        raise DomainError("Enter the amount due", "amount")
    requirement = Requirement(agreement=agreement, kind=kind, title=title.strip(), due_date=due_date,
                              amount_pence=amount_pence if kind == RequirementKind.PAYMENT else None)
    db.session.add(requirement)
    db.session.flush()
    audit.record("funding.requirement_added", "requirement", requirement.public_id, actor=user,
                 details={"agreement": agreement.public_id, "kind": kind})
    return requirement


def set_status(user: User, requirement: Requirement, status: str, note: str = "",
               expected_version: int | None = None) -> None:
    policy.authorize(user, "agreement.edit", requirement.agreement, secret=True)
    _check_version(requirement, expected_version)
    if status not in TRANSITIONS.get(requirement.status, ()):
        current = STATUS_LABELS[requirement.status].lower()
        allowed = ", ".join(STATUS_LABELS[s].lower() for s in sorted(TRANSITIONS[requirement.status]))
        raise DomainError(f"This requirement is {current}: it can be marked {allowed}" if allowed else
                          f"This requirement is already {current} and cannot be changed", "status")
    previous = requirement.status
    requirement.status = status
    requirement.status_note = note.strip()
    requirement.status_changed_at = utcnow()
    requirement.status_changed_by_id = user.id
    audit.record("funding.requirement_status", "requirement", requirement.public_id, actor=user,
                 details={"from": previous, "to": status})
    if status == "met" and requirement.kind == RequirementKind.PAYMENT and requirement.amount_pence:
        _record_payment_received(user, requirement)


def _record_payment_received(user: User, requirement: Requirement) -> None:
    """A payment marked met is income received: one ledger line with the amount due, keyed by the requirement so
    it is recorded once however the status got there."""
    key = f"requirement:{requirement.public_id}"
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.external_ref == key)) is not None:
        return
    agreement = requirement.agreement
    db.session.add(LedgerEntry(organisation_id=agreement.organisation_id, agreement=agreement, direction="income",
                               planned=False, amount_pence=requirement.amount_pence, on=today(),
                               description=f"Received: {requirement.title}"[:200], external_ref=key,
                               created_by_id=user.id))
    db.session.flush()
    audit.record("funding.ledger_entry", "agreement", agreement.public_id, actor=user,
                 details={"direction": "income", "planned": False, "amount_pence": requirement.amount_pence,
                          "requirement": requirement.public_id})


@dataclass
class DueItem:
    requirement: Requirement
    days: int  # days until due (negative: overdue)


def due_and_overdue(agreements: list[Agreement], on: date | None = None) -> tuple[list[DueItem], list[DueItem]]:
    """Open requirements (scheduled or partly met) due in the next 30 days, and those already overdue."""
    on = on or today()
    due, overdue = [], []
    for agreement in agreements:
        for r in agreement.requirements:
            if r.status not in ("scheduled", "partly_met"):
                continue
            days = (r.due_date - on).days
            if days < 0:
                overdue.append(DueItem(r, days))
            elif days <= DUE_SOON_DAYS:
                due.append(DueItem(r, days))
    key = lambda item: (item.requirement.due_date, item.requirement.id)  # noqa: E731
    return sorted(due, key=key), sorted(overdue, key=key)


def finance_recipients(organisation: Organisation) -> list[User]:
    query = (select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.organisation_id == organisation.id,
                    Membership.org_role.in_([r.value for r in rules.FINANCE_ROLES]),
                    User.disabled_at.is_(None), User.email.is_not(None))
             .order_by(User.id))
    return list(db.session.scalars(query))


def remind(on: date | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """Queue one email per open requirement due within 30 days (once) and once more when it is overdue, to the
    organisation's owners, managers and finance staff. Returns how many emails were queued."""
    on = on or today()
    query = (select(Requirement).join(Agreement).join(Organisation, Agreement.organisation_id == Organisation.id)
             .where(Requirement.status.in_(["scheduled", "partly_met"]),
                    Requirement.due_date <= on + timedelta(days=DUE_SOON_DAYS),
                    Organisation.status == OrgStatus.APPROVED)
             .order_by(Requirement.id))
    candidates = [r for r in db.session.scalars(query)
                  if (r.reminded_overdue_at is None if r.due_date < on else r.reminded_at is None)]
    sent = 0
    for done, requirement in enumerate(candidates, start=1):
        overdue = requirement.due_date < on
        agreement = requirement.agreement
        link = url_for("funding.agreement", public_id=agreement.public_id, _external=True)
        for person in finance_recipients(agreement.organisation):
            if person.email is None:  # never: finance_recipients leaves out people without an email address
                continue
            subject = "A funding requirement is overdue" if overdue else "A funding requirement is due soon"
            queue_email(person.email, subject, "funding_reminder", requirement=requirement, agreement=agreement,
                        overdue=overdue, link=link, label=RequirementKind.LABELS[requirement.kind])
            sent += 1
        if overdue:
            requirement.reminded_overdue_at = utcnow()
        else:
            requirement.reminded_at = utcnow()
        if progress:
            progress(done, len(candidates))
    return sent


# --- The ledger: planned against actual ---

def add_entry(user: User, agreement: Agreement, *, direction: str, planned: bool, amount_pence: int, on: date,
              description: str) -> LedgerEntry:
    policy.authorize(user, "agreement.edit", agreement, secret=True)
    if direction not in ("income", "spend"):
        raise DomainError("Select income or spend", "direction")
    if amount_pence <= 0:
        raise DomainError("Enter an amount more than £0", "amount")
    entry = LedgerEntry(organisation_id=agreement.organisation_id, agreement=agreement, direction=direction,
                        planned=planned, amount_pence=amount_pence, on=on, description=description.strip(),
                        created_by_id=user.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("funding.ledger_entry", "agreement", agreement.public_id, actor=user,
                 details={"direction": direction, "planned": planned, "amount_pence": amount_pence})
    return entry


@dataclass
class Totals:
    planned_income: int = 0
    actual_income: int = 0
    planned_spend: int = 0
    actual_spend: int = 0


def totals(agreement: Agreement) -> Totals:
    result = Totals()
    for entry in agreement.entries:
        name = f"{'planned' if entry.planned else 'actual'}_{entry.direction}"
        setattr(result, name, getattr(result, name) + entry.amount_pence)
    return result


def donations_total(organisation: Organisation) -> int:
    # PostgreSQL sums a bigint column as numeric (a Decimal here): pence stay whole numbers
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
        LedgerEntry.organisation_id == organisation.id, LedgerEntry.donation_id.is_not(None))) or 0)


# --- Payment by results ---

def add_measure(user: User, agreement: Agreement, *, kind: str, name: str, baseline: Decimal,
                threshold_percent: Decimal, price_pence: int, cap_pence: int | None, method: str) -> OutcomeMeasure:
    policy.authorize(user, "agreement.edit", agreement, secret=True)
    if agreement.kind != AgreementKind.CONTRACT:
        raise DomainError("Outcome measures belong to contracts")
    if kind not in MeasureKind.LABELS:
        raise DomainError("Select the kind of measure", "kind")
    if baseline <= 0 or (kind == MeasureKind.BINARY and baseline > 1):
        raise DomainError("For a binary measure enter the share who reoffend as a decimal between 0 and 1, "
                          "like 0.45" if kind == MeasureKind.BINARY else
                          "Enter the baseline reoffences per person as a number more than 0, like 1.6", "baseline")
    if threshold_percent < 0 or threshold_percent > 100:
        raise DomainError("Enter the threshold as a percentage between 0 and 100, like 7.5", "threshold")
    measure = OutcomeMeasure(agreement=agreement, kind=kind, name=name.strip(), baseline=baseline,
                             threshold_percent=threshold_percent, price_pence=price_pence, cap_pence=cap_pence,
                             method=method.strip())
    db.session.add(measure)
    db.session.flush()
    audit.record("funding.measure_added", "outcome_measure", measure.public_id, actor=user,
                 details={"agreement": agreement.public_id, "kind": kind})
    return measure


@dataclass
class CohortAnswers:
    cohort: str
    cohort_size: int
    outcomes: int
    comparison_size: int | None = None
    comparison_outcomes: int | None = None
    validator_name: str = ""
    validated_on: date | None = None
    validator_cohort_size: int | None = None
    validator_outcomes: int | None = None


def work_out(measure: OutcomeMeasure, answers: CohortAnswers) -> pbr.Working:
    """The payment for a cohort: from the independent validator's figures when given, else the organisation's;
    against the cohort's comparison group when given, else the contract's baseline."""
    size = answers.validator_cohort_size if answers.validator_cohort_size is not None else answers.cohort_size
    actual = answers.validator_outcomes if answers.validator_outcomes is not None else answers.outcomes
    baseline = (pbr.baseline_from_comparison(answers.comparison_size, answers.comparison_outcomes)
                if answers.comparison_size and answers.comparison_outcomes is not None else pbr.exact(measure.baseline))
    agreement = measure.agreement
    already_due = sum(r.payment_pence for m in agreement.measures for r in m.results)
    return pbr.payment(measure.kind, cohort_size=size, actual=actual, baseline=baseline,
                       threshold_percent=measure.threshold_percent, price_pence=measure.price_pence,
                       cap_pence=measure.cap_pence, contract_cap_pence=agreement.outcome_payments_pence or None,
                       already_due_pence=already_due)


def record_result(user: User, measure: OutcomeMeasure, answers: CohortAnswers) -> CohortResult:
    policy.authorize(user, "agreement.edit", measure.agreement, secret=True)
    errors = []
    if answers.cohort_size <= 0:
        errors.append(("cohort_size", "Enter the number of people in the cohort, 1 or more"))
    if measure.kind == MeasureKind.BINARY and answers.outcomes > answers.cohort_size:
        errors.append(("outcomes", "The people who reoffended cannot be more than the people in the cohort"))
    if (answers.comparison_size is None) != (answers.comparison_outcomes is None):
        errors.append(("comparison_size", "Enter both the comparison group's size and its outcomes, or neither"))
    elif answers.comparison_size is not None and answers.comparison_size <= 0:
        errors.append(("comparison_size", "Enter the comparison group's size, 1 or more"))
    if (answers.validator_cohort_size is None) != (answers.validator_outcomes is None):
        errors.append(("validator_cohort_size", "Enter both of the validator's figures, or neither"))
    elif answers.validator_cohort_size is not None and not answers.validator_name.strip():
        errors.append(("validator_name", "Enter the name of the independent validator"))
    if errors:
        raise InvalidInput(errors)
    try:
        working = work_out(measure, answers)
    except ValueError as exc:
        raise DomainError(str(exc).capitalize(), "outcomes") from exc
    result = CohortResult(measure=measure, recorded_by_id=user.id, cohort=answers.cohort.strip(),
                          cohort_size=answers.cohort_size, outcomes=answers.outcomes,
                          comparison_size=answers.comparison_size, comparison_outcomes=answers.comparison_outcomes,
                          validator_name=answers.validator_name.strip(), validated_on=answers.validated_on,
                          validator_cohort_size=answers.validator_cohort_size,
                          validator_outcomes=answers.validator_outcomes, payment_pence=working.payment_pence,
                          calculation={**working.as_record(), "measure_method": measure.method,
                                       "figures_from": "validator" if answers.validator_outcomes is not None
                                       else "organisation",
                                       "baseline_from": "comparison group" if answers.comparison_size
                                       else "contract baseline"})
    db.session.add(result)
    db.session.flush()
    audit.record("funding.cohort_result", "cohort_result", result.public_id, actor=user,
                 details={"measure": measure.public_id, "payment_pence": working.payment_pence})
    return result


# --- Exports and open data ---

class ExportRejected(DomainError):
    def __init__(self, found: list[opendata.Problem]):
        super().__init__(f"The export has {len(found)} problem(s); nothing was written")
        self.problems = found


def open_data_settings() -> opendata.Settings:
    return opendata.settings_from(current_app.config)


def set_open_data(user: User, organisation: Organisation, publish: bool) -> None:
    """Publish (or stop publishing) the organisation's grants and contracts at the public open-data addresses.
    Refused while an export would not pass its schema: nothing invalid is ever public."""
    policy.authorize(user, "funding.manage", organisation)
    if publish:
        agreements = agreements_of(organisation)
        if not agreements:
            raise DomainError("There are no grants or contracts to publish yet", "publish")
        for kind, export in ((AgreementKind.GRANT, export_grants), (AgreementKind.CONTRACT, export_contracts)):
            if any(a.kind == kind for a in agreements):
                export(user, organisation, public=True)
    found = _publication(organisation) or OpenDataPublication(organisation_id=organisation.id)
    found.published, found.changed_at, found.changed_by_id = publish, utcnow(), user.id
    db.session.add(found)
    audit.record("funding.open_data_" + ("published" if publish else "withdrawn"), "organisation",
                 organisation.public_id, actor=user)


def published_organisations() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).join(OpenDataPublication, OpenDataPublication.organisation_id == Organisation.id)
        .where(OpenDataPublication.published.is_(True), Organisation.status == OrgStatus.APPROVED)
        .order_by(Organisation.name)))


def public_organisation(public_id: str) -> Organisation | None:
    """An organisation whose open data anyone may read (approved, and chose to publish); None otherwise."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.public_id == public_id))
    return organisation if policy.can(None, "funding.open_data", organisation) else None


def grants_of(organisation: Organisation) -> list[Agreement]:
    return [a for a in agreements_of(organisation) if a.kind == AgreementKind.GRANT]


def grant_funders(organisation: Organisation) -> dict[str, list[Agreement]]:
    """The organisation's grants by funder: key (used in the file's address) -> grants."""
    return opendata.funders(grants_of(organisation))


def export_grants(user: User | None, organisation: Organisation, *, funder: str | None = None,
                  public: bool = False) -> dict[str, Any]:
    """The organisation's grants as a validated 360Giving package: every grant it received, or with `funder`
    those one funder made (one funding organisation in the file). ExportRejected lists every problem."""
    if user is not None:
        policy.authorize(user, "funding.manage", organisation)
    grants = grants_of(organisation)
    if funder is not None:
        grants = grant_funders(organisation).get(funder, [])
        if not grants:
            raise DomainError("There are no grants from this funder")
    if not grants:
        raise DomainError("There are no grants to export yet")
    settings = open_data_settings()
    base = f"/open-data/{organisation.public_id}"
    download = settings.url(f"{base}/funders/{funder}/360giving.json" if funder else f"{base}/360giving.json")
    package = opendata.grants_package(organisation, grants, settings, funder=funder, download_url=download)
    found = opendata.problems("360giving", package)
    if found:
        raise ExportRejected(found)
    return package


def _sub_contracts_named(lead: Agreement, public: bool) -> list[Agreement]:
    """Sub-contracts a lead contract's release links to: those shared with the lead provider and, in a public
    file, published by their own organisation too."""
    query = select(Agreement).where(Agreement.lead_agreement_id == lead.id,
                                    Agreement.shared_with_lead_at.is_not(None)).order_by(Agreement.id)
    subs = list(db.session.scalars(query))
    return [s for s in subs if publishes_open_data(s.organisation)] if public else subs


def export_contracts(user: User | None, organisation: Organisation, *, public: bool = False) -> dict[str, Any]:
    if user is not None:
        policy.authorize(user, "funding.manage", organisation)
    contracts = [a for a in agreements_of(organisation) if a.kind == AgreementKind.CONTRACT]
    if not contracts:
        raise DomainError("There are no contracts to export yet")
    subs = {a.id: _sub_contracts_named(a, public) for a in contracts if a.contract_role == ContractRole.LEAD_PROVIDER}
    package = opendata.contracts_package(organisation, contracts, open_data_settings(), today(), sub_contracts=subs)
    found = opendata.problems("ocds", package)
    if found:
        raise ExportRejected(found)
    return package


# --- Donations ---

class PaymentServiceUnavailable(DomainError):
    status = 503


def set_donations(user: User, organisation: Organisation, enabled: bool) -> None:
    policy.authorize(user, "funding.manage", organisation)
    if enabled and not payments.configured():
        raise DomainError("Donations cannot be switched on: the portal has no Stripe keys configured. "
                          "Ask the portal's administrators to set them up", "enabled")
    settings = _settings(organisation) or DonationSettings(organisation_id=organisation.id)
    settings.enabled, settings.changed_at, settings.changed_by_id = enabled, utcnow(), user.id
    db.session.add(settings)
    audit.record("funding.donations_" + ("on" if enabled else "off"), "organisation", organisation.public_id,
                 actor=user)


@dataclass
class GiftAid:
    name: str
    address: str
    postcode: str


def start_donation(organisation: Organisation, amount_pence: int, gift_aid: GiftAid | None) -> Donation:
    """Record the donation and create its PaymentIntent (one idempotency key per donation)."""
    policy.authorize(None, "donation.give", organisation, secret=True)
    if not MINIMUM_DONATION_PENCE <= amount_pence <= MAXIMUM_DONATION_PENCE:
        raise DomainError("Enter an amount between £1 and £10,000", "amount")
    donation = Donation(organisation=organisation, amount_pence=amount_pence, gift_aid=gift_aid is not None)
    if gift_aid is not None:
        donation.gift_aid_name = gift_aid.name.strip()
        donation.gift_aid_address = gift_aid.address.strip()
        donation.gift_aid_postcode = gift_aid.postcode.strip().upper()
        donation.gift_aid_declared_at = utcnow()
    db.session.add(donation)
    db.session.flush()
    try:
        intent = payments.create_payment_intent(donation)
    except payments.PaymentError as exc:
        log.warning("Stripe refused or could not be reached creating a PaymentIntent: %s", exc.kind)
        raise PaymentServiceUnavailable("We could not reach the payment service. Try again in a few minutes") from exc
    donation.payment_intent_id = intent.id
    audit.record("funding.donation_started", "donation", donation.public_id,
                 details={"amount_pence": amount_pence, "gift_aid": donation.gift_aid})
    return donation


def _payment_intent_id(donation: Donation) -> str:
    """A stored donation's PaymentIntent: `start_donation` keeps a donation only once Stripe has created it."""
    if donation.payment_intent_id is None:
        raise ValueError(f"donation {donation.public_id} has no PaymentIntent")
    return donation.payment_intent_id


def client_secret(donation: Donation) -> str:
    """The PaymentIntent's client secret for the Payment Element (never stored by the portal)."""
    try:
        secret = payments.retrieve_payment_intent(_payment_intent_id(donation)).client_secret
    except payments.PaymentError as exc:
        raise PaymentServiceUnavailable("We could not reach the payment service. Try again in a few minutes") from exc
    if secret is None:  # Stripe gives every PaymentIntent retrieved with the secret key one
        raise PaymentServiceUnavailable("We could not reach the payment service. Try again in a few minutes")
    return secret


def donation_by_payment_intent(payment_intent_id: str, lock: bool = False) -> Donation | None:
    """The donation paid by this PaymentIntent; with `lock`, its row is locked until the transaction ends
    (PostgreSQL; SQLite locks the whole database on write instead)."""
    query = select(Donation).where(Donation.payment_intent_id == payment_intent_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def _payment_intent_of(obj: dict[str, Any]) -> str | None:
    """The PaymentIntent a webhook event's object (a Stripe JSON object) is about, if any."""
    kind = obj.get("object")
    payment_intent_id: str | None = None
    if kind == "payment_intent":
        payment_intent_id = obj.get("id")
    elif kind in ("charge", "refund"):
        payment_intent_id = obj.get("payment_intent")
    return payment_intent_id


def handle_event(event: payments.Event) -> str:
    """Apply a verified webhook event once. The event id is stored under a unique constraint in the same
    transaction as its effect, and the donation is brought up to date from Stripe (not from the event), so
    replayed or out-of-order events change nothing twice. Events about one donation arriving at the same moment
    (Stripe delivers in parallel, and retries) are applied one after the other: the donation's row is locked
    first, and only then is the event looked up, so the second sees what the first did. Returns what happened,
    for the log."""
    obj = event.data.object
    payment_intent_id = _payment_intent_of(obj.to_dict() if hasattr(obj, "to_dict") else dict(obj))
    donation = donation_by_payment_intent(payment_intent_id, lock=True) if payment_intent_id else None
    if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event.id)) is not None:
        return "already handled"
    db.session.add(StripeEvent(event_id=event.id, type=event.type, donation_id=donation.id if donation else None))
    if donation is None:
        return "ignored"
    sync_donation(donation)
    return donation.state


def sync_donation(donation: Donation) -> None:
    """Bring a donation and its ledger lines into line with Stripe's PaymentIntent and refunds."""
    intent = payments.retrieve_payment_intent(_payment_intent_id(donation))
    before = donation.state
    if intent.status == "succeeded":
        if donation.paid_at is None:
            donation.paid_at = utcnow()
        _ledger_once(donation, intent.id, donation.amount_pence, "Donation")
        refunded = 0
        for refund in payments.refunds_of(intent.id):
            if refund.status == "succeeded":
                refunded += refund.amount
                _ledger_once(donation, refund.id, -refund.amount, "Donation refunded")
        if refunded and refunded != donation.refunded_pence:
            donation.refunded_at = utcnow()
        donation.refunded_pence = refunded
        donation.state = (DonationState.PAID if refunded == 0 else DonationState.REFUNDED
                          if refunded >= donation.amount_pence else DonationState.PARTLY_REFUNDED)
        donation.failure_message = ""
    elif intent.status == "requires_payment_method" and intent.last_payment_error and donation.paid_at is None:
        donation.state = DonationState.FAILED
        donation.failure_message = "The card was declined"
    if donation.state != before:
        audit.record("funding.donation_" + donation.state, "donation", donation.public_id,
                     details={"amount_pence": donation.amount_pence, "refunded_pence": donation.refunded_pence})


def _ledger_once(donation: Donation, external_ref: str, amount_pence: int, description: str) -> None:
    exists = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.external_ref == external_ref))
    if exists is None:
        db.session.add(LedgerEntry(organisation_id=donation.organisation_id, donation_id=donation.id,
                                   direction="income", planned=False, amount_pence=amount_pence, on=today(),
                                   description=description, external_ref=external_ref))
        db.session.flush()


def refund(user: User, donation: Donation, amount_pence: int, expected_version: int | None = None) -> None:
    policy.authorize(user, "donation.refund", donation, secret=True)
    _check_version(donation, expected_version)
    if donation.state not in (DonationState.PAID, DonationState.PARTLY_REFUNDED):
        raise DomainError("Only a paid donation can be refunded", "amount")
    remaining = donation.amount_pence - donation.refunded_pence
    if not 0 < amount_pence <= remaining:
        raise DomainError(f"Enter an amount between £0.01 and {pbr.pence(remaining)}", "amount")
    donation.refund_requests += 1
    try:
        payments.create_refund(donation, amount_pence)
    except payments.PaymentError as exc:
        raise PaymentServiceUnavailable("The payment service did not accept the refund. Try again in a few "
                                        "minutes") from exc
    audit.record("funding.donation_refund_requested", "donation", donation.public_id, actor=user,
                 details={"amount_pence": amount_pence})
    sync_donation(donation)


def donations_of(organisation: Organisation) -> list[Donation]:
    return list(db.session.scalars(select(Donation).where(Donation.organisation_id == organisation.id,
                                                          Donation.payment_intent_id.is_not(None))
                                   .order_by(Donation.created_at.desc())))


def record_receipt_claim(held: list[str], donation: Donation) -> list[str]:
    """The donation ids this browser may see receipts for (kept in its session, newest last, at most 20)."""
    return [*(h for h in held if h != donation.public_id), donation.public_id][-20:]


def event_already_handled(event_id: str) -> bool:
    return db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None
