"""Users, organisations and their identifiers, memberships, invitations and API tokens."""
from __future__ import annotations

import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.roles import MFA_REQUIRED, ORGANISATION_ROLES, OrgKind, OrgRole, OrgStatus, Role
from portal.database import PublicIdMixin, TimestampMixin, TZDateTime
from portal.extensions import db
from portal.reference.models import ContractPackageArea, Prison, ProbationDeliveryUnit, ProbationRegion, Region

organisation_regions = Table(
    "organisation_regions",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id"), primary_key=True),
)
organisation_cpas = Table(
    "organisation_cpas",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("contract_package_area_id", ForeignKey("contract_package_areas.id"), primary_key=True),
)


class Organisation(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sector: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=OrgStatus.PENDING, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The organisation's id in Open Referral documents (kept from an imported file).
    open_referral_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # When its charity or company number was last recorded or changed after registration: open data that names
    # the organisation (OCDS releases, 360Giving dateModified) counts it as a change.
    identifiers_changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    identifiers: Mapped[list[OrganisationIdentifier]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationIdentifier.scheme"
    )
    regions: Mapped[list[Region]] = relationship(secondary=organisation_regions, order_by=Region.name)
    contract_package_areas: Mapped[list[ContractPackageArea]] = relationship(
        secondary=organisation_cpas, order_by=ContractPackageArea.name
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def is_approved(self) -> bool:
        return self.status == OrgStatus.APPROVED


class OrganisationIdentifier(db.Model):
    """An org-id.guide style identifier: scheme (GB-CHC, GB-COH, ...) plus the identifier."""

    __tablename__ = "organisation_identifiers"
    __table_args__ = (UniqueConstraint("scheme", "identifier"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    identifier: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[Organisation] = relationship(back_populates="identifiers")

    @property
    def org_id(self) -> str:
        return f"{self.scheme}-{self.identifier}"


class User(UserMixin, PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Bumped on sign-out, password change and disabling: every session issued before stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    probation_region_id: Mapped[int | None] = mapped_column(ForeignKey("probation_regions.id"))
    # An offender manager's team is their probation delivery unit; a regional probation lead sees the whole region
    probation_delivery_unit_id: Mapped[int | None] = mapped_column(ForeignKey("probation_delivery_units.id"))
    sees_whole_region: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"))

    probation_region: Mapped[ProbationRegion | None] = relationship()
    probation_delivery_unit: Mapped[ProbationDeliveryUnit | None] = relationship()
    prison: Mapped[Prison | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )

    # Flask-Login: the session carries the version, so bumping it signs every copy of the cookie out.
    def get_id(self) -> str:
        return f"{self.public_id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.disabled_at is None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def mfa_required(self) -> bool:
        return self.role_enum in MFA_REQUIRED

    @property
    def membership(self) -> Membership | None:
        """The user's organisation membership (organisation staff have exactly one)."""
        return self.memberships[0] if self.memberships else None

    @property
    def organisation(self) -> Organisation | None:
        return self.membership.organisation if self.membership else None

    def has_org_role(self, *roles: OrgRole) -> bool:
        return self.membership is not None and self.membership.org_role in roles

    @property
    def awaiting_approval(self) -> bool:
        """Organisation staff whose organisation is not (or no longer) approved: the access policy treats them as
        anonymous visitors for everything but their own registration status (portal.policy.can)."""
        if self.role not in ORGANISATION_ROLES:
            return False
        organisation = self.organisation
        return organisation is None or organisation.status != OrgStatus.APPROVED


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    org_role: Mapped[str] = mapped_column(String(20), default=OrgRole.CASEWORKER)
    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(PublicIdMixin, TimestampMixin, db.Model):
    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    org_role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship()


class ApiToken(PublicIdMixin, TimestampMixin, db.Model):
    """A personal access token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    user: Mapped[User] = relationship()


class RecoveryCode(TimestampMixin, db.Model):
    """One of a two-factor user's ten single-use recovery codes, usable in place of a code from the app.
    Only a keyed digest is stored; the codes are shown once."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
