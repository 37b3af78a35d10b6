"""The Corporate Alliance: employers' membership and pledges, the opportunities they offer, and nominations.

A nomination holds the minimum about the person: the nominating practitioner's reference for them (a CRN or a
prison number, never shown to the employer) and what the person agreed to share (first name, skills, relevant
training, availability), with the record of that consent. Its progress is kept as dated steps, each with who
recorded it; `state` is the latest step.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime, utcnow
from portal.extensions import db
from portal.reference.models import ContractPackageArea, Prison, Region

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A short reference people can quote by phone or email ("EMP-7KQ2XD"); says nothing about the person."""
    return "EMP-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


class AllianceMembership(PublicIdMixin, TimestampMixin, db.Model):
    """An employer organisation's place in the Corporate Alliance.

    `level` is the level the employer has pledged to (joining, or moving up); `verified_level` is the level an
    administrator has verified, which is the badge people see. They differ while a change waits.
    """

    __tablename__ = "employer_memberships"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    verified_level: Mapped[int | None] = mapped_column(Integer)
    joined_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    joined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declined_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    pledges: Mapped[list[Pledge]] = relationship(back_populates="membership", cascade="all, delete-orphan",
                                                 order_by="Pledge.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def waiting(self) -> bool:
        return self.verified_level != self.level


class Pledge(db.Model):
    """What an employer pledges at a level: what it will donate, train, place or recruit, where, how many."""

    __tablename__ = "employer_pledges"
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("employer_memberships.id", ondelete="CASCADE"),
                                               index=True)
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    membership: Mapped[AllianceMembership] = relationship(back_populates="pledges")


opportunity_prisons = Table(
    "employer_opportunity_prisons",
    db.metadata,
    Column("opportunity_id", ForeignKey("employer_opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("prison_id", ForeignKey("prisons.id"), primary_key=True),
)
opportunity_cpas = Table(
    "employer_opportunity_cpas",
    db.metadata,
    Column("opportunity_id", ForeignKey("employer_opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("contract_package_area_id", ForeignKey("contract_package_areas.id"), primary_key=True),
)


class Opportunity(PublicIdMixin, TimestampMixin, db.Model):
    """A guaranteed interview scheme, work placement, training programme, mentoring or donation."""

    __tablename__ = "employer_opportunities"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    industry: Mapped[str] = mapped_column(String(40), index=True)
    minimum_requirements: Mapped[str] = mapped_column(Text, default="")
    training_course: Mapped[str] = mapped_column(String(300), default="")
    training_provider: Mapped[str] = mapped_column(String(200), default="")
    paid: Mapped[bool | None] = mapped_column(Boolean)
    rotl: Mapped[bool] = mapped_column(Boolean, default=False)
    places: Mapped[int | None] = mapped_column(Integer)
    closing_date: Mapped[date | None] = mapped_column(Date, index=True)
    conviction_position: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    locations: Mapped[list[OpportunityLocation]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="OpportunityLocation.position")
    prisons: Mapped[list[Prison]] = relationship(secondary=opportunity_prisons, order_by=Prison.name)
    contract_package_areas: Mapped[list[ContractPackageArea]] = relationship(
        secondary=opportunity_cpas, order_by=ContractPackageArea.name)

    __mapper_args__ = {"version_id_col": version}


class OpportunityLocation(db.Model):
    """A place where the opportunity happens: a postcode placed at its district's centre."""

    __tablename__ = "employer_opportunity_locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("employer_opportunities.id", ondelete="CASCADE"),
                                                index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    postcode: Mapped[str] = mapped_column(String(10))
    outcode: Mapped[str] = mapped_column(String(5), index=True)
    town: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float] = mapped_column(Float, index=True)
    longitude: Mapped[float] = mapped_column(Float)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    contract_package_area_id: Mapped[int | None] = mapped_column(ForeignKey("contract_package_areas.id"))

    opportunity: Mapped[Opportunity] = relationship(back_populates="locations")
    region: Mapped[Region | None] = relationship()
    contract_package_area: Mapped[ContractPackageArea | None] = relationship()


class Nomination(PublicIdMixin, TimestampMixin, db.Model):
    """A practitioner puts a person forward for an opportunity, with the person's consent."""

    __tablename__ = "employer_nominations"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True, default=new_reference)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("employer_opportunities.id"), index=True)
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The practitioner's reference for the person: a CRN (X123456) or a prison number (A1234BC).
    person_reference: Mapped[str] = mapped_column(String(10))
    # What the person agreed to share with the employer.
    first_name: Mapped[str] = mapped_column(String(100))
    skills: Mapped[str] = mapped_column(Text, default="")
    training: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(Text, default="")
    # Shared with the employer only once an interview is offered (for example, how to arrange it).
    interview_details: Mapped[str] = mapped_column(Text, default="")
    consent_method: Mapped[str] = mapped_column(String(20))
    consent_recorded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    consent_recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(30), default="nominated", index=True)
    close_reason: Mapped[str] = mapped_column(String(30), default="")
    close_note: Mapped[str] = mapped_column(Text, default="")
    # The state a reminder was last sent for, so each due step is reminded once.
    reminded_state: Mapped[str] = mapped_column(String(30), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    opportunity: Mapped[Opportunity] = relationship()
    nominated_by: Mapped[User] = relationship(foreign_keys=[nominated_by_id])
    consent_recorded_by: Mapped[User] = relationship(foreign_keys=[consent_recorded_by_id])
    steps: Mapped[list[NominationStep]] = relationship(back_populates="nomination", cascade="all, delete-orphan",
                                                       order_by="NominationStep.id")

    __mapper_args__ = {"version_id_col": version}

    def step(self, name: str) -> NominationStep | None:
        return next((s for s in reversed(self.steps) if s.step == name), None)


class NominationStep(db.Model):
    """One step of a nomination: what happened, on which date, recorded when and by whom."""

    __tablename__ = "employer_nomination_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("employer_nominations.id", ondelete="CASCADE"),
                                               index=True)
    step: Mapped[str] = mapped_column(String(30), index=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    nomination: Mapped[Nomination] = relationship(back_populates="steps")
    recorded_by: Mapped[User | None] = relationship()
