"""Open data: contracts as an OCDS 1.1 release package and grants as 360Giving 1.4.3 (JSON package and CSV).

Each export is built in memory, validated against the standard's schema (local copies in `schemas/`, see its
README) and only then handed out; a problem is reported field by field (a path into the document and a plain
message) and nothing is written.

Identity, as the standards' own tools expect it:
- OCDS: the ocid is `OCDS_PREFIX` (registered by the publisher) plus the contract's public id. A release's id is
  a digest of its content: the same while nothing in it changes, new whenever anything does (a payment, a
  milestone, a status, a date that moves the status), so releases from any two exports merge (ocdskit). A
  party's id is its org-id identifier when it has one, else the portal's id for it: the same organisation is
  the same party in every release. Empty arrays and objects are left out.
- 360Giving: one funder, one funding organisation id (its org-id identifier, else `360G-rpp-funder-` and its
  name), across grants and files; recipients are identified the same way; `dateModified` moves when the grant or
  anything recorded against it changes.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

import jsonschema_rs

from portal import csv_safe
from portal.accounts import orgid
from portal.database import utcnow
from portal.funding.models import Agreement, RequirementKind

SCHEMAS = Path(__file__).parent / "schemas"
PREFIX = "360G-rpp"  # 360Giving identifiers minted by the portal when no registered one is known
PARTY_PREFIX = "rpp-org"  # OCDS party ids for organisations with no org-id identifier recorded
GRANT_ID_1_4_2 = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
MILESTONE_TYPES = {RequirementKind.REPORT: "reporting", RequirementKind.MILESTONE: "delivery",
                   RequirementKind.PAYMENT: "financing"}
MILESTONE_STATUS = {"scheduled": "scheduled", "met": "met", "partly_met": "partiallyMet", "not_met": "notMet"}
LICENCES = {
    "ogl": ("Open Government Licence v3.0",
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    "cc-by": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
}
# The ONS codes of the regions the portal uses (360Giving locations: geoCodeType RGN, or CTRY for Wales)
REGION_CODES = {"north-east": ("E12000001", "RGN"), "north-west": ("E12000002", "RGN"),
                "yorkshire-humber": ("E12000003", "RGN"), "east-midlands": ("E12000004", "RGN"),
                "west-midlands": ("E12000005", "RGN"), "east-of-england": ("E12000006", "RGN"),
                "london": ("E12000007", "RGN"), "south-east": ("E12000008", "RGN"),
                "south-west": ("E12000009", "RGN"), "wales": ("W92000004", "CTRY")}


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field or 'package'}: {self.message}"


@dataclass(frozen=True)
class Settings:
    """What the exports need from configuration: where the public files live, the ocid prefix, the licence."""

    base_url: str
    ocds_prefix: str
    licence: str = "ogl"

    @property
    def licence_name(self) -> str:
        return LICENCES.get(self.licence, LICENCES["ogl"])[0]

    @property
    def licence_url(self) -> str:
        return LICENCES.get(self.licence, LICENCES["ogl"])[1]

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"


def settings_from(config) -> Settings:
    return Settings(base_url=config["BASE_URL"], ocds_prefix=config["OCDS_PREFIX"],
                    licence=config.get("OPEN_DATA_LICENCE", "ogl"))


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


def prune(value):
    """Leave out empty strings, arrays and objects (and None), at every depth: the standards' tools flag them."""
    if isinstance(value, dict):
        kept = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        kept = [prune(v) for v in value]
        return [v for v in kept if v not in (None, "", [], {})]
    return value


def _money_text(pence: int, currency: str) -> str:
    return f"{pence // 100:,}.{pence % 100:02d} {currency}"


def _stamp(moment: datetime | None, precise: bool = False) -> str:
    """An RFC 3339 UTC time; `precise` keeps microseconds, so two changes in one second still differ."""
    moment = (moment or utcnow()).astimezone(UTC)
    return moment.isoformat(timespec="microseconds" if precise else "seconds").replace(
        "+00:00", "Z")


def _day(value: date) -> str:
    return _stamp(datetime.combine(value, time(0, 0), tzinfo=UTC))


def last_changed(agreement: Agreement) -> datetime:
    """When the agreement or anything recorded against it (requirements, money, measures, results) last changed,
    or the charity or company number of an organisation it names (the recipient; a sub-contract's lead provider)."""
    moments = [agreement.updated_at, agreement.created_at, agreement.organisation.identifiers_changed_at]
    if agreement.is_sub_contract and agreement.lead_organisation is not None:
        moments.append(agreement.lead_organisation.identifiers_changed_at)
    moments += [r.updated_at for r in agreement.requirements] + [r.status_changed_at for r in agreement.requirements]
    moments += [e.updated_at for e in agreement.entries]
    for measure in agreement.measures:
        moments += [measure.updated_at] + [r.updated_at for r in measure.results]
    known = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments if m is not None]
    return max(known) if known else utcnow()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().casefold()
    found = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return found or hashlib.sha256((text or "").encode()).hexdigest()[:12]


