"""Supply chains.

An organisation has one `Expression` of Interest. What it declares lives in `ExpressionVersion`s: the one an
administrator published stays live while the organisation works on the next, and every step a version takes
is kept as an `ExpressionDecision` row that can never be changed or deleted. A version's answers are one JSON
document; the facets the partner database filters on are copied into `ExpressionTag` rows when the answers are
saved, so filters and facet counts are plain indexed SQL.

Evidence `ExpressionDocument`s belong to the expression and say in which version they were added and removed,
so the published version keeps its documents while a draft changes them.

Lead providers keep `Shortlist`s of entries and invite organisations into their supply chains
(`PartnershipInvitation`), declaring how much financial risk each sub-contract transfers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.accounts.models import Organisation, User
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime, utcnow
from portal.extensions import db
from portal.reference.models import ContractPackageArea


class VersionState:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETURNED = "returned"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # was published; a newer version replaced it

    LABELS = {DRAFT: "Draft", SUBMITTED: "Sent for review", IN_REVIEW: "In review", PUBLISHED: "Published",
              RETURNED: "Returned for changes", REJECTED: "Rejected", SUPERSEDED: "Replaced by a newer version"}


class Expression(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "supply_expressions"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    approved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    versions: Mapped[list[ExpressionVersion]] = relationship(
        back_populates="expression", order_by="ExpressionVersion.number")
    documents: Mapped[list[ExpressionDocument]] = relationship(back_populates="expression",
                                                               order_by="ExpressionDocument.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def published_version(self) -> ExpressionVersion | None:
        """The version lead providers see (at most one version is published at a time)."""
        return next((v for v in self.versions if v.state == VersionState.PUBLISHED), None)

    @property
    def latest_version(self) -> ExpressionVersion | None:
        return self.versions[-1] if self.versions else None

    def is_live(self, now: datetime | None = None) -> bool:
        """Published and not expired: what lead providers can see."""
        return (self.published_version is not None and self.expires_at is not None
                and self.expires_at > (now or utcnow()))

    def documents_of(self, version: ExpressionVersion | None) -> list[ExpressionDocument]:
        if version is None:
            return []
        return [d for d in self.documents if d.in_version(version.number)]


class ExpressionVersion(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "supply_expression_versions"
    __table_args__ = (UniqueConstraint("expression_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    expression_id: Mapped[int] = mapped_column(ForeignKey("supply_expressions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=VersionState.DRAFT, index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    name: Mapped[str] = mapped_column(String(200), default="", index=True)  # the organisation's name as declared
    # Lower-cased words a text search looks in: the organisation's name, description, specialisms, evidence.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    expression: Mapped[Expression] = relationship(back_populates="versions")
    tags: Mapped[list[ExpressionTag]] = relationship(cascade="all, delete-orphan")
    decisions: Mapped[list[ExpressionDecision]] = relationship(order_by="ExpressionDecision.id",
                                                               back_populates="version")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    @property
    def state_label(self) -> str:
        return VersionState.LABELS.get(self.state, self.state)

    def tag_codes(self, facet: str) -> list[str]:
        return sorted(t.code for t in self.tags if t.facet == facet)

    @property
    def last_decision(self) -> ExpressionDecision | None:
        return self.decisions[-1] if self.decisions else None


class ExpressionTag(db.Model):
    """One facet value a version declares (a contract package area, a pathway, its sector, ...)."""

    __tablename__ = "supply_expression_tags"
    __table_args__ = (Index("ix_supply_expression_tags_facet_code", "facet", "code"),)
    version_id: Mapped[int] = mapped_column(ForeignKey("supply_expression_versions.id", ondelete="CASCADE"),
                                            primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)


class ExpressionDecision(db.Model):
    """A step in a version's life: who moved it from which state to which, when, and why. Append-only."""

    __tablename__ = "supply_expression_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("supply_expression_versions.id", ondelete="CASCADE"),
                                            index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(30), default="")
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[ExpressionVersion] = relationship(back_populates="decisions")
    actor: Mapped[User | None] = relationship()


class DecisionsAreFinal(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_decision_changes(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, ExpressionDecision) and (obj in session.deleted or session.is_modified(obj)):
            raise DecisionsAreFinal("decisions on expressions of interest cannot be changed or deleted")


class ExpressionDocument(PublicIdMixin, db.Model):
    """An evidence file, stored outside the web root under a generated name."""

    __tablename__ = "supply_expression_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    expression_id: Mapped[int] = mapped_column(ForeignKey("supply_expressions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded (shown, and offered when downloading)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    added_in: Mapped[int] = mapped_column(Integer)  # version number
    removed_in: Mapped[int | None] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    expression: Mapped[Expression] = relationship(back_populates="documents")

    def in_version(self, number: int) -> bool:
        return self.added_in <= number and (self.removed_in is None or self.removed_in > number)


class Shortlist(PublicIdMixin, TimestampMixin, db.Model):
    """A named list of entries. Shared by the lead provider's staff (an administrator's is their own)."""

    __tablename__ = "supply_shortlists"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[Organisation | None] = relationship()
    items: Mapped[list[ShortlistItem]] = relationship(cascade="all, delete-orphan", order_by="ShortlistItem.id")


class ShortlistItem(db.Model):
    __tablename__ = "supply_shortlist_items"
    __table_args__ = (UniqueConstraint("shortlist_id", "expression_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("supply_shortlists.id", ondelete="CASCADE"))
    expression_id: Mapped[int] = mapped_column(ForeignKey("supply_expressions.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expression: Mapped[Expression] = relationship()


class InvitationState:
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    LABELS = {INVITED: "Waiting for a reply", ACCEPTED: "Accepted", DECLINED: "Declined", WITHDRAWN: "Withdrawn"}


class PartnershipInvitation(PublicIdMixin, TimestampMixin, db.Model):
    """A lead provider invites an organisation into its supply chain for a named contract in one area."""

    __tablename__ = "supply_invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    contract_name: Mapped[str] = mapped_column(String(200))
    contract_package_area_id: Mapped[int] = mapped_column(ForeignKey("contract_package_areas.id"))
    services: Mapped[str] = mapped_column(Text)
    # Declared by the lead provider (Market Stewardship Principles): the share of the sub-contract's value paid
    # by results, and in words what risk passes down.
    risk_share_percent: Mapped[int] = mapped_column(Integer)
    risk_notes: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=InvitationState.INVITED, index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    response_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    lead_organisation: Mapped[Organisation] = relationship(foreign_keys=[lead_organisation_id])
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    contract_package_area: Mapped[ContractPackageArea] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return InvitationState.LABELS.get(self.state, self.state)
