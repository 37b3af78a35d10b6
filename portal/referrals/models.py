"""Referrals: an offender manager refers a person to a directory service; the provider responds and delivers.

The person's details live in their own row (`ReferralPerson`), one per referral: nothing is shared between
referrals, so one team's record never prefills another's, and a subject access request or erasure touches
exactly those rows. Each step is stored as who and when (`sent_at`/`sent_by_id` ...), every step and every
amendment is also an event in the change log both sides see, and `version` makes two people acting at once
collide (one succeeds, the other gets a 409).
"""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime, utcnow
from portal.directory.models import Service
from portal.extensions import db
from portal.reference.models import Pathway, Prison, ProbationDeliveryUnit, ProbationRegion

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def new_reference() -> str:
    """A reference both sides quote (in emails too): random, so it says nothing and cannot be guessed."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"RF-{chars[:4]}-{chars[4:]}"


class Referral(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True, default=new_reference)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id"), index=True)
    # The provider organisation, fixed when the referral is created (the service's owner)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The referring team: offender managers in this probation region see the referral too
    probation_region_id: Mapped[int | None] = mapped_column(ForeignKey("probation_regions.id"))
    # The referring probation delivery unit: its offender managers see the referral (and the region's leads)
    probation_delivery_unit_id: Mapped[int | None] = mapped_column(ForeignKey("probation_delivery_units.id"))

    # The referral itself
    desired_outcomes: Mapped[list] = mapped_column(JSON, default=list)  # [{"text", "achievement", "notes"}]
    risk_level: Mapped[str | None] = mapped_column(String(12))
    mappa: Mapped[bool | None] = mapped_column(Boolean)
    risk_summary: Mapped[str] = mapped_column(Text, default="")
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_method: Mapped[str | None] = mapped_column(String(20))
    additional_information: Mapped[str] = mapped_column(Text, default="")
    # How the provider reaches the referring probation practitioner (their work phone)
    referrer_phone: Mapped[str] = mapped_column(String(30), default="")

    # Each step as who and when
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_appointment_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    appointment_booked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    appointment_booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # completed, withdrawn or ended early
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(40))  # withdrawal or early-end reason code
    end_of_service_report: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Risk escalation: the person became high or very high risk of serious harm, or MAPPA-managed, after sending,
    # and the service is neither public-sector nor approved for high-risk cases. The case becomes the public
    # sector's responsibility until the offender manager records a decision: withdraw and refer on, or continue
    # under a risk management plan (its document and review date), paid as fee for service.
    risk_escalated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    risk_escalated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalation_decision: Mapped[str | None] = mapped_column(String(20))  # "refer-on" or "continue"
    escalation_decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    escalation_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    risk_plan_document: Mapped[str] = mapped_column(String(200), default="")
    risk_plan_review_date: Mapped[date | None] = mapped_column(Date)
    payment_basis: Mapped[str | None] = mapped_column(String(20))  # "fee-for-service" once continued on a plan
    version: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    probation_region: Mapped[ProbationRegion | None] = relationship()
    probation_delivery_unit: Mapped[ProbationDeliveryUnit | None] = relationship()
    person: Mapped[ReferralPerson] = relationship(back_populates="referral", cascade="all, delete-orphan",
                                                  uselist=False)
    needs: Mapped[list[ReferralNeed]] = relationship(cascade="all, delete-orphan", order_by="ReferralNeed.id")
    sessions: Mapped[list[ReferralSession]] = relationship(cascade="all, delete-orphan",
                                                           order_by="ReferralSession.number")
    events: Mapped[list[ReferralEvent]] = relationship(cascade="all, delete-orphan", order_by="ReferralEvent.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def escalation_pending(self) -> bool:
        """Risk escalated and no decision recorded yet: both dashboards flag it."""
        from portal.referrals.workflow import AMENDABLE

        return self.risk_escalated_at is not None and self.escalation_decided_at is None and self.state in AMENDABLE

    __table_args__ = (
        Index("ix_referrals_organisation_state", "organisation_id", "state"),
        Index("ix_referrals_region_state", "probation_region_id", "state"),
        Index("ix_referrals_pdu_state", "probation_delivery_unit_id", "state"),
    )


class ReferralPerson(db.Model):
    """The person referred: the least the provider needs to contact them and check eligibility."""

    __tablename__ = "referral_people"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    crn: Mapped[str] = mapped_column(String(7), default="", index=True)
    gender: Mapped[str | None] = mapped_column(String(20))
    in_custody: Mapped[bool | None] = mapped_column(Boolean)
    prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"))
    expected_release_date: Mapped[date | None] = mapped_column(Date)
    postcode_district: Mapped[str] = mapped_column(String(5), default="")  # release or home area, never the address
    phone: Mapped[str] = mapped_column(String(30), default="")
    interpreter_language: Mapped[str] = mapped_column(String(60), default="")  # empty: no interpreter needed
    disability_needs: Mapped[str] = mapped_column(Text, default="")
    caring_responsibilities: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(Text, default="")
    # Convictions some services exclude (asked only to warn about eligibility)
    arson_conviction: Mapped[bool | None] = mapped_column(Boolean)
    sexual_offence_conviction: Mapped[bool | None] = mapped_column(Boolean)

    referral: Mapped[Referral] = relationship(back_populates="person")
    prison: Mapped[Prison | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ReferralNeed(db.Model):
    """A need the referral addresses: a resettlement pathway with a red/amber/green rating."""

    __tablename__ = "referral_needs"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathways.id"))
    rating: Mapped[str] = mapped_column(String(5))  # red, amber, green

    pathway: Mapped[Pathway] = relationship()


class ReferralSession(db.Model):
    """A delivery session: when, whether the person attended, and the caseworker's notes."""

    __tablename__ = "referral_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    happened_at: Mapped[datetime] = mapped_column(TZDateTime)
    attendance: Mapped[str] = mapped_column(String(20))  # attended, late, did-not-attend
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    recorded_by: Mapped[User] = relationship()


class ReferralEvent(db.Model):
    """The change log both sides see: each step (who, when, from and to) and each amendment (what changed)."""

    __tablename__ = "referral_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))  # a transition name, or "amend"
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Amendments: {field label: [before, after]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class ReferralSearch(db.Model):
    """A dashboard search (a CRN or a name), kept on the server for an hour under a random key: the URL carries
    only the key (`/referrals?search=<key>`), which means nothing to anyone else, and the session cookie carries
    nothing at all. Each user's searches are theirs alone."""

    __tablename__ = "referral_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