# --- Organisations: one identifier each, everywhere ---

def organisation_id(organisation, fallback_prefix: str) -> str:
    known = orgid.of(organisation)
    return str(known) if known else f"{fallback_prefix}-{organisation.public_id}"


def counterparty_orgid(agreement: Agreement) -> orgid.OrgId | None:
    try:
        return orgid.parse(agreement.counterparty_identifier) if agreement.counterparty_identifier else None
    except ValueError:  # typed before identifiers were checked: published as the portal's own id instead
        return None


def funder_key(agreement: Agreement) -> str:
    """What names one funder in URLs and files: its org-id identifier when typed, else its name as a slug."""
    known = counterparty_orgid(agreement)
    return str(known) if known else slug(agreement.counterparty_name)


def funder_id(agreement: Agreement) -> str:
    known = counterparty_orgid(agreement)
    return str(known) if known else f"{PREFIX}-funder-{slug(agreement.counterparty_name)}"


def _locations(regions) -> list[dict]:
    return [{"geoCode": REGION_CODES[r.slug][0], "geoCodeType": REGION_CODES[r.slug][1], "name": r.name,
             "countryCode": "GB"} if r.slug in REGION_CODES else {"name": r.name, "countryCode": "GB"}
            for r in regions]


def _numbers(organisation) -> dict:
    found = {}
    for known in orgid.all_of(organisation):
        if known.scheme in ("GB-CHC", "GB-SC", "GB-NIC") and "charityNumber" not in found:
            found["charityNumber"] = known.identifier
        if known.scheme == "GB-COH" and "companyNumber" not in found:
            found["companyNumber"] = known.identifier
    return found


# --- 360Giving ---

def grant(agreement: Agreement, settings: Settings, data_source: str = "") -> dict:
    org = agreement.organisation
    received = sum(e.amount_pence for e in agreement.entries if e.direction == "income" and not e.planned)
    area = agreement.contract_package_area
    document = {
        "id": f"{PREFIX}-{agreement.public_id}",
        "title": agreement.title,
        "description": agreement.description or _described(agreement),
        "currency": agreement.currency,
        "amountAwarded": amount(agreement.amount_pence),
        "amountDisbursed": amount(received) if received else None,
        "awardDate": agreement.award_date.isoformat(),
        "plannedDates": [{"startDate": agreement.start_date.isoformat(),
                          "endDate": agreement.end_date.isoformat(),
                          "duration": _months(agreement.start_date, agreement.end_date)}],
        "recipientOrganization": [{
            "id": organisation_id(org, f"{PREFIX}-org"), "name": org.name, **_numbers(org),
            "url": org.website or None, "location": _locations(org.regions)}],
        "fundingOrganization": [{"id": funder_id(agreement), "name": agreement.counterparty_name}],
        "beneficiaryLocation": [{"name": area.name, "countryCode": "GB"}] if area is not None else [],
        "grantProgramme": [{"title": agreement.programme}] if agreement.programme else [],
        "dataSource": data_source or None,
        "dateModified": _stamp(last_changed(agreement), precise=True),
    }
    return prune(document)


def _described(agreement: Agreement) -> str:
    """A description for a grant recorded without one: 360Giving's checks flag a description that only repeats
    the title."""
    return (f"A grant from {agreement.counterparty_name} to {agreement.organisation.name} for "
            f"{agreement.title}, from {agreement.start_date:%-d %B %Y} to {agreement.end_date:%-d %B %Y}.")


def _months(start: date, end: date) -> int:
    return max(1, (end.year - start.year) * 12 + end.month - start.month + (1 if end.day >= start.day else 0))


def funders(agreements: list[Agreement]) -> dict[str, list[Agreement]]:
    """Grants grouped by funder (key -> grants), funders in name order."""
    groups: dict[str, list[Agreement]] = {}
    for agreement in sorted(agreements, key=lambda a: (a.counterparty_name.casefold(), a.award_date, a.id)):
        groups.setdefault(funder_key(agreement), []).append(agreement)
    return groups


