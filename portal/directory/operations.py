"""Directory rules: listings and their revisions, moderation, freshness, problem reports, import and export."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import url_for
from sqlalchemy import Column, Table, bindparam, delete, func, insert, select, text, tuple_, update
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.schema import ColumnDefault

from portal import audit, paging, policy, search_index
from portal.accounts import operations as accounts
from portal.accounts.models import Organisation, OrganisationIdentifier, User
from portal.accounts.roles import OrgKind, OrgStatus, Role
from portal.database import utcnow
from portal.directory import feed, hsds, vocabulary
from portal.directory.indexing import freshness
from portal.directory.models import (
    ListingState,
    Location,
    ProblemReport,
    Revision,
    RevisionState,
    Service,
    ServiceTerm,
    new_uuid,
)
from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.mail import queue_email
from portal.reference.models import ContractPackageArea, Region
from search.util import batches

REMIND_FIRST = timedelta(days=152)  # 5 months
REMIND_SECOND = timedelta(days=183)  # 6 months


# --- Publishing a document ---

# An HSDS service document (parsed JSON), as stored in `Service.document` and `Revision.content`
Document = dict[str, Any]
ReferenceIds = tuple[dict[str, int], dict[str, int]]


def _reference_ids() -> ReferenceIds:
    regions = dict(db.session.execute(select(Region.slug, Region.id)).tuples().all())
    cpas = dict(db.session.execute(select(ContractPackageArea.slug, ContractPackageArea.id)).tuples().all())
    return regions, cpas


@dataclass
class Derived:
    """What the portal keeps alongside a published document: columns, locations and terms."""

    columns: dict[str, Any]
    locations: list[dict[str, Any]]
    terms: list[dict[str, str]]


def derive(document: Document, reference_ids: ReferenceIds, now: datetime) -> Derived:
    regions, cpas = reference_ids
    terms = hsds.terms(document)
    return Derived(
        columns={
            "document": document, "summary": feed.service_summary(document), "name": document["name"].strip()[:255],
            "state": ListingState.PUBLISHED,
            "minimum_age": _age(document.get("minimum_age")), "maximum_age": _age(document.get("maximum_age")),
            "capacity": next((code for taxonomy, code in terms if taxonomy == "capacity-status"), "accepting"),
            "last_modified": hsds.last_modified(document) or now, "last_checked_at": now,
            "reminders_sent": 0, "freshness": "fresh",
        },
        locations=[{
            "uuid": loc.uuid, "service_at_location_uuid": loc.service_at_location_uuid, "position": i,
            "name": loc.name[:255], "postal_code": loc.postal_code[:10], "outcode": loc.outcode,
            "latitude": loc.latitude, "longitude": loc.longitude,
            "region_id": regions.get(loc.region_slug) if loc.region_slug is not None else None,
            "contract_package_area_id": cpas.get(loc.cpa_slug) if loc.cpa_slug is not None else None,
        } for i, loc in enumerate(hsds.locations(document))],
        terms=[{"taxonomy": t, "code": c} for t, c in sorted(terms)
               if t not in ("region", "contract-package-area", "sector")],
    )


def publish_document(service: Service, document: Document, *, checked_by: User | None = None) -> None:
    """Make `document` the live listing and re-derive everything the portal keeps from it."""
    now = utcnow()
    derived = derive(document, _reference_ids(), now)
    for column, value in derived.columns.items():
        setattr(service, column, value)
    if service.locations:  # delete the old rows first: the new ones keep their service_at_location ids (unique)
        service.locations = []
        db.session.flush()
    service.locations = [Location(**row) for row in derived.locations]
    service.terms = [ServiceTerm(**row) for row in derived.terms]
    service.published_at = service.published_at or now
    service.last_checked_by_id = checked_by.id if checked_by else None
    search_index.queue("services", [service.uuid])


def with_current_identifiers(organisation: Organisation, document: Document | None) -> Document | None:
    """A copy of `document` whose organisation (when it is `organisation`) carries the organisation's identifiers
    as they are now, or None when it already does (or names another organisation)."""
    from portal.directory import listing_form

    nested = (document or {}).get("organization")
    if not isinstance(nested, dict) or nested.get("id") != organisation.open_referral_id:
        return None
    identifiers = listing_form.organization_identifiers(organisation) or None
    if nested.get("organization_identifiers") == identifiers:
        return None
    fresh: Document = json.loads(json.dumps(document))
    listing_form._set(fresh["organization"], "organization_identifiers", identifiers)
    return fresh


@accounts.on_identifiers_changed
def refresh_organisation_identifiers(organisation: Organisation) -> int:
    """After an organisation's charity or company number changes, its listings' documents (the published ones the
    Open Referral UK feed serves) carry the new `organization_identifiers` and a new `last_modified`, so
    `modified_after` finds them. Nothing else in a listing changes, so no moderation is needed; a revision waiting
    for review gets the organisation's identifiers as they are when it is approved (`approve`). Returns how many
    published listings changed."""
    now = utcnow()
    published = []
    for service in db.session.scalars(select(Service).where(Service.organisation_id == organisation.id)):
        if (fresh := with_current_identifiers(organisation, service.document)) is not None:
            fresh["last_modified"] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            service.document, service.summary = fresh, feed.service_summary(fresh)
            service.last_modified = now
            if service.state == ListingState.PUBLISHED:
                published.append(service.uuid)
    if published:
        search_index.queue("services", published)
    return len(published)


def _age(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) else None


# --- Provider edits and moderation ---

def save_draft(organisation: Organisation, user: User, document: Document, service: Service | None = None,
               expected_version: int | None = None) -> Service:
    """Keep the provider's latest version of a listing as a draft revision (the published one stays live)."""
    if service is not None and expected_version is not None and service.version != expected_version:
        raise Conflict()
    if problems := hsds.problems(document):
        raise DomainError(f"The listing is not valid: {problems[0]}")
    if service is None:
        service = Service(organisation=organisation, uuid=document["id"])
        db.session.add(service)
    revision = service.pending_revision
    if revision is None or revision.state != RevisionState.DRAFT:
        if revision is not None and revision.state == RevisionState.SUBMITTED:
            revision.state = RevisionState.SUPERSEDED
        # A returned revision stays as it was decided (with its reason): the change log keeps every decision.
        revision = Revision(service=service, number=len(service.revisions) + 1, created_by_id=user.id)
        db.session.add(revision)
    revision.content = document
    revision.state = RevisionState.DRAFT
    service.updated_at = utcnow()  # bumps the version: a second editor with an older copy gets a 409
    db.session.flush()
    audit.record("listing.saved", "service", service.uuid, actor=user, details={"revision": revision.number})
    return service


