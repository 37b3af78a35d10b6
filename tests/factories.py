"""Factories for every model. Each returns a committed object with realistic, valid defaults."""
from __future__ import annotations

import itertools
import time

import pyotp
from sqlalchemy import select

from portal.accounts import credentials
from portal.accounts.models import ApiToken, Membership, Organisation, User
from portal.accounts.roles import MFA_REQUIRED, ORGANISATION_ROLES, OrgKind, OrgRole, OrgStatus, Role
from portal.database import utcnow
from portal.extensions import db
from portal.reference.models import Prison, ProbationDeliveryUnit, ProbationRegion, Region

PASSWORD = "correct horse battery staple"
FACTORY_SEEDS = 1_000_000
_seq = itertools.count(1)

ORG_KIND_FOR_ROLE = {Role.PROVIDER: OrgKind.PROVIDER, Role.LEAD_PROVIDER: OrgKind.LEAD_PROVIDER,
                     Role.EMPLOYER: OrgKind.EMPLOYER}


def organisation(*, name: str | None = None, kind: str = OrgKind.PROVIDER, sector: str = "voluntary-community",
                 status: str = OrgStatus.APPROVED, regions: tuple[str, ...] = ("north-east",), commit=True,
                 **kwargs) -> Organisation:
    n = next(_seq)
    org = Organisation(name=name or f"Test Organisation {n}", kind=kind, sector=sector, status=status, **kwargs)
    org.regions = list(db.session.scalars(select(Region).where(Region.slug.in_(regions))))
    db.session.add(org)
    if commit:
        db.session.commit()
    return org


def user(*, role: str = Role.PROVIDER, email: str | None = None, name: str | None = None,
         organisation_: Organisation | None = None, org_role: str = OrgRole.OWNER, password: str = PASSWORD,
         verified: bool = True, mfa: bool | None = None, prison_code: str = "LEI",
         probation_region: str = "north-east", probation_delivery_unit: str | None = None,
         sees_whole_region: bool = False, **kwargs) -> User:
    """A user; an offender manager is in `probation_delivery_unit` (by default the first unit, by name, of
    `probation_region`, so offender managers of one region are one team unless a test says otherwise)."""
    n = next(_seq)
    role = Role(role)
    u = User(email=email or f"user{n}@example.org", name=name or f"Test User {n}", role=role,
             password_hash=credentials.hash_password(password), password_changed_at=utcnow(),
             email_verified_at=utcnow() if verified else None, **kwargs)
    if role == Role.PRISON_STAFF:
        u.prison = db.session.scalar(select(Prison).where(Prison.code == prison_code))
    if role == Role.OFFENDER_MANAGER:
        if probation_delivery_unit:
            unit = db.session.scalar(select(ProbationDeliveryUnit).where(
                ProbationDeliveryUnit.slug == probation_delivery_unit))
        else:
            unit = db.session.scalar(select(ProbationDeliveryUnit).join(ProbationRegion).where(
                ProbationRegion.slug == probation_region).order_by(ProbationDeliveryUnit.name).limit(1))
        u.probation_delivery_unit, u.probation_region = unit, unit.probation_region
        u.sees_whole_region = sees_whole_region
    if mfa if mfa is not None else role in MFA_REQUIRED:
        u.totp_secret = pyotp.random_base32()
        u.mfa_enabled_at = utcnow()
    db.session.add(u)
    if role in ORGANISATION_ROLES:
        org = organisation_ or organisation(kind=ORG_KIND_FOR_ROLE[role], commit=False)
        db.session.add(Membership(user=u, organisation=org, org_role=org_role))
    db.session.commit()
    return u


def api_token(owner: User, name: str = "Test token") -> str:
    token, token_hash = credentials.new_secret_token()
    db.session.add(ApiToken(user=owner, name=name, token_hash=token_hash, prefix=token[:10]))
    db.session.commit()
    return token