def grants_package(organisation, agreements: list[Agreement], settings: Settings, *, funder: str | None = None,
                   download_url: str = "") -> dict:
    """A 360Giving package. With `funder` (a key from `funders`): the grants that one funder made to the
    organisation, one funding organisation id in the file, as the funder's publication would hold them.
    Without: every grant the organisation received (its own listing, across funders)."""
    chosen = [a for a in agreements if funder is None or funder_key(a) == funder]
    modified = max((last_changed(a) for a in chosen), default=utcnow())
    if funder is None:
        title = f"Grants received by {organisation.name}"
    else:
        title = f"Grants from {chosen[0].counterparty_name} to {organisation.name}" if chosen else "Grants"
    return prune({
        "grants": [grant(a, settings, download_url) for a in chosen],
        "version": "1.4",
        "title": title,
        "issued": _stamp(None),
        "modified": _stamp(modified),
        "publisher": {"name": organisation.name,
                      "identifier": organisation_id(organisation, f"{PREFIX}-org"),
                      "website": organisation.website or None},
        "downloadURL": download_url or None,
        "accessURL": settings.url("/open-data") if download_url else None,
        "license": settings.licence_url,
    })


CSV_COLUMNS = [
    ("Identifier", lambda g: g["id"]), ("Title", lambda g: g["title"]), ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]), ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g.get("amountDisbursed", "")), ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: g["plannedDates"][0]["startDate"]),
    ("Planned Dates:End Date", lambda g: g["plannedDates"][0]["endDate"]),
    ("Planned Dates:Duration (months)", lambda g: g["plannedDates"][0].get("duration", "")),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:Charity Number", lambda g: g["recipientOrganization"][0].get("charityNumber", "")),
    ("Recipient Org:Company Number", lambda g: g["recipientOrganization"][0].get("companyNumber", "")),
    ("Recipient Org:Web Address", lambda g: g["recipientOrganization"][0].get("url", "")),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Title", lambda g: _nth(g, "grantProgramme", 0, "title")),
    ("Data Source", lambda g: g.get("dataSource", "")),
    ("Last Modified", lambda g: g["dateModified"]),
]
LOCATION_COLUMNS = [("Geographic Code", "geoCode"), ("Geographic Code Type", "geoCodeType"), ("Name", "name"),
                    ("Country Code", "countryCode")]


def _nth(item: dict, key: str, n: int, field: str):
    found = item.get(key) or []
    return found[n].get(field, "") if n < len(found) else ""


def _location_columns(grants: list[dict]) -> list:
    """Columns for each recipient and beneficiary location (Recipient Org:Location:0:Name, ...), as many as the
    grant with the most needs."""
    columns = []
    recipients = max((len(g["recipientOrganization"][0].get("location") or []) for g in grants), default=0)
    beneficiaries = max((len(g.get("beneficiaryLocation") or []) for g in grants), default=0)
    for n in range(recipients):
        columns += [(f"Recipient Org:Location:{n}:{title}",
                     lambda g, n=n, f=field: _nth(g["recipientOrganization"][0], "location", n, f))
                    for title, field in LOCATION_COLUMNS]
    for n in range(beneficiaries):
        columns += [(f"Beneficiary Location:{n}:{title}", lambda g, n=n, f=field: _nth(g, "beneficiaryLocation", n, f))
                    for title, field in LOCATION_COLUMNS]
    return columns


def grants_csv(package: dict) -> str:
    """The 360Giving flat (spreadsheet) form of a validated package, with the standard's column titles. Values
    are as typed; only one that a spreadsheet would run as a formula is made harmless (`portal.csv_safe`)."""
    columns = CSV_COLUMNS + _location_columns(package["grants"])
    return csv_safe.rows_to_csv([[title for title, _ in columns],
                                 *([get(item) for _, get in columns] for item in package["grants"])])


# --- OCDS ---

def ocid(agreement: Agreement, settings: Settings) -> str:
    return f"{settings.ocds_prefix}-{agreement.public_id}"


def _contract_status(agreement: Agreement, today: date) -> tuple[str, date | None]:
    """The status today, and the day it took effect (None while pending: it has not changed since award)."""
    if today < agreement.start_date:
        return "pending", None
    if today <= agreement.end_date:
        return "active", agreement.start_date
    return "terminated", date.fromordinal(agreement.end_date.toordinal() + 1)


def _party(organisation, roles: list[str]) -> dict:
    ids = orgid.all_of(organisation)
    return {
        "id": organisation_id(organisation, PARTY_PREFIX), "name": organisation.name,
        "identifier": ({"scheme": ids[0].scheme, "id": ids[0].identifier, "legalName": organisation.name}
                       if ids else None),
        "additionalIdentifiers": [{"scheme": o.scheme, "id": o.identifier} for o in ids[1:]],
        "contactPoint": {"url": organisation.website} if organisation.website else None,
        "roles": roles,
    }