def submit(service: Service, user: User, expected_version: int | None = None) -> Revision:
    """Send the draft for approval. `expected_version` (the version the person saw) refuses a stale page."""
    if expected_version is not None and service.version != expected_version:
        raise Conflict()
    revision = service.pending_revision
    if revision is None or revision.state == RevisionState.SUBMITTED:
        raise DomainError("There are no changes to send for approval")
    if revision.state == RevisionState.RETURNED:
        raise DomainError("Change the listing as the administrator asked before sending it again")
    revision.state = RevisionState.SUBMITTED
    revision.submitted_at = utcnow()
    revision.submitted_by_id = user.id
    audit.record("listing.submitted", "service", service.uuid, actor=user)
    for admin in db.session.scalars(select(User).where(User.role == Role.ADMIN, User.disabled_at.is_(None))):
        if admin.email is not None:
            queue_email(admin.email, "A listing is waiting for approval", "listing_submitted",
                        link=url_for("directory.review", revision_uuid=revision.uuid, _external=True))
    return revision


@dataclass
class Change:
    field: str
    before: str
    after: str


def _terms_in_words(taxonomy: str) -> Callable[[Document], str]:
    names = vocabulary.TAXONOMIES[taxonomy].terms
    return lambda document: ", ".join(sorted(names[c] for t, c in hsds.terms(document) if t == taxonomy))


