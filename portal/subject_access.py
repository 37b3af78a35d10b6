"""Subject access and erasure across every domain: one registry of what each domain holds about a person on
probation or in prison, found by their case reference number (CRN, like X123456) or prison number (A1234BC).

Each domain registers a `Holding`: the tables it holds about such a person, how to export them and how to erase
them. `tests/test_subject_access.py` fails when a table with personal or offence data (portal/data_dictionary.py)
is neither held by a registered domain nor listed in `NOT_ABOUT_THE_PERSON` with the reason, so a new table
cannot escape an export or an erasure. Domains register from their own `subject_access` module; this module
imports them (`DOMAINS`), so a request never misses a domain that has not been imported yet.
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect

from portal.errors import DomainError

CRN = re.compile(r"^[A-Z]\d{6}$")
PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")
IDENTIFIER_MESSAGE = ("Enter a case reference number (CRN), a letter followed by six digits like X123456, or a "
                      "prison number, a letter, four digits and two letters like A1234BC")

# Modules whose import registers a domain's holding
DOMAINS = ("portal.referrals.subject_access", "portal.employers.subject_access", "portal.campus.subject_access")

# Tables with personal data that are not about a person on probation or in prison, and why
NOT_ABOUT_THE_PERSON = {
    "users": "staff accounts (a learner's own account is erased with the campus record)",
    "invitations": "invitations to staff",
    "audit_events": "who did what: kept, with ids only, as the record that an export or erasure happened",
    "directory_problem_reports": "reports about listings from members of the public",
    "supply_expression_decisions": "decisions written to organisations",
    "supply_invitations": "notes between organisations",
    "outbox_messages": "emails waiting to be sent: a reference and a link, never the person's details",
    "funding_donations": "donors' Gift Aid declarations",
    "referral_searches": "a practitioner's own dashboard search words (may be a CRN), deleted after an hour",
}


@dataclass(frozen=True)
class Holding:
    domain: str  # the key in the export, like "referrals"
    tables: frozenset[str]
    export: Callable[[str], Any]  # identifier -> what is held, as JSON-ready values
    count: Callable[[str], int]  # identifier -> how many records (what erasure would remove)
    erase: Callable[[Any, str, str], int]  # (administrator, identifier, reason) -> how many records went
    describe: str  # "referral", "employment nomination", ...


HOLDINGS: dict[str, Holding] = {}


def register(holding: Holding) -> Holding:
    HOLDINGS[holding.domain] = holding
    return holding


def holdings() -> dict[str, Holding]:
    for module in DOMAINS:
        importlib.import_module(module)
    return HOLDINGS


def identifier(text: str | None) -> str:
    """A CRN or a prison number, normalised; a DomainError on the `crn` field otherwise."""
    value = "".join((text or "").split()).upper()
    if not (CRN.match(value) or PRISON_NUMBER.match(value)):
        raise DomainError(IDENTIFIER_MESSAGE, "crn")
    return value


def row(obj: Any, leave_out: tuple[str, ...] = ()) -> dict:
    """Every column of a row as JSON-ready values (secrets are never among what a holding exports)."""
    out = {}
    for column in inspect(obj).mapper.column_attrs:
        if column.key in leave_out:
            continue
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def counts(person: str) -> dict[str, int]:
    return {name: holding.count(person) for name, holding in holdings().items()}


def export(person: str) -> dict[str, Any]:
    return {name: holding.export(person) for name, holding in holdings().items()}


def erase(admin: Any, person: str, reason: str) -> dict[str, int]:
    return {name: holding.erase(admin, person, reason) for name, holding in holdings().items()}
