"""The service directory.

A listing is kept the Open Referral way: the published listing is one HSDS 3.0 "fully nested service"
document (`Service.document`), exactly what the Open Referral UK feed returns, and the parts that search,
filters and rules need are kept alongside as columns and rows (locations with coordinates, taxonomy terms,
ages, capacity). Every change, from a provider or an import, arrives as a `Revision` carrying a whole
document; approving it replaces the published document and re-derives the columns, so the two never
disagree and the published version stays live while a change waits.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import TimestampMixin, TZDateTime, utcnow
from portal.extensions import db
from portal.reference.models import ContractPackageArea, Region


def new_uuid() -> str:
    return str(uuid.uuid4())


class ListingState:
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class RevisionState:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


class Service(TimestampMixin, db.Model):
    __tablename__ = "directory_services"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ListingState.DRAFT, index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[str] = mapped_column(String(20), default="accepting")
    high_risk_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    # The published HSDS document (None until first approved)
    document: Mapped[dict | None] = mapped_column(JSON)
    # Its Open Referral UK list item (`feed.service_summary`), kept with it so a feed page reads a sixth of the JSON
    # and nothing is pruned as it is read; None for a listing last published before migration 0019
    summary: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_modified: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    last_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # As last indexed: fresh, unverified (checked over 12 months ago) or hidden (over 15 months)
    freshness: Mapped[str] = mapped_column(String(12), default="fresh")
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    locations: Mapped[list[Location]] = relationship(back_populates="service", cascade="all, delete-orphan",
                                                     order_by="Location.position")
    terms: Mapped[list[ServiceTerm]] = relationship(cascade="all, delete-orphan")
    revisions: Mapped[list[Revision]] = relationship(back_populates="service", order_by="Revision.number",
                                                     cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def takes_high_risk(self) -> bool:
        """May take people at high or very high risk of serious harm or managed under MAPPA: public-sector
        services, and those an administrator has approved for high-risk cases."""
        return self.organisation.sector == "public" or bool(self.high_risk_approved)

    def term_codes(self, taxonomy: str) -> list[str]:
        return sorted(t.code for t in self.terms if t.taxonomy == taxonomy)

    @property
    def pending_revision(self) -> Revision | None:
        return next((r for r in reversed(self.revisions) if r.state in (RevisionState.DRAFT,
                                                                         RevisionState.SUBMITTED,
                                                                         RevisionState.RETURNED)), None)


class Location(db.Model):
    """A place where a published service is delivered (HSDS location + service_at_location)."""

    __tablename__ = "directory_locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36), index=True)  # HSDS location id (may be shared)
    service_at_location_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    outcode: Mapped[str] = mapped_column(String(5), default="", index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    contract_package_area_id: Mapped[int | None] = mapped_column(ForeignKey("contract_package_areas.id"))

    service: Mapped[Service] = relationship(back_populates="locations")
    region: Mapped[Region | None] = relationship()
    contract_package_area: Mapped[ContractPackageArea | None] = relationship()


class ServiceTerm(db.Model):
    """A taxonomy term that applies to a published service (pathway, stage, eligibility, ...)."""

    __tablename__ = "directory_service_terms"
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"),
                                            primary_key=True)
    taxonomy: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class Revision(TimestampMixin, db.Model):
    """A proposed version of a listing: a whole HSDS document, waiting for (or past) an administrator."""

    __tablename__ = "directory_revisions"
    __table_args__ = (UniqueConstraint("service_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=RevisionState.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service] = relationship(back_populates="revisions")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}


class ProblemReport(db.Model):
    """Someone told us a listing is wrong. Goes to the owner and the administrators; the owner marks it resolved,
    saying what was done."""

    __tablename__ = "directory_problem_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    reporter_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution_note: Mapped[str | None] = mapped_column(Text)  # what the provider did about it
    service: Mapped[Service] = relationship()
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class SearchGap(db.Model):
    """A search that found nothing: the query and filters, never who asked."""

    __tablename__ = "directory_search_gaps"
    __table_args__ = (UniqueConstraint("query", "filters"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    filters: Mapped[str] = mapped_column(String(500))
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)


class SavedList(TimestampMixin, db.Model):
    __tablename__ = "directory_saved_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    items: Mapped[list[SavedListItem]] = relationship(cascade="all, delete-orphan", order_by="SavedListItem.id")


class SavedListItem(db.Model):
    __tablename__ = "directory_saved_list_items"
    __table_args__ = (UniqueConstraint("saved_list_id", "service_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    saved_list_id: Mapped[int] = mapped_column(ForeignKey("directory_saved_lists.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"))
    service: Mapped[Service] = relationship()