DIFF_FIELDS: list[tuple[str, Callable[[Document], object]]] = [
    ("Name", lambda d: d.get("name")),
    ("Description", lambda d: d.get("description")),
    ("Website", lambda d: d.get("url")),
    ("Email", lambda d: d.get("email")),
    ("Phone", lambda d: ", ".join(p.get("number", "") for p in d.get("phones") or [])),
    ("How to access it", lambda d: d.get("application_process")),
    ("Who it is for", lambda d: d.get("eligibility_description")),
    ("Ages", lambda d: f"{d.get('minimum_age') or 'any'} to {d.get('maximum_age') or 'any'}"),
    ("Cost", lambda d: d.get("fees_description")),
    ("Opening hours", lambda d: "; ".join(s.get("description") or f"{s.get('byday')} {s.get('opens_at')}"
                                          f"-{s.get('closes_at')}" for s in d.get("schedules") or [])),
    ("Addresses", lambda d: "; ".join(
        ", ".join(filter(None, [a.get("address_1"), a.get("city"), a.get("postal_code")]))
        for sal in d.get("service_at_locations") or [] for a in (sal.get("location") or {}).get("addresses") or [])),
    ("Service areas", lambda d: ", ".join(a.get("name", "") for a in d.get("service_areas") or [])),
    ("Languages", lambda d: ", ".join(lang.get("name", "") for lang in d.get("languages") or [])),
    *[(hsds_label, _terms_in_words(taxonomy))
      for taxonomy, hsds_label in (("resettlement-pathway", "Pathways"), ("resettlement-stage", "Stages"),
                                   ("eligibility", "Eligibility"), ("access-route", "Access routes"),
                                   ("delivery-mode", "Delivery"), ("capacity-status", "Capacity"))],
]


def describe(document: Document) -> list[tuple[str, str]]:
    """A listing in words, field by field (empty fields left out): what providers check before sending it."""
    return [(label, value) for label, read in DIFF_FIELDS if (value := str(read(document) or ""))]


def changes(published: Document | None, proposed: Document) -> list[Change]:
    """What a revision changes, field by field, in words an administrator can check."""
    before_doc = published or {}
    found = []
    for label, read in DIFF_FIELDS:
        before, after = str(read(before_doc) or "") if published else "", str(read(proposed) or "")
        if before != after:
            found.append(Change(label, before, after))
    return found


def approve(revision: Revision, admin: User) -> None:
    if revision.state != RevisionState.SUBMITTED:
        raise DomainError("This change has already been decided or withdrawn")
    service = revision.service
    # The organisation's charity or company number may have changed since the revision was written
    publish_document(service, with_current_identifiers(service.organisation, revision.content) or revision.content,
                     checked_by=admin)
    revision.state = RevisionState.APPROVED
    revision.decided_at, revision.decided_by_id = utcnow(), admin.id
    audit.record("listing.approved", "service", service.uuid, actor=admin, details={"revision": revision.number})
    _tell_owners(service, "Your listing has been published", "listing_decided", approved=True)


def return_for_changes(revision: Revision, admin: User, reason: str) -> None:
    if revision.state != RevisionState.SUBMITTED:
        raise DomainError("This change has already been decided or withdrawn")
    if not reason.strip():
        raise DomainError("Enter what the provider needs to change", "reason")
    revision.state = RevisionState.RETURNED
    revision.decided_at, revision.decided_by_id = utcnow(), admin.id
    revision.decision_reason = reason.strip()
    audit.record("listing.returned", "service", revision.service.uuid, actor=admin, reason=reason.strip())
    _tell_owners(revision.service, "Your listing needs changes", "listing_decided", approved=False,
                 reason=reason.strip())


def set_high_risk_approval(service: Service, admin: User, approved: bool) -> bool:
    """Approve a service (or withdraw approval) to take referrals of people at high risk of serious harm or
    managed under MAPPA. Returns whether anything changed; audited when it did."""
    policy.authorize(admin, "listing.review")
    if service.high_risk_approved == approved:
        return False
    service.high_risk_approved = approved
    audit.record("service.high_risk_approved" if approved else "service.high_risk_approval_withdrawn", "service",
                 service.uuid, actor=admin)
    search_index.queue("services", [service.uuid])
    return True


