"""Funding: an organisation's grants and contracts (agreements), what they require and when, the money planned
and received, payment-by-results measures with their cohort results, and donations taken through Stripe.

Money is always integer pence. Rates (a baseline reoffending rate, a threshold percentage) are exact decimals
(`Numeric`), never floats: the payment-by-results arithmetic in `pbr.py` works on fractions.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime, utcnow
from portal.extensions import db
from portal.reference.models import ContractPackageArea


class AgreementKind:
    GRANT = "grant"
    CONTRACT = "contract"


class ContractRole:
    LEAD_PROVIDER = "lead_provider"
    SUB_CONTRACTOR = "sub_contractor"
    DIRECT = "direct"  # a contract held directly with the buyer, outside a supply chain

    LABELS = {LEAD_PROVIDER: "Lead provider", SUB_CONTRACTOR: "Sub-contractor", DIRECT: "Direct contract"}


class Agreement(PublicIdMixin, TimestampMixin, db.Model):
    """A grant the organisation receives or a contract it holds."""

    __tablename__ = "funding_agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # The funder (grants) or the buyer (contracts), with its org-id identifier when known (e.g. GB-CHC-1234567)
    counterparty_name: Mapped[str] = mapped_column(String(200))
    counterparty_identifier: Mapped[str] = mapped_column(String(60), default="")
    programme: Mapped[str] = mapped_column(String(200), default="")
    amount_pence: Mapped[int] = mapped_column(BigInteger)  # amount awarded (grants) or contract value
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    award_date: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    conditions: Mapped[str] = mapped_column(Text, default="")
    documents_url: Mapped[str] = mapped_column(String(500), default="")
    # Contracts
    contract_role: Mapped[str | None] = mapped_column(String(20))
    contract_package_area_id: Mapped[int | None] = mapped_column(ForeignKey("contract_package_areas.id"))
    fee_for_service_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_schedule: Mapped[str] = mapped_column(Text, default="")
    outcome_payments_pence: Mapped[int] = mapped_column(BigInteger, default=0)  # the most outcome payments can reach
    # A sub-contract hangs from its lead provider's lead contract; the lead provider sees it once shared.
    lead_agreement_id: Mapped[int | None] = mapped_column(ForeignKey("funding_agreements.id"), index=True)
    lead_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    shared_with_lead_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    shared_with_lead_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    lead_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[lead_organisation_id])
    lead_agreement: Mapped[Agreement | None] = relationship(remote_side=[id], foreign_keys=[lead_agreement_id])
    contract_package_area: Mapped[ContractPackageArea | None] = relationship()
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="(Requirement.due_date, Requirement.id)")
    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="agreement",
                                                      order_by="(LedgerEntry.on, LedgerEntry.id)")
    measures: Mapped[list[OutcomeMeasure]] = relationship(back_populates="agreement", cascade="all, delete-orphan",
                                                          order_by="OutcomeMeasure.id")
    documents: Mapped[list[AgreementDocument]] = relationship(back_populates="agreement", cascade="all, delete-orphan",
                                                              order_by="AgreementDocument.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_grant(self) -> bool:
        return self.kind == AgreementKind.GRANT

    @property
    def is_sub_contract(self) -> bool:
        return self.kind == AgreementKind.CONTRACT and self.contract_role == ContractRole.SUB_CONTRACTOR


class RequirementKind:
    REPORT = "report"
    MILESTONE = "milestone"
    PAYMENT = "payment"  # an instalment or payment due to the organisation

    LABELS = {REPORT: "Report due", MILESTONE: "Delivery milestone", PAYMENT: "Payment"}


class Requirement(PublicIdMixin, TimestampMixin, db.Model):
    """Something an agreement asks for by a date: a report, a delivery milestone, a payment (instalment)."""

    __tablename__ = "funding_requirements"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    amount_pence: Mapped[int | None] = mapped_column(BigInteger)  # payments: the amount due
    status: Mapped[str] = mapped_column(String(12), default="scheduled", index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    reminded_overdue_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    agreement: Mapped[Agreement] = relationship(back_populates="requirements")
    status_changed_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class LedgerEntry(TimestampMixin, db.Model):
    """One line of the organisation's funding ledger: income or spend, planned or actual, in pence.

    Donations and their refunds arrive here from the Stripe webhook with `external_ref` (the PaymentIntent or
    refund id) under a unique constraint, so a replayed event cannot record the same money twice.
    """

    __tablename__ = "funding_ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("funding_agreements.id", ondelete="CASCADE"),
                                                     index=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("funding_donations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # income | spend
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_pence: Mapped[int] = mapped_column(BigInteger)  # negative for a refund of income
    on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agreement: Mapped[Agreement | None] = relationship(back_populates="entries")


class MeasureKind:
    BINARY = "binary"  # the share of the cohort who reoffend
    FREQUENCY = "frequency"  # reoffences per person in the cohort

    LABELS = {BINARY: "Binary measure (share of the cohort who reoffend)",
              FREQUENCY: "Frequency measure (reoffences per person)"}


class OutcomeMeasure(PublicIdMixin, TimestampMixin, db.Model):
    """A payment-by-results measure on a contract: baseline, the fall needed before anything is paid, the price."""

    __tablename__ = "funding_outcome_measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreements.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    # Binary: share who reoffend (0.45 = 45%); frequency: reoffences per person (1.6). Used when a cohort
    # result carries no comparison group of its own.
    baseline: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    threshold_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # the relative fall needed, e.g. 7.5
    price_pence: Mapped[int] = mapped_column(BigInteger)  # per person (binary) or per reoffence (frequency) avoided
    cap_pence: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(Text, default="")  # the contract's description of the method

    agreement: Mapped[Agreement] = relationship(back_populates="measures")
    results: Mapped[list[CohortResult]] = relationship(back_populates="measure", cascade="all, delete-orphan",
                                                       order_by="CohortResult.id")


class CohortResult(PublicIdMixin, TimestampMixin, db.Model):
    """A cohort's aggregate result (never individuals), with the independent validator's figures, and the payment
    worked out from them. `calculation` keeps every step of the working as it was when recorded."""

    __tablename__ = "funding_cohort_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("funding_outcome_measures.id", ondelete="CASCADE"),
                                            index=True)
    cohort: Mapped[str] = mapped_column(String(100))
    cohort_size: Mapped[int] = mapped_column(Integer)
    outcomes: Mapped[int] = mapped_column(Integer)  # people who reoffended (binary) or reoffences (frequency)
    comparison_size: Mapped[int | None] = mapped_column(Integer)
    comparison_outcomes: Mapped[int | None] = mapped_column(Integer)
    validator_name: Mapped[str] = mapped_column(String(200), default="")
    validated_on: Mapped[date | None] = mapped_column(Date)
    validator_cohort_size: Mapped[int | None] = mapped_column(Integer)
    validator_outcomes: Mapped[int | None] = mapped_column(Integer)
    payment_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    calculation: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    measure: Mapped[OutcomeMeasure] = relationship(back_populates="results")


class DonationSettings(TimestampMixin, db.Model):
    __tablename__ = "funding_donation_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DonationState:
    PENDING = "pending"  # waiting for the donor to pay
    PAID = "paid"
    FAILED = "failed"  # the last attempt was declined; the donor may try again
    REFUNDED = "refunded"
    PARTLY_REFUNDED = "partly_refunded"

    LABELS = {PENDING: "Waiting for payment", PAID: "Paid", FAILED: "Payment declined", REFUNDED: "Refunded",
              PARTLY_REFUNDED: "Partly refunded"}


class Donation(PublicIdMixin, TimestampMixin, db.Model):
    """A donation to an organisation. The Gift Aid name and home address are personal data: never logged,
    never emailed, never sent to Stripe."""

    __tablename__ = "funding_donations"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_pence: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    state: Mapped[str] = mapped_column(String(20), default=DonationState.PENDING, index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    gift_aid: Mapped[bool] = mapped_column(Boolean, default=False)
    gift_aid_name: Mapped[str] = mapped_column(String(200), default="")
    gift_aid_address: Mapped[str] = mapped_column(Text, default="")
    gift_aid_postcode: Mapped[str] = mapped_column(String(10), default="")
    gift_aid_declared_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    refunded_pence: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    failure_message: Mapped[str] = mapped_column(String(300), default="")
    refund_requests: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return DonationState.LABELS[self.state]


class StripeEvent(db.Model):
    """A Stripe webhook event already handled: its id is unique, written in the same transaction as its effect."""

    __tablename__ = "funding_stripe_events"
    __table_args__ = (UniqueConstraint("event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(80))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("funding_donations.id"))
    received_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class OpenDataPublication(TimestampMixin, db.Model):
    """An organisation's choice to publish its grants (360Giving) and contracts (OCDS) as public open data under
    the portal's open-data licence. Nothing is public until an owner, manager or finance member says so."""

    __tablename__ = "funding_open_data_publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AgreementDocument(PublicIdMixin, TimestampMixin, db.Model):
    """A file uploaded to a grant or contract (the agreement, a variation, a report): checked by content through the
    portal's one upload path (`portal.supply_chain.uploads`) and stored outside the web root under a random name."""

    __tablename__ = "funding_agreement_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("funding_agreements.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded (shown, and offered when downloading)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agreement: Mapped[Agreement] = relationship(back_populates="documents")
