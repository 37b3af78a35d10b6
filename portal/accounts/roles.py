"""Roles: the identifiers the CLI and API use, their names, and which of them must use two-factor sign-in."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OFFENDER_MANAGER = "offender_manager"
    PROVIDER = "provider"
    LEAD_PROVIDER = "lead_provider"
    EMPLOYER = "employer"
    PRISON_STAFF = "prison_staff"
    LEARNER = "learner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.OFFENDER_MANAGER: "Offender manager",
    Role.PROVIDER: "Provider staff",
    Role.LEAD_PROVIDER: "Lead provider staff",
    Role.EMPLOYER: "Employer staff",
    Role.PRISON_STAFF: "Prison staff",
    Role.LEARNER: "Prisoner learner",
}

MFA_REQUIRED = frozenset({Role.ADMIN, Role.OFFENDER_MANAGER, Role.PRISON_STAFF})
# Roles whose members belong to an organisation
ORGANISATION_ROLES = frozenset({Role.PROVIDER, Role.LEAD_PROVIDER, Role.EMPLOYER})


class OrgRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASEWORKER = "caseworker"
    FINANCE = "finance"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OrgKind(StrEnum):
    PROVIDER = "provider"
    LEAD_PROVIDER = "lead_provider"
    EMPLOYER = "employer"

    @property
    def label(self) -> str:
        return {"provider": "Service provider", "lead_provider": "Lead provider", "employer": "Employer"}[self.value]

    @property
    def staff_role(self) -> Role:
        return Role(self.value)


class OrgStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