def _tell_owners(service: Service, subject: str, template: str, **context: object) -> None:
    link = url_for("directory.manage", service_uuid=service.uuid, _external=True)
    for membership in service.organisation.memberships:
        if membership.user.email and membership.user.is_active:
            queue_email(membership.user.email, subject, template, link=link, **context)


def pending_reviews() -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.state == RevisionState.SUBMITTED)
                                   .order_by(Revision.submitted_at).options(selectinload(Revision.service))))


def organisation_listings(organisation: Organisation) -> list[Service]:
    """Every listing an organisation has, published or not, by the name the provider gave it."""
    services = db.session.scalars(select(Service).where(Service.organisation_id == organisation.id)
                                  .options(selectinload(Service.revisions)))
    return sorted(services, key=lambda service: working_document(service)["name"].casefold())


def working_document(service: Service) -> Document:
    """The version a provider works on: the change waiting (or being written), else the published one."""
    pending = service.pending_revision
    document = pending.content if pending is not None else service.document
    if document is None:  # a listing starts as a draft, which is replaced only by a newer one or published
        raise ValueError(f"listing {service.uuid} has neither a pending change nor a published version")
    return document


# --- Freshness ---

def confirm_still_right(service: Service, user: User) -> None:
    if service.state != ListingState.PUBLISHED:
        raise DomainError("Only published listings can be confirmed")
    service.last_checked_at = utcnow()
    service.last_checked_by_id = user.id
    service.reminders_sent = 0
    service.freshness = "fresh"
    audit.record("listing.confirmed", "service", service.uuid, actor=user)
    search_index.queue("services", [service.uuid])


def needs_checking(service: Service, now: datetime | None = None) -> bool:
    """A published listing nobody has confirmed for 5 months: its owners are being reminded."""
    checked = service.last_checked_at or service.published_at
    if service.state != ListingState.PUBLISHED or checked is None:
        return False
    return (now or utcnow()) - checked >= REMIND_FIRST


def send_reminders(now: datetime | None = None, progress: Callable[[int], None] | None = None,
                   checkpoint: Callable[[], None] | None = None, batch_size: int = 200) -> dict[str, int]:
    """Remind owners at 5 and 6 months; re-index listings whose freshness changed (unverified, hidden).

    Listings are taken `batch_size` at a time and `checkpoint` (the scheduler's commit) runs after each batch,
    so a national directory is never held in one transaction; a run stopped half-way resumes where it stopped,
    since each listing records the reminders it has had."""
    now = now or utcnow()
    counts = {"first": 0, "second": 0, "reindexed": 0}
    ids = list(db.session.scalars(select(Service.id).where(Service.state == ListingState.PUBLISHED)
                                  .order_by(Service.id)))
    n = 0
    for start in range(0, len(ids), batch_size):
        services = db.session.scalars(select(Service).where(Service.id.in_(ids[start:start + batch_size]))
                                      .order_by(Service.id).options(selectinload(Service.organisation)))
        for service in services:
            n += 1
            age = now - (service.last_checked_at or service.published_at or now)
            stage = 2 if age >= REMIND_SECOND else 1 if age >= REMIND_FIRST else 0
            if stage > service.reminders_sent:
                _tell_owners(service, "Check your listing is still right", "listing_reminder",
                             name=service.name, months=5 if stage == 1 else 6)
                counts["first" if stage == 1 else "second"] += 1
                service.reminders_sent = stage
            current = freshness(service, now)
            if current != service.freshness:  # became unverified (ranks lower) or hidden (leaves search)
                service.freshness = current
                search_index.queue("services", [service.uuid])
                counts["reindexed"] += 1
            if progress:
                progress(n)
        if checkpoint:
            checkpoint()
    return counts


# --- Problem reports ---