def _buyer_party(agreement: Agreement) -> dict:
    if agreement.is_sub_contract and agreement.lead_organisation is not None:
        return _party(agreement.lead_organisation, ["buyer", "payer"])
    known = counterparty_orgid(agreement)
    return {
        "id": str(known) if known else f"{PARTY_PREFIX}-buyer-{slug(agreement.counterparty_name)}",
        "name": agreement.counterparty_name,
        "identifier": {"scheme": known.scheme, "id": known.identifier, "legalName": agreement.counterparty_name}
        if known else None,
        "roles": ["buyer", "payer"],
    }


def release(agreement: Agreement, today: date, settings: Settings, *, sub_contracts: list[Agreement] = ()) -> dict:
    """One release: the contract as it stands. `sub_contracts` are the sub-contracts hanging from a lead
    contract that may be named here (shared with the lead provider, and published when the file is public)."""
    supplier = _party(agreement.organisation, ["supplier", "payee"])
    buyer = _buyer_party(agreement)
    value = {"amount": amount(agreement.amount_pence), "currency": agreement.currency}
    status, status_since = _contract_status(agreement, today)
    payer = {"id": buyer["id"], "name": buyer["name"]}
    payee = {"id": supplier["id"], "name": supplier["name"]}
    transactions = [{
        "id": f"{agreement.public_id}-{e.id}", "source": None, "date": _day(e.on),
        "value": {"amount": amount(e.amount_pence), "currency": agreement.currency},
        "payer": payer, "payee": payee,
    } for e in agreement.entries if e.direction == "income" and not e.planned]
    contract = {
        "id": f"{agreement.public_id}-contract",
        "awardID": f"{agreement.public_id}-award",
        "title": agreement.title,
        "description": agreement.description or agreement.title,
        "status": status,
        "period": {"startDate": _day(agreement.start_date), "endDate": _day(agreement.end_date)},
        "value": value,
        "dateSigned": _day(agreement.award_date),
        "milestones": [{
            "id": r.public_id, "title": r.title, "type": MILESTONE_TYPES[r.kind], "dueDate": _day(r.due_date),
            "status": MILESTONE_STATUS[r.status],
            "dateMet": _stamp(r.status_changed_at) if r.status == "met" and r.status_changed_at else None,
            "dateModified": _stamp(r.status_changed_at or r.updated_at),
            "description": f"{RequirementKind.LABELS[r.kind]} of {_money_text(r.amount_pence, agreement.currency)}"
            if r.amount_pence else None,
        } for r in agreement.requirements],
        "implementation": {"transactions": transactions},
    }
    related = []
    if agreement.is_sub_contract and agreement.lead_agreement is not None:
        related.append({"id": f"parent-{agreement.lead_agreement.public_id}", "relationship": ["parent"],
                        "scheme": "ocid", "identifier": ocid(agreement.lead_agreement, settings),
                        "title": agreement.lead_agreement.title})
    for sub in sub_contracts:
        related.append({"id": f"sub-{sub.public_id}", "relationship": ["subContract"], "scheme": "ocid",
                        "identifier": ocid(sub, settings), "title": sub.title})
    changed = last_changed(agreement)
    if status_since is not None:
        moved = datetime.combine(status_since, time(0, 0), tzinfo=UTC)
        changed = max(changed, moved)
    document = prune({
        "ocid": ocid(agreement, settings),
        "date": _stamp(changed, precise=True),
        "tag": ["award", "contract"] + (["implementation"] if transactions else []),
        "initiationType": "tender",
        "language": "en",
        "parties": [buyer, supplier],
        "buyer": payer,
        "awards": [{"id": f"{agreement.public_id}-award", "title": agreement.title, "status": "active",
                    "date": _day(agreement.award_date), "value": value, "suppliers": [payee]}],
        "contracts": [contract],
        "relatedProcesses": related,
    })
    # The id is the content's digest: unchanged content, same id; any change, a new id.
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]
    return {"ocid": document["ocid"], "id": f"{agreement.public_id}-{digest}", **document}


def contracts_package(organisation, agreements: list[Agreement], settings: Settings, today: date, *,
                      sub_contracts: dict[int, list[Agreement]] | None = None) -> dict:
    known = orgid.of(organisation)
    return prune({
        "uri": settings.url(f"/open-data/{organisation.public_id}/ocds.json"),
        "version": "1.1",
        "publishedDate": _stamp(None),
        "publisher": {"name": organisation.name, "scheme": known.scheme if known else None,
                      "uid": known.identifier if known else None, "uri": organisation.website or None},
        "license": settings.licence_url,
        "publicationPolicy": settings.url("/open-data/publication-policy"),
        "releases": [release(a, today, settings, sub_contracts=(sub_contracts or {}).get(a.id, []))
                     for a in agreements],
    })