def totp_code(u: User, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(u.totp_secret)
    return totp.at(time.time() + offset_steps * 30)


def sign_in(client, u: User) -> None:
    """Put the user's session straight into the test client's cookie (the sign-in flow has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = u.get_id()
        session["_fresh"] = True
        session["last_active"] = time.time()


# --- Directory: published listings, saved lists, the search index ---

def published_service(*, name: str | None = None, description: str = "A service used in tests.",
                      pathways: tuple[str, ...] = ("accommodation",), stages: tuple[str, ...] = ("community",),
                      eligibility: tuple[str, ...] = (), delivery_modes: tuple[str, ...] = ("in-person",),
                      access_routes: tuple[str, ...] = ("professional-referral",), capacity: str = "accepting",
                      postcode: str = "LS1 4AP", latitude: float | None = None, longitude: float | None = None,
                      minimum_age: int | None = 18, maximum_age: int | None = None,
                      organisation_: Organisation | None = None, last_checked_days_ago: int = 0,
                      index: bool = True, **fields):
    """A published listing built from a realistic HSDS document (the demo generator's), with the parts tests
    care about set explicitly: nothing random can match a test's search. Indexed unless index=False."""
    from datetime import timedelta

    from portal import outbox
    from portal.directory import demo_data, hsds
    from portal.directory.indexing import freshness
    from portal.directory.models import Service
    from portal.directory.operations import publish_document
    from portal.directory.postcodes import locate

    n = next(_seq)
    # Seeds far above those tests pass the generator themselves (import_services of generate_services(150, seed=7)
    # made the same first listing as this factory's seventh call: the same id, refused as a duplicate)
    document = next(demo_data.generate_services(1, seed=FACTORY_SEEDS + n))
    org = organisation_ or organisation(commit=False)
    db.session.flush()
    document.update(name=name or f"Test Service {n}", description=description, **fields)
    document["organization"]["name"] = org.name
    document["service_areas"] = []
    for key, value in (("minimum_age", minimum_age), ("maximum_age", maximum_age)):
        document.pop(key, None)
        if value is not None:
            document[key] = value
    terms = [("resettlement-pathway", pathways), ("resettlement-stage", stages), ("eligibility", eligibility),
             ("delivery-mode", delivery_modes), ("access-route", access_routes), ("capacity-status", (capacity,))]
    document["attributes"] = [hsds.attribute(document["id"], taxonomy, code)
                              for taxonomy, codes in terms for code in codes]
    place = document["service_at_locations"][0]
    _, centre_lat, centre_lon = locate(postcode)
    place["location"]["latitude"] = centre_lat if latitude is None else latitude
    place["location"]["longitude"] = centre_lon if longitude is None else longitude
    place["location"]["addresses"][0]["postal_code"] = postcode
    document["service_at_locations"] = [place]
    assert not hsds.problems(document), hsds.problems(document)
    service = Service(organisation=org, uuid=document["id"])
    db.session.add(service)
    publish_document(service, document)
    if last_checked_days_ago:
        service.last_checked_at = service.published_at = utcnow() - timedelta(days=last_checked_days_ago)
        service.freshness = freshness(service)
    db.session.commit()
    if index:
        outbox.relay_once(batch_size=1000)
    return service


def saved_list(owner: User, *services, name: str | None = None):
    from portal.directory.models import SavedList, SavedListItem

    saved = SavedList(user_id=owner.id, name=name or f"Test list {next(_seq)}",
                      items=[SavedListItem(service=s) for s in services])
    db.session.add(saved)
    db.session.commit()
    return saved


def empty_search_index() -> None:
    """The search index is a file shared by the whole test session: start (and end) a test with it empty."""
    from portal import search_index

    search_index.backend().rebuild("services", [])


# --- Directory listings ---

LISTING_ANSWERS = {
    "name": "Harbour House Supported Housing", "description": "Shared supported housing for people leaving prison.",
    "website": "www.harbour-house.example.org", "email": "referrals@harbour-house.example.org",
    "phone": "0113 496 0000", "application_process": "Probation practitioners refer through the portal.",
    "pathways": ["accommodation"], "stages": ["community"], "gender": "anyone", "minimum_age": "18",
    "maximum_age": "", "eligibility": [], "referral_needed": "yes", "access_routes": ["portal-referral"],
    "capacity": "accepting", "delivery_modes": ["in-person"], "eligibility_description": "",
    "address_1": "1 Harbour Street", "town": "Leeds", "postcode": "LS1 4AP", "service_area": "Leeds",
    "opening_days": ["MO", "TU", "WE", "TH", "FR"], "opens_at": "09:00", "closes_at": "17:00",
    "hours_description": "", "languages": "English", "cost": "free", "cost_description": "",
}


def listing(organisation_: Organisation | None = None, *, state: str = "published", **answers):
    """A listing made from the listing form's answers: "published", "submitted" (a new listing waiting for
    approval) or "draft" (never sent). Returns the Service."""
    from portal.directory import listing_form, operations
    from portal.directory.models import Revision, RevisionState, Service

    org = organisation_ or organisation(kind=OrgKind.PROVIDER, commit=False)
    db.session.add(org)
    db.session.flush()  # the organisation's Open Referral id goes into the document
    document = listing_form.build_document({**LISTING_ANSWERS, **answers}, org)
    service = Service(organisation=org, uuid=document["id"])
    revision_state = {"published": RevisionState.APPROVED, "submitted": RevisionState.SUBMITTED,
                      "draft": RevisionState.DRAFT}[state]
    db.session.add(Revision(service=service, number=1, content=document, state=revision_state,
                            submitted_at=None if state == "draft" else utcnow()))
    db.session.add(service)
    if state == "published":
        operations.publish_document(service, document)
    db.session.commit()
    return service


# --- Referrals ---

def referrable_service(*, organisation_: Organisation | None = None, sector: str = "voluntary-community",
                       high_risk_approved: bool = False, **kwargs):
    """A published service that takes referrals through the portal (unindexed unless index=True)."""
    kwargs.setdefault("access_routes", ("portal-referral",))
    kwargs.setdefault("index", False)
    org = organisation_ or organisation(sector=sector, commit=False)
    service = published_service(organisation_=org, **kwargs)
    if high_risk_approved:
        service.high_risk_approved = True
        db.session.commit()
    return service


COMPLETE_ANSWERS = {
    "first_name": "Jordan", "last_name": "Pemberton-Whitlock", "crn": "X123456", "gender": "male",
    "in_custody": False, "postcode": "LS1 4AP", "phone": "07700 900982", "interpreter_language": "",
    "disability_needs": "", "caring_responsibilities": "", "availability": "Weekday mornings",
    "arson_conviction": False, "sexual_offence_conviction": False,
    "needs": [{"pathway": "accommodation", "rating": "red"}],
    "desired_outcomes": ["Has settled accommodation within 3 months"], "risk_level": "low", "mappa": False,
    "risk_summary": "No concerns about working with staff.", "consent_given": True, "consent_method": "in-person",
    "additional_information": "", "referrer_phone": "0113 496 0000",
}


def referral(*, service=None, referrer: User | None = None, state: str = "sent", caseworker: User | None = None,
             provider_user: User | None = None, **answers):
    """A referral walked through the real operations to `state` (draft, sent, accepted, assigned, booked,
    in_progress, completed, declined, withdrawn, ended). Returns it committed."""
    from datetime import date, timedelta

    from portal.referrals import operations
    from portal.referrals.operations import StepInput

    service = service or referrable_service()
    referrer = referrer or user(role=Role.OFFENDER_MANAGER)
    values = {**COMPLETE_ANSWERS, "date_of_birth": date(1990, 5, 17),
              "consent_date": date.today() - timedelta(days=1), **answers}
    with _request_context():
        item = operations.start_draft(referrer, service)
        operations.save_draft(referrer, item, values)
        db.session.commit()
        if state == "draft":
            return item
        operations.apply(referrer, item, "send")
        db.session.commit()
        if state == "sent":
            return item
        if state == "withdrawn":
            operations.apply(referrer, item, "withdraw", StepInput(reason_code="needs-met"))
            db.session.commit()
            return item
        manager = provider_user or _provider_manager(service.organisation)
        if state == "declined":
            operations.apply(manager, item, "decline", StepInput(reason_code="full"))
            db.session.commit()
            return item
        operations.apply(manager, item, "accept")
        db.session.commit()
        if state == "accepted":
            return item
        if state == "ended":
            operations.apply(manager, item, "end_early", StepInput(reason_code="disengaged"))
            db.session.commit()
            return item
        worker = caseworker or user(role=Role.PROVIDER, organisation_=service.organisation,
                                    org_role=OrgRole.CASEWORKER)
        operations.apply(manager, item, "assign", StepInput(caseworker=worker))
        db.session.commit()
        if state == "assigned":
            return item
        operations.apply(worker, item, "book", StepInput(appointment_at=utcnow() + timedelta(days=2)))
        db.session.commit()
        if state == "booked":
            return item
        operations.apply(worker, item, "record_session", StepInput(session_at=utcnow() - timedelta(hours=1),
                                                                   attendance="attended", notes="Went well"))
        db.session.commit()
        if state == "in_progress":
            return item
        operations.apply(worker, item, "complete", StepInput(
            achievements=["achieved"] * len(item.desired_outcomes), report="Housed in a supported flat."))
        db.session.commit()
        assert state == "completed", f"unknown referral state {state!r}"
        return item


def escalated_referral(*, state: str = "accepted", **kwargs):
    """A referral to a voluntary service whose person became very high risk and MAPPA-managed after sending
    (amended by the referring offender manager), waiting for their decision."""
    from portal.referrals import operations

    item = referral(state=state, **kwargs)
    with _request_context():
        operations.amend(item.created_by, item, {"risk_level": "very-high", "mappa": True},
                         "New OASys assessment")
        db.session.commit()
    assert item.escalation_pending
    return item


def _provider_manager(org: Organisation) -> User:
    member = next((m for m in org.memberships if m.org_role in (OrgRole.OWNER, OrgRole.MANAGER)), None)
    return member.user if member else user(role=Role.PROVIDER, organisation_=org, org_role=OrgRole.OWNER)


def _request_context():
    """Operations build emailed links with url_for: give them a request context when there is none."""
    from contextlib import nullcontext

    from flask import current_app, has_request_context

    return nullcontext() if has_request_context() else current_app.test_request_context()