def report_problem(service: Service, message: str, reporter_email: str = "") -> ProblemReport:
    message = message.strip()
    if not message:
        raise DomainError("Enter what is wrong with this listing", "message")
    if len(message) > 2000:
        raise DomainError("What is wrong must be 2,000 characters or fewer", "message")
    report = ProblemReport(service=service, message=message, reporter_email=reporter_email.strip().lower())
    db.session.add(report)
    db.session.flush()
    link = url_for("directory.manage", service_uuid=service.uuid, _external=True)
    recipients = {m.user.email for m in service.organisation.memberships if m.user.email and m.user.is_active}
    recipients |= set(db.session.scalars(select(User.email).where(User.role == Role.ADMIN,
                                                                  User.disabled_at.is_(None))))
    for email in sorted(recipients):
        queue_email(email, "Someone reported a problem with a listing", "listing_problem", link=link)
    return report


def open_problem_reports(service: Service) -> list[ProblemReport]:
    return list(db.session.scalars(select(ProblemReport).where(ProblemReport.service_id == service.id,
                                                               ProblemReport.resolved_at.is_(None))
                                   .order_by(ProblemReport.created_at)))


def resolved_problem_reports(service: Service, limit: int = 10) -> list[ProblemReport]:
    """The latest reports the provider marked resolved, with what they did."""
    return list(db.session.scalars(select(ProblemReport).where(ProblemReport.service_id == service.id,
                                                               ProblemReport.resolved_at.is_not(None))
                                   .order_by(ProblemReport.resolved_at.desc()).limit(limit)
                                   .options(selectinload(ProblemReport.resolved_by))))


def problem_report(service: Service, report_uuid: str) -> ProblemReport | None:
    return db.session.scalar(select(ProblemReport).where(ProblemReport.uuid == report_uuid,
                                                         ProblemReport.service_id == service.id))


def resolve_problem(report: ProblemReport, user: User, note: str) -> None:
    """Staff who keep the listing (those who may change it) say what they did about a report; it leaves the
    open lists."""
    policy.authorize(user, "listing.edit", report.service.organisation, secret=True)
    if report.resolved_at is not None:
        raise Conflict("This problem was already marked resolved")
    note = (note or "").strip()
    if not note:
        raise DomainError("Enter what you did about this problem", "note")
    if len(note) > 1000:
        raise DomainError("What you did must be 1,000 characters or fewer", "note")
    report.resolved_at = utcnow()
    report.resolved_by_id = user.id
    report.resolution_note = note
    audit.record("listing.problem_resolved", "problem_report", report.uuid, actor=user,
                 details={"service": report.service.uuid})


PROBLEMS_PER_PAGE = 25


def problem_reports(admin: User, resolved: bool, number: int = 1) -> tuple[list[ProblemReport], int]:
    """Administrators' view across the directory: open reports oldest first, resolved ones latest first."""
    policy.authorize(admin, "listing.review")
    condition = ProblemReport.resolved_at.is_not(None) if resolved else ProblemReport.resolved_at.is_(None)
    total = db.session.scalar(select(func.count(ProblemReport.id)).where(condition))
    order = ProblemReport.resolved_at.desc() if resolved else ProblemReport.created_at
    reports = list(db.session.scalars(
        select(ProblemReport).where(condition).order_by(order, ProblemReport.id)
        .limit(PROBLEMS_PER_PAGE).offset(paging.offset(number, PROBLEMS_PER_PAGE))
        .options(selectinload(ProblemReport.service).selectinload(Service.organisation),
                 selectinload(ProblemReport.resolved_by))))
    return reports, total or 0


def published_services(organisation: Organisation) -> list[Service]:
    """An organisation's listings the public can find (published, not hidden for being unchecked), by name."""
    return list(db.session.scalars(select(Service).where(Service.organisation_id == organisation.id,
                                                         Service.state == ListingState.PUBLISHED,
                                                         Service.freshness != "hidden")
                                   .order_by(func.lower(Service.name), Service.id)))


