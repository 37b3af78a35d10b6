"""Reference tables. Loaded by the first migration; read-only to the application."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Pathway(db.Model):
    __tablename__ = "pathways"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    womens: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


class Region(db.Model):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    contract_package_areas: Mapped[list[ContractPackageArea]] = relationship(back_populates="region")


class ContractPackageArea(db.Model):
    __tablename__ = "contract_package_areas"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    region: Mapped[Region] = relationship(back_populates="contract_package_areas")


class ProbationRegion(db.Model):
    __tablename__ = "probation_regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class ProbationDeliveryUnit(db.Model):
    """A probation delivery unit (PDU): the team an offender manager works in, inside one probation region.
    Loaded by migration 0018 from portal/reference/probation_delivery_units.csv."""

    __tablename__ = "probation_delivery_units"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    probation_region_id: Mapped[int] = mapped_column(ForeignKey("probation_regions.id"), index=True)
    probation_region: Mapped[ProbationRegion] = relationship()


class Prison(db.Model):
    __tablename__ = "prisons"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    region: Mapped[Region] = relationship()
