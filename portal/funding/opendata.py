"""Open data: grants as 360Giving 1.4.3 (JSON package and CSV) and contracts as an OCDS 1.1 release package.

Each export is built in memory, validated against the standard's schema (local copies in `schemas/`, see its
README) and only then handed out; a problem is reported field by field (a path into the document and a plain
message) and nothing is written.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

import jsonschema_rs

from portal.database import utcnow
from portal.funding.models import Agreement, RequirementKind

SCHEMAS = Path(__file__).parent / "schemas"
PREFIX = "360G-rpp"  # 360Giving identifiers minted by the portal when no registered one is known
OCID_PREFIX = "ocds-rpp000"
GRANT_ID_1_4_2 = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
MILESTONE_TYPES = {RequirementKind.REPORT: "reporting", RequirementKind.MILESTONE: "delivery",
                   RequirementKind.PAYMENT: "payment"}
MILESTONE_STATUS = {"scheduled": "scheduled", "met": "met", "partly_met": "partiallyMet", "not_met": "notMet"}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field or 'package'}: {self.message}"


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


@cache
def _validators() -> dict[str, jsonschema_rs.Validator]:
    grant = _load("360-giving-schema.json")
    grants = jsonschema_rs.validator_for(
        _load("360-giving-package-schema.json"), validate_formats=True,
        registry=jsonschema_rs.Registry([(grant["$id"], grant), (GRANT_ID_1_4_2, grant)]))
    release = _load("release-schema.json")
    releases = jsonschema_rs.validator_for(
        _load("release-package-schema.json"), validate_formats=True,
        registry=jsonschema_rs.Registry([(release["id"], release)]))
    return {"360giving": grants, "ocds": releases}


def problems(standard: str, document: dict) -> list[Problem]:
    validator = _validators()[standard]
    if validator.is_valid(document):
        return []
    found = [Problem("/".join(str(p) for p in e.instance_path), e.message) for e in validator.iter_errors(document)]
    # A oneOf failure on a grant repeats the real problem at the grant's level: keep the deepest messages.
    deepest = [p for p in found if not any(o.field.startswith(p.field + "/") for o in found if o is not p)]
    return sorted(set(deepest), key=lambda p: (p.field, p.message))


def amount(pence: int) -> int | float:
    """Pounds as a JSON number. Stored and added up as integer pence; turned into a number only here, at the
    edge (a two-place decimal is exact to the penny in its shortest representation)."""
    pounds, rest = divmod(pence, 100)
    return pounds if rest == 0 else float(f"{pence / 100:.2f}")


def _org_id(organisation) -> str:
    known = organisation.identifiers[0].org_id if organisation.identifiers else ""
    return known or f"{PREFIX}-org-{organisation.public_id}"


def _funder_id(agreement: Agreement) -> str:
    return agreement.counterparty_identifier or f"{PREFIX}-funder-{agreement.public_id}"


def _stamp(moment: datetime | None) -> str:
    return (moment or utcnow()).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _day(value: date) -> str:
    return _stamp(datetime.combine(value, time(0, 0), tzinfo=UTC))


# --- 360Giving ---

def grant(agreement: Agreement) -> dict:
    org = agreement.organisation
    received = sum(e.amount_pence for e in agreement.entries if e.direction == "income" and not e.planned)
    document = {
        "id": f"{PREFIX}-{agreement.public_id}",
        "title": agreement.title,
        "description": agreement.description or agreement.title,
        "currency": agreement.currency,
        "amountAwarded": amount(agreement.amount_pence),
        "amountDisbursed": amount(received),
        "awardDate": agreement.award_date.isoformat(),
        "plannedDates": [{"startDate": agreement.start_date.isoformat(),
                          "endDate": agreement.end_date.isoformat()}],
        "recipientOrganization": [{"id": _org_id(org), "name": org.name}],
        "fundingOrganization": [{"id": _funder_id(agreement), "name": agreement.counterparty_name}],
        "dateModified": _stamp(agreement.updated_at),
    }
    if agreement.programme:
        document["grantProgramme"] = [{"title": agreement.programme}]
    return document


def grants_package(organisation, agreements: list[Agreement]) -> dict:
    return {
        "grants": [grant(a) for a in agreements],
        "version": "1.4",
        "title": f"Grants received by {organisation.name}",
        "issued": _stamp(None),
        "publisher": {"name": organisation.name, "identifier": _org_id(organisation)},
    }


CSV_COLUMNS = [
    ("Identifier", lambda g: g["id"]), ("Title", lambda g: g["title"]), ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]), ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g["amountDisbursed"]), ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: g["plannedDates"][0]["startDate"]),
    ("Planned Dates:End Date", lambda g: g["plannedDates"][0]["endDate"]),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Title", lambda g: (g.get("grantProgramme") or [{}])[0].get("title", "")),
    ("Last modified", lambda g: g["dateModified"]),
]


def grants_csv(package: dict) -> str:
    """The 360Giving flat (spreadsheet) form of a validated package, with the standard's column titles."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for title, _ in CSV_COLUMNS])
    for item in package["grants"]:
        writer.writerow([_cell(get(item)) for _, get in CSV_COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formulas in a spreadsheet


# --- OCDS ---

def ocid(agreement: Agreement) -> str:
    return f"{OCID_PREFIX}-{agreement.public_id}"


def _contract_status(agreement: Agreement, today: date) -> str:
    if today < agreement.start_date:
        return "pending"
    return "active" if today <= agreement.end_date else "terminated"


def release(agreement: Agreement, today: date) -> dict:
    org = agreement.organisation
    buyer_id = agreement.counterparty_identifier or f"{PREFIX}-buyer-{agreement.public_id}"
    supplier = {"id": _org_id(org), "name": org.name}
    value = {"amount": amount(agreement.amount_pence), "currency": agreement.currency}
    contract = {
        "id": f"{agreement.public_id}-contract",
        "awardID": f"{agreement.public_id}-award",
        "title": agreement.title,
        "description": agreement.description or agreement.title,
        "status": _contract_status(agreement, today),
        "period": {"startDate": _day(agreement.start_date), "endDate": _day(agreement.end_date)},
        "value": value,
        "milestones": [{
            "id": r.public_id, "title": r.title, "type": MILESTONE_TYPES[r.kind], "dueDate": _day(r.due_date),
            "status": MILESTONE_STATUS[r.status],
            **({"dateMet": _stamp(r.status_changed_at)} if r.status == "met" and r.status_changed_at else {}),
        } for r in agreement.requirements],
        "implementation": {"transactions": [{
            "id": f"{agreement.public_id}-{e.id}", "date": _day(e.on),
            "value": {"amount": amount(e.amount_pence), "currency": agreement.currency},
            "payer": {"id": buyer_id, "name": agreement.counterparty_name}, "payee": supplier,
        } for e in agreement.entries if e.direction == "income" and not e.planned]},
    }
    document = {
        "ocid": ocid(agreement),
        "id": f"{agreement.public_id}-{agreement.updated_at.astimezone(UTC):%Y%m%dT%H%M%S}",
        "date": _stamp(agreement.updated_at),
        "tag": ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{"id": buyer_id, "name": agreement.counterparty_name, "roles": ["buyer"]},
                    {**supplier, "roles": ["supplier"]}],
        "buyer": {"id": buyer_id, "name": agreement.counterparty_name},
        "awards": [{"id": f"{agreement.public_id}-award", "title": agreement.title, "status": "active",
                    "date": _day(agreement.award_date), "value": value, "suppliers": [supplier]}],
        "contracts": [contract],
    }
    if agreement.lead_agreement is not None:
        document["relatedProcesses"] = [{"id": "1", "relationship": ["parent"], "scheme": "ocid",
                                         "identifier": ocid(agreement.lead_agreement),
                                         "title": agreement.lead_agreement.title}]
    return document


def contracts_package(organisation, agreements: list[Agreement], base_url: str, today: date) -> dict:
    return {
        "uri": f"{base_url.rstrip('/')}/funding/exports/ocds.json",
        "version": "1.1",
        "publishedDate": _stamp(None),
        "publisher": {"name": organisation.name},
        "releases": [release(a, today) for a in agreements],
    }