# --- Import and export ---

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportRejected(Exception):
    def __init__(self, problems: list[tuple[int, hsds.Problem]]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def read_records(path: Path) -> list[Any]:
    """A JSON array of services, one service as a JSON object, or newline-delimited JSON (one service a line)."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records: list[Any] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRejected([(0, hsds.Problem("", f"the file is not valid JSON: {exc.msg} "
                                                       f"at line {exc.lineno}"))]) from exc
    else:
        records, bad = [], []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:  # position 0: about the file, not one record
                    bad.append((0, hsds.Problem("", f"line {line_number} is not valid JSON: {exc.msg}")))
        if bad and stripped.startswith("{"):
            try:  # one pretty-printed service
                records, bad = [json.loads(text)], []
            except json.JSONDecodeError:
                pass
        if bad:
            raise ImportRejected(bad)
    if not records:
        raise ImportRejected([(0, hsds.Problem("", "the file holds no services"))])
    return records


def import_problems(records: list[Any]) -> list[tuple[int, hsds.Problem]]:
    """Everything wrong with a file of services, as (record position from 1, problem), all at once."""
    found: list[tuple[int, hsds.Problem]] = []
    service_ids: dict[str, int] = {}
    sal_ids: dict[str, tuple[int, str, str]] = {}  # service_at_location id -> (position, field, service id)
    for position, record in enumerate(records, start=1):
        problems = hsds.problems(record)
        found += [(position, problem) for problem in problems]
        if problems:
            continue
        if record["id"] in service_ids:
            found.append((position, hsds.Problem(
                "id", f"the same service id appears earlier in the file, in record {service_ids[record['id']]}")))
        service_ids.setdefault(record["id"], position)
        for index, sal in enumerate(record.get("service_at_locations") or []):
            field = f"service_at_locations/{index}/id"
            if sal["id"] in sal_ids:
                found.append((position, hsds.Problem(
                    field, f"this service_at_location id is already used in record {sal_ids[sal['id']][0]}")))
            else:
                sal_ids[sal["id"]] = (position, field, record["id"])
    # A service_at_location id already published under another service would break the import half-way.
    for chunk in batches(list(sal_ids), 500):
        owners = db.session.execute(select(Location.service_at_location_uuid, Service.uuid).join(Service)
                                    .where(Location.service_at_location_uuid.in_(chunk)))
        for sal_id, owner in owners:
            position, field, service_id = sal_ids[sal_id]
            if owner != service_id:
                found.append((position, hsds.Problem(field, f"this service_at_location id already belongs to "
                                                            f"another service ({owner})")))
    return sorted(found, key=lambda item: item[0])


def import_services(records: list[Any], progress: Callable[[int], None] | None = None,
                    batch_size: int = 1000) -> ImportResult:
    """Validate every record, then import all of them or none. Records keep their ids; the same file imported
    twice changes nothing. Imported listings are published: the operator vouches for the file.

    Written with bulk statements (a few per batch of services, never one per row or per organisation), so
    100,000 services import in a couple of minutes.
    """
    if found := import_problems(records):
        raise ImportRejected(found)
    result = ImportResult()
    reference_ids = _reference_ids()
    organisations: dict[str, int] = {}  # Open Referral organisation id -> organisations.id
    with _bulk_writing():
        for start in range(0, len(records), batch_size):
            batch = records[start:start + batch_size]
            existing = {uid: _Existing(*rest) for uid, *rest in db.session.execute(
                select(Service.uuid, Service.id, Service.organisation_id, Service.state, Service.document)
                .where(Service.uuid.in_([r["id"] for r in batch])))}
            changed = [r for r in batch if r["id"] not in existing or existing[r["id"]].document != r
                       or existing[r["id"]].state != ListingState.PUBLISHED]
            result.unchanged += len(batch) - len(changed)
            result.created += sum(1 for r in changed if r["id"] not in existing)
            result.updated += sum(1 for r in changed if r["id"] in existing)
            if changed:
                _write_batch(changed, existing, organisations, reference_ids)
            if progress:
                progress(min(start + batch_size, len(records)))
    audit.record("directory.imported", "directory", "import",
                 details={"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    return result


@dataclass
class _Existing:
    id: int
    organisation_id: int
    state: str
    document: Document | None


def _write_batch(records: list[Document], existing: dict[str, _Existing], organisations: dict[str, int],
                 reference_ids: ReferenceIds) -> None:
    now = utcnow()
    derived = {r["id"]: derive(r, reference_ids, now) for r in records}
    org_ids = _organisation_ids(records, existing, organisations, now)
    table = Service.__table__
    new = [uid for uid in derived if uid not in existing]
    ids = {uid: existing[uid].id for uid in derived if uid in existing}
    if new:
        ids.update(_insert_many(table, [
            {"uuid": uid, "organisation_id": org_ids[uid], "published_at": now, "version": 1,
             "created_at": now, "updated_at": now, **derived[uid].columns} for uid in new],
            table.c.uuid, table.c.id))
    updated = [uid for uid in derived if uid in existing]
    if updated:
        columns = ["organisation_id", "updated_at", *derived[updated[0]].columns]
        # Core, not the ORM: one executemany, and the version counter moves on so open edit forms get a 409.
        db.session.execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values({**{c: bindparam(f"b_{c}") for c in columns}, "version": table.c.version + 1}),
            [{"b_id": ids[uid], "b_organisation_id": org_ids[uid], "b_updated_at": now,
              **{f"b_{c}": v for c, v in derived[uid].columns.items()}} for uid in updated])
        service_ids = [ids[uid] for uid in updated]
        db.session.execute(delete(Location).where(Location.service_id.in_(service_ids)))
        db.session.execute(delete(ServiceTerm).where(ServiceTerm.service_id.in_(service_ids)))
    locations = [{"service_id": ids[uid], **row} for uid, d in derived.items() for row in d.locations]
    terms = [{"service_id": ids[uid], **row} for uid, d in derived.items() for row in d.terms]
    if locations:
        _insert_many(Location.__table__, locations)
    if terms:
        _insert_many(ServiceTerm.__table__, terms)
    search_index.queue("services", list(derived))


def _insert_many(table: Table, rows: list[dict[str, Any]], *returning: Column[Any]) -> list[tuple[Any, ...]]:
    """Insert rows in bulk; the ``returning`` columns of each (the first being a unique key the rows give).

    PostgreSQL gets COPY: an executemany INSERT costs psycopg a statement a row, and even SQLAlchemy's
    multi-row INSERT ... VALUES spends more time building the statement than the server spends storing it.
    SQLite's own executemany is the fastest way there.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        if returning:
            return [tuple(row) for row in db.session.execute(insert(table).returning(*returning), rows)]
        db.session.execute(insert(table), rows)
        return []
    _copy(table, rows)
    if not returning:
        return []
    key = returning[0]
    found = []
    for chunk in batches([row[key.name] for row in rows], 1000):
        found += [tuple(row) for row in db.session.execute(select(*returning).where(key.in_(chunk)))]
    return found


def _copy(table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, in the session's transaction, filling in the model's Python-side defaults."""
    given = list(rows[0])
    defaults = [(column.name, column.default) for column in table.columns
                if column.name not in given and isinstance(column.default, ColumnDefault) and not column.primary_key]
    quote = db.session.get_bind().dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in [*given, *(name for name, _ in defaults)])
    driver = db.session.connection().connection.driver_connection
    if driver is None:  # only once the pool has invalidated the connection
        raise RuntimeError("the database connection was closed")
    with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([*(_copy_value(row[name]) for name in given),
                            *(default.arg(None) if default.is_callable else default.arg for _, default in defaults)])


def _copy_value(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, str):
        return str(value)  # an enum's plain text
    return value


@contextmanager
def _bulk_writing() -> Iterator[None]:
    """SQLite: a larger page cache while importing. Services, places and organisations are keyed by random
    uuids, so each batch writes all over those indexes; with SQLite's default 2 MB cache a 100,000-service
    import spends a third of its time re-reading index pages."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    previous = db.session.execute(text("PRAGMA cache_size")).scalar_one()
    db.session.execute(text("PRAGMA cache_size = -262144"))  # 256 MiB, at most, for this connection
    try:
        yield
    finally:
        db.session.execute(text(f"PRAGMA cache_size = {int(previous)}"))


def _organisation_ids(records: list[Document], existing: dict[str, _Existing], cache: dict[str, int],
                      now: datetime) -> dict[str, int]:
    """Service id -> the organisation it belongs to: matched by the Open Referral organisation id, else created
    (approved). A record without an organisation id keeps its listing's organisation, or gets a new one."""
    keys: dict[str, str] = {}
    wanted: dict[str, Document] = {}  # organisation id not yet known -> the first record describing it
    for record in records:
        key = (record.get("organization") or {}).get("id") or record.get("organization_id")
        if not key:
            if record["id"] in existing:
                continue
            key = new_uuid()
        keys[record["id"]] = key
        if key not in cache:
            wanted.setdefault(key, record)
    for chunk in batches(list(wanted), 500):
        cache.update(db.session.execute(select(Organisation.open_referral_id, Organisation.id)
                                        .where(Organisation.open_referral_id.in_(chunk))).tuples().all())
    if missing := {key: record for key, record in wanted.items() if key not in cache}:
        _create_organisations(missing, cache, now)
    return {uid: cache[keys[uid]] if uid in keys else existing[uid].organisation_id for uid in
            (r["id"] for r in records)}


def _create_organisations(records: dict[str, Document], cache: dict[str, int], now: datetime) -> None:
    rows: list[dict[str, Any]] = []
    identifiers: dict[tuple[str, str], str] = {}  # (scheme, identifier) -> Open Referral organisation id
    for key, record in records.items():
        data = record.get("organization") or {}
        sector = next((a["taxonomy_term"].get("code") for a in data.get("attributes") or []
                       if (a.get("taxonomy_term") or {}).get("taxonomy") == "sector"), None)
        rows.append({
            "open_referral_id": key, "name": (data.get("name") or record["name"])[:200], "kind": OrgKind.PROVIDER,
            "sector": sector if sector in vocabulary.SECTORS else "voluntary-community",
            "description": data.get("description") or "", "website": (data.get("website") or "")[:300],
            "email": (data.get("email") or "")[:254], "status": OrgStatus.APPROVED, "decided_at": now})
        for ident in data.get("organization_identifiers") or []:
            scheme, value = ident.get("identifier_scheme"), ident.get("identifier")
            if scheme and value:
                identifiers.setdefault((scheme[:20], value[:40]), key)
    table = Organisation.__table__
    cache.update(_insert_many(table, rows, table.c.open_referral_id, table.c.id))
    taken: set[tuple[str, str]] = set()
    pair = tuple_(OrganisationIdentifier.scheme, OrganisationIdentifier.identifier)
    for chunk in batches(list(identifiers), 300):
        taken.update(tuple(row) for row in db.session.execute(
            select(OrganisationIdentifier.scheme, OrganisationIdentifier.identifier).where(pair.in_(chunk))))
    if new_identifiers := [{"organisation_id": cache[key], "scheme": scheme, "identifier": value}
                           for (scheme, value), key in identifiers.items() if (scheme, value) not in taken]:
        _insert_many(OrganisationIdentifier.__table__, new_identifiers)


def published_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Service).where(
        Service.state == ListingState.PUBLISHED)) or 0


def rebuild_search_index(batch_size: int = 5000, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the services index from the database (Meilisearch: into a new index, then swapped in), so it
    holds exactly the listings search should show. Returns how many services were read."""
    from portal.directory.indexing import documents as search_documents

    ids = list(db.session.scalars(select(Service.uuid).where(Service.state == ListingState.PUBLISHED)
                                  .order_by(Service.id)))

    def documents() -> Iterator[Document]:
        for start in range(0, len(ids), batch_size):
            yield from (doc for doc in search_documents(ids[start:start + batch_size]).values() if doc is not None)

    search_index.backend().rebuild("services", documents(), total=len(ids), progress=progress)
    return len(ids)


def published_documents(batch_size: int = 1000) -> Iterator[Document]:
    query = select(Service.document).where(Service.state == ListingState.PUBLISHED).order_by(Service.id)
    yield from db.session.scalars(query.execution_options(yield_per=batch_size))


def export_services(path: Path, documents: Iterable[Document], progress: Callable[[int], None] | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("[\n")
        for count, document in enumerate(documents, start=1):
            f.write(("" if count == 1 else ",\n") + json.dumps(document, ensure_ascii=False))
            if progress:
                progress(count)
        f.write("\n]\n")
    return count
