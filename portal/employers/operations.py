"""The Corporate Alliance's rules: membership and pledges, opportunities and finding them, nominations and
their steps, reminders, and the figures the Alliance page and the employer dashboard show.

No request objects here: views and the API hand in parsed input and the acting user. Each writing operation
checks access with `policy`, writes, records an audit event and queues any email in the same transaction; the
caller commits. `find_opportunities` is the one search the portal has for opportunities (the Virtual Campus
uses it too).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import audit, paging, policy
from portal.accounts.models import Membership, Organisation, User
from portal.accounts.roles import OrgKind, OrgStatus, Role
from portal.database import utcnow
from portal.directory import postcodes
from portal.directory import vocabulary as places
from portal.employers import rules
from portal.employers import vocabulary as v
from portal.employers.models import (
    AllianceMembership,
    Nomination,
    NominationStep,
    Opportunity,
    OpportunityLocation,
    Pledge,
    opportunity_cpas,
    opportunity_prisons,
)

# Part of this module's API (views and the campus use them from here)
from portal.employers.queries import is_findable as is_findable
from portal.employers.queries import membership_for as membership_for
from portal.employers.queries import today as today
from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.mail import queue_email
from portal.reference.models import ContractPackageArea, Prison, Region
from search.geo import haversine_miles

METRES_PER_MILE = 1609.344
DISTANCES_MILES = (5, 10, 25, 50, 100)
DEFAULT_MILES = 25
PER_PAGE = 20
MAX_TEXT = 200
MAX_LOCATIONS = 10


def _check_version(obj: AllianceMembership | Opportunity | Nomination, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict()


# --- Alliance membership ---

@dataclass(frozen=True)
class PledgeInput:
    kind: str
    description: str
    area: str = ""
    quantity: int | None = None
    row: int = 1  # its place on the form, so a refusal names the right field


def pledge_level(user: User, organisation: Organisation, level: int, pledges: list[PledgeInput],
                 expected_version: int | None = None) -> AllianceMembership:
    """Join the Alliance at a level, or move up to a higher one, with what the employer pledges at it.

    The level waits for an administrator to verify it; until then the badge shows the last verified level.
    """
    policy.authorize(user, "alliance.join", organisation)
    if organisation.kind != OrgKind.EMPLOYER:
        raise DomainError("Only employers can join the Corporate Alliance", "level")
    if level not in v.LEVELS:
        raise DomainError("Select the level your organisation is joining at", "level")
    membership = membership_for(organisation)
    if membership is not None:
        _check_version(membership, expected_version)
        if level <= membership.level:
            raise DomainError(f"Select a level higher than level {membership.level}: you can move up, not down",
                              "level")
    pledges = [p for p in pledges if p.description.strip()]
    if not pledges:
        raise DomainError("Describe at least one pledge: what you will donate, train, place or recruit",
                          "pledge_1_description")
    for pledge in pledges:
        if pledge.kind not in v.PLEDGE_KINDS:
            raise DomainError("Select what you are pledging", f"pledge_{pledge.row}_kind")
        if v.PLEDGE_LEVEL[pledge.kind] > level:
            raise DomainError(f"‘{v.PLEDGE_KINDS[pledge.kind]}’ is a level {v.PLEDGE_LEVEL[pledge.kind]} pledge: "
                              f"choose that level or a different pledge", f"pledge_{pledge.row}_kind")
        if pledge.quantity is not None and not 1 <= pledge.quantity <= 100_000:
            raise DomainError("How many must be a whole number from 1 to 100,000", f"pledge_{pledge.row}_quantity")
    now = utcnow()
    if membership is None:
        membership = AllianceMembership(organisation=organisation, level=level, joined_at=now, joined_by_id=user.id)
        db.session.add(membership)
        action = "alliance.joined"
    else:
        membership.level = level
        action = "alliance.moved_up"
    membership.requested_at, membership.requested_by_id = now, user.id
    membership.declined_at = membership.declined_by_id = None
    membership.decision_reason = ""
    for pledge in pledges:
        membership.pledges.append(Pledge(level=level, kind=pledge.kind, description=pledge.description.strip(),
                                         area=pledge.area.strip(), quantity=pledge.quantity, created_by_id=user.id))
    db.session.flush()
    audit.record(action, "alliance_membership", membership.public_id, actor=user, details={"level": level})
    return membership


def pending_memberships() -> list[AllianceMembership]:
    return list(db.session.scalars(
        select(AllianceMembership).where(or_(AllianceMembership.verified_level.is_(None),
                                             AllianceMembership.verified_level != AllianceMembership.level),
                                         AllianceMembership.declined_at.is_(None))
        .order_by(AllianceMembership.requested_at).options(selectinload(AllianceMembership.organisation))))


def decide_membership(admin: User, membership: AllianceMembership, verify: bool, reason: str = "",
                      expected_version: int | None = None) -> None:
    """An administrator verifies the level an employer pledged, or declines it with a reason."""
    policy.authorize(admin, "alliance.verify", membership)
    _check_version(membership, expected_version)
    if not membership.waiting or membership.declined_at is not None:
        raise DomainError("This membership has no level waiting for verification", "decision")
    if verify:
        membership.verified_level = membership.level
        membership.verified_at, membership.verified_by_id = utcnow(), admin.id
        audit.record("alliance.verified", "alliance_membership", membership.public_id, actor=admin,
                     details={"level": membership.level})
    else:
        if not reason.strip():
            raise DomainError("Enter why the level cannot be verified", "reason")
        declined = membership.level
        membership.level = membership.verified_level or membership.level
        membership.declined_at, membership.declined_by_id = utcnow(), admin.id
        membership.decision_reason = reason.strip()
        audit.record("alliance.declined", "alliance_membership", membership.public_id, actor=admin,
                     reason=reason.strip(), details={"level": declined})
    for staff in _staff_emails(membership.organisation):
        queue_email(staff, "Your Corporate Alliance membership", "alliance_decided",
                    verified=verify, link=url_for("employers.alliance_membership", _external=True))


# --- The Alliance page and results ---

@dataclass
class Results:
    opportunities: int = 0
    interviews: int = 0
    hired: int = 0
    retained: int = 0


def results_by_organisation(organisation_ids: Iterable[int] | None = None) -> dict[int, Results]:
    """Opportunities offered, interviews held, people hired and still employed after six months, by employer."""
    results: dict[int, Results] = {}
    opportunities = select(Opportunity.organisation_id, func.count()).group_by(Opportunity.organisation_id)
    steps = (select(Opportunity.organisation_id, NominationStep.step, func.count(func.distinct(Nomination.id)))
             .join(Nomination, NominationStep.nomination_id == Nomination.id)
             .join(Opportunity, Nomination.opportunity_id == Opportunity.id)
             .where(NominationStep.step.in_(("interview-held", "started", "retained")))
             .group_by(Opportunity.organisation_id, NominationStep.step))
    if organisation_ids is not None:
        ids = list(organisation_ids)
        opportunities = opportunities.where(Opportunity.organisation_id.in_(ids))
        steps = steps.where(Opportunity.organisation_id.in_(ids))
    for org_id, count in db.session.execute(opportunities):
        results.setdefault(org_id, Results()).opportunities = count
    names = {"interview-held": "interviews", "started": "hired", "retained": "retained"}
    for org_id, step, count in db.session.execute(steps):
        setattr(results.setdefault(org_id, Results()), names[step], count)
    return results


def alliance_members(level: int | None = None, region_slug: str | None = None) -> list[AllianceMembership]:
    """Verified members of approved employer organisations, highest level first, optionally one level/region."""
    query = (select(AllianceMembership).join(Organisation)
             .where(AllianceMembership.verified_level.is_not(None), Organisation.status == OrgStatus.APPROVED)
             .options(selectinload(AllianceMembership.organisation).selectinload(Organisation.regions),
                      selectinload(AllianceMembership.pledges))
             .order_by(AllianceMembership.verified_level.desc(), Organisation.name))
    if level is not None:
        query = query.where(AllianceMembership.verified_level == level)
    if region_slug:
        query = query.where(Organisation.regions.any(Region.slug == region_slug))
    return list(db.session.scalars(query))


# --- Opportunities ---

@dataclass(frozen=True)
class OpportunityInput:
    kind: str
    title: str
    description: str
    industry: str
    postcodes: list[str]
    minimum_requirements: str = ""
    training_course: str = ""
    training_provider: str = ""
    paid: bool | None = None
    rotl: bool = False
    places: int | None = None
    closing_date: date | None = None
    conviction_position: str = ""
    prison_codes: list[str] = field(default_factory=list)
    cpa_slugs: list[str] = field(default_factory=list)


# How an opportunity is loaded for its page (portal.lookup.load_or_404(Opportunity, id, options=...))
OPPORTUNITY_LOADING = (selectinload(Opportunity.locations), selectinload(Opportunity.organisation))
NOMINATION_LOADING = (selectinload(Nomination.steps), selectinload(Nomination.opportunity))


def opportunity_by_public_id(public_id: str) -> Opportunity | None:
    return db.session.scalar(select(Opportunity).where(Opportunity.public_id == public_id)
                             .options(*OPPORTUNITY_LOADING))


def _locations(postcode_list: list[str]) -> list[OpportunityLocation]:
    found, seen = [], set()
    for position, raw in enumerate(postcode_list):
        postcode = " ".join(raw.upper().split())
        if not postcode or postcode in seen:
            continue
        seen.add(postcode)
        outcode, latitude, longitude = postcodes.locate(postcode, "postcodes")
        area = places.locate_outcode(outcode)
        if area is None:
            raise DomainError(f"{postcode} is not in England or Wales. Enter postcodes in England or Wales",
                              "postcodes")
        cpa = db.session.scalar(select(ContractPackageArea).where(ContractPackageArea.slug == area.cpa))
        found.append(OpportunityLocation(position=position, postcode=postcode, outcode=outcode, town=area.town,
                                         latitude=latitude, longitude=longitude,
                                         region_id=cpa.region_id if cpa else None,
                                         contract_package_area_id=cpa.id if cpa else None))
    if not found:
        raise DomainError("Enter the postcode of at least one place where the opportunity is", "postcodes")
    if len(found) > MAX_LOCATIONS:
        raise DomainError(f"Enter {MAX_LOCATIONS} postcodes or fewer", "postcodes")
    return found


def save_opportunity(user: User, organisation: Organisation, data: OpportunityInput,
                     opportunity: Opportunity | None = None, expected_version: int | None = None) -> Opportunity:
    """Post a new opportunity, or change one (refused with 409 if someone else changed it first)."""
    if opportunity is None:
        policy.authorize(user, "opportunity.post", organisation)
        if membership_for(organisation) is None:
            raise DomainError("Join the Corporate Alliance before you post opportunities", "kind")
    else:
        policy.authorize(user, "opportunity.manage", opportunity, secret=True)
        _check_version(opportunity, expected_version)
        if opportunity.status != "open":
            raise DomainError("This opportunity is closed and cannot be changed", "title")
    if data.kind not in v.OPPORTUNITY_KINDS:
        raise DomainError("Select the type of opportunity", "kind")
    if data.industry not in v.INDUSTRIES:
        raise DomainError("Select the sector", "industry")
    if data.closing_date is not None and data.closing_date < today():
        raise DomainError("The closing date must be today or in the future", "closing_date")
    if data.kind == "guaranteed-interview":
        if not data.minimum_requirements.strip():
            raise DomainError("Enter the minimum requirements people must meet to be guaranteed an interview",
                              "minimum_requirements")
        if data.places is None:
            raise DomainError("Enter how many interviews you guarantee", "places")
    if data.training_course.strip() and not data.training_provider.strip():
        raise DomainError("Enter who delivers the training course", "training_provider")
    prisons = list(db.session.scalars(select(Prison).where(Prison.code.in_(data.prison_codes))))
    cpas = list(db.session.scalars(select(ContractPackageArea).where(ContractPackageArea.slug.in_(data.cpa_slugs))))
    if len(prisons) != len(set(data.prison_codes)):
        raise DomainError("Select prisons from the list", "prisons")
    if len(cpas) != len(set(data.cpa_slugs)):
        raise DomainError("Select contract package areas from the list", "contract_package_areas")
    locations = _locations(data.postcodes)
    created = opportunity is None
    if opportunity is None:
        opportunity = Opportunity(organisation=organisation, created_by_id=user.id)
        db.session.add(opportunity)
    else:
        opportunity.locations.clear()
        db.session.flush()
    opportunity.kind, opportunity.title = data.kind, data.title.strip()
    opportunity.description, opportunity.industry = data.description.strip(), data.industry
    opportunity.minimum_requirements = data.minimum_requirements.strip()
    opportunity.training_course = data.training_course.strip()
    opportunity.training_provider = data.training_provider.strip()
    opportunity.paid = data.paid if data.kind == "work-placement" else None
    opportunity.rotl = data.rotl if data.kind == "work-placement" else False
    opportunity.places, opportunity.closing_date = data.places, data.closing_date
    opportunity.conviction_position = data.conviction_position.strip()
    opportunity.prisons, opportunity.contract_package_areas = prisons, cpas
    opportunity.locations.extend(locations)
    db.session.flush()
    audit.record("opportunity.posted" if created else "opportunity.changed", "opportunity", opportunity.public_id,
                 actor=user, details={"kind": data.kind})
    return opportunity


def close_opportunity(user: User, opportunity: Opportunity, expected_version: int | None = None) -> None:
    policy.authorize(user, "opportunity.manage", opportunity, secret=True)
    _check_version(opportunity, expected_version)
    if opportunity.status != "open":
        raise DomainError("This opportunity is already closed")
    opportunity.status, opportunity.closed_at, opportunity.closed_by_id = "closed", utcnow(), user.id
    audit.record("opportunity.closed", "opportunity", opportunity.public_id, actor=user)


def organisation_opportunities(user: User) -> list[Opportunity]:
    return list(db.session.scalars(rules.managed_opportunities(user)
                                   .options(selectinload(Opportunity.locations))
                                   .order_by(Opportunity.status.desc(), Opportunity.created_at.desc())))


@dataclass(frozen=True)
class Place:
    """The centre of a postcode district: all that is kept of a postcode someone searched near."""

    outcode: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class OpportunityFilters:
    """A search for opportunities, already understood: clean text, known codes only, a located place."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    location: str = ""  # a town or postcode district, matched against where opportunities are
    place: Place | None = None
    miles: int = DEFAULT_MILES
    region: str = ""
    cpa: str = ""
    prison: str = ""
    nominatable_only: bool = False

    @classmethod
    def parse(cls, *, text: str = "", kinds: Iterable[str] = (), industries: Iterable[str] = (), location: str = "",
              postcode: str = "", miles: int | str | None = None, region: str = "", cpa: str = "",
              prison: str = "", nominatable_only: bool = False) -> OpportunityFilters:
        """Filters from raw values (a form, query parameters or another domain): unknown codes are refused
        with a DomainError naming the field; a postcode is reduced to its district's centre."""
        kinds = tuple(dict.fromkeys(kinds))
        industries = tuple(dict.fromkeys(industries))
        if any(k not in v.OPPORTUNITY_KINDS for k in kinds):
            raise DomainError("Select types of opportunity from the list", "type")
        if any(i not in v.INDUSTRIES for i in industries):
            raise DomainError("Select sectors from the list", "sector")
        if region and region not in places.REGIONS:
            raise DomainError("Select a region from the list", "region")
        if cpa and cpa not in places.CONTRACT_PACKAGE_AREAS:
            raise DomainError("Select a contract package area from the list", "cpa")
        if prison and db.session.scalar(select(Prison.id).where(Prison.code == prison)) is None:
            raise DomainError("Select a prison from the list", "prison")
        if miles in (None, ""):
            miles = DEFAULT_MILES
        if not str(miles).isdigit() or int(miles) not in DISTANCES_MILES:
            raise DomainError(f"Distance must be one of {', '.join(map(str, DISTANCES_MILES))} miles", "distance")
        place = None
        if postcode.strip():
            outcode, latitude, longitude = postcodes.locate(postcode, "postcode")
            place = Place(outcode, latitude, longitude)
        return cls(text=clean_text(text), kinds=kinds, industries=industries, location=clean_text(location)[:60],
                   place=place, miles=int(miles), region=region, cpa=cpa, prison=prison,
                   nominatable_only=nominatable_only)


@dataclass
class Found:
    opportunity: Opportunity
    miles: float | None = None  # to the nearest of its locations, when searching near a postcode


@dataclass
class FoundPage:
    items: list[Found]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return paging.page_count(self.total, self.per_page)


def clean_text(text: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text or "")
    return " ".join(text.split())[:MAX_TEXT]


def _findable_clause() -> ColumnElement[bool]:
    return and_(Opportunity.status == "open",
                or_(Opportunity.closing_date.is_(None), Opportunity.closing_date >= today()),
                Organisation.status == OrgStatus.APPROVED,
                exists().where(AllianceMembership.organisation_id == Opportunity.organisation_id))


def find_opportunities(filters: OpportunityFilters, page: int = 1, per_page: int = PER_PAGE) -> FoundPage:
    """One page of findable opportunities matching the filters.

    Text matches every word in the title, description, requirements, training, employer or town. Type, sector
    and area narrow the list; area means: a region (located there, or open to one of its contract package
    areas), a contract package area (located in it, or open to it), a prison (open to it, or not limited to
    particular prisons). With a postcode, only opportunities with a location within `miles` of the district's
    centre, nearest first; otherwise the soonest closing first. Depends on no request: the Virtual Campus
    calls it too.
    """
    query = (select(Opportunity.id).join(Organisation, Opportunity.organisation_id == Organisation.id)
             .where(_findable_clause()))
    for word in filters.text.split():
        pattern, escape = paging.containing(word), paging.LIKE_ESCAPE
        query = query.where(or_(
            Opportunity.title.ilike(pattern, escape=escape), Opportunity.description.ilike(pattern, escape=escape),
            Opportunity.minimum_requirements.ilike(pattern, escape=escape),
            Opportunity.training_course.ilike(pattern, escape=escape), Organisation.name.ilike(pattern, escape=escape),
            Opportunity.locations.any(OpportunityLocation.town.ilike(pattern, escape=escape))))
    if filters.kinds:
        query = query.where(Opportunity.kind.in_(filters.kinds))
    if filters.nominatable_only:
        query = query.where(Opportunity.kind.in_(v.NOMINATABLE))
    if filters.industries:
        query = query.where(Opportunity.industry.in_(filters.industries))
    if filters.location:
        pattern = paging.containing(filters.location)
        query = query.where(Opportunity.locations.any(or_(
            OpportunityLocation.town.ilike(pattern, escape=paging.LIKE_ESCAPE),
            OpportunityLocation.outcode == filters.location.upper().replace(" ", ""))))
    if filters.region:
        region_id = select(Region.id).where(Region.slug == filters.region).scalar_subquery()
        query = query.where(or_(
            Opportunity.locations.any(OpportunityLocation.region_id == region_id),
            Opportunity.contract_package_areas.any(ContractPackageArea.region_id == region_id)))
    if filters.cpa:
        cpa_id = select(ContractPackageArea.id).where(ContractPackageArea.slug == filters.cpa).scalar_subquery()
        query = query.where(or_(
            Opportunity.locations.any(OpportunityLocation.contract_package_area_id == cpa_id),
            exists().where(opportunity_cpas.c.opportunity_id == Opportunity.id,
                           opportunity_cpas.c.contract_package_area_id == cpa_id)))
    if filters.prison:
        prison_id = select(Prison.id).where(Prison.code == filters.prison).scalar_subquery()
        query = query.where(or_(
            exists().where(opportunity_prisons.c.opportunity_id == Opportunity.id,
                           opportunity_prisons.c.prison_id == prison_id),
            ~exists().where(opportunity_prisons.c.opportunity_id == Opportunity.id)))
    page = max(1, page)
    if filters.place is None:
        ordered = query.order_by(Opportunity.closing_date.is_(None), Opportunity.closing_date,
                                 Opportunity.created_at.desc(), Opportunity.id)
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        ids = list(db.session.scalars(ordered.limit(per_page).offset(paging.offset(page, per_page))))
        distances: dict[int, float] = {}
    else:
        # A bounding box in SQL, then the great-circle distance to each location in Python.
        lat, lon, miles = filters.place.latitude, filters.place.longitude, filters.miles
        dlat = miles / 69.0
        dlon = miles / max(1e-6, 69.0 * math.cos(math.radians(lat)))
        rows = db.session.execute(
            select(OpportunityLocation.opportunity_id, OpportunityLocation.latitude, OpportunityLocation.longitude)
            .where(OpportunityLocation.opportunity_id.in_(query),
                   OpportunityLocation.latitude.between(lat - dlat, lat + dlat),
                   OpportunityLocation.longitude.between(lon - dlon, lon + dlon)))
        distances = {}
        for opp_id, lat2, lon2 in rows:
            distance = haversine_miles(lat, lon, lat2, lon2)
            if distance <= miles:
                distances[opp_id] = min(distance, distances.get(opp_id, distance))
        ranked = sorted(distances, key=lambda opp_id: (distances[opp_id], opp_id))
        total = len(ranked)
        ids = ranked[(page - 1) * per_page:page * per_page]
    loaded = {o.id: o for o in db.session.scalars(
        select(Opportunity).where(Opportunity.id.in_(ids))
        .options(selectinload(Opportunity.locations), selectinload(Opportunity.organisation)))}
    return FoundPage([Found(loaded[i], distances.get(i)) for i in ids if i in loaded], total, page, per_page)


# --- Nominations ---

CRN = re.compile(r"^[A-Z]\d{6}$")
PRISON_NUMBER = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")


@dataclass(frozen=True)
class NominationInput:
    person_reference: str
    first_name: str
    skills: str
    training: str
    availability: str
    consent_method: str
    consent_confirmed: bool
    interview_details: str = ""


def nomination_by_public_id(public_id: str) -> Nomination | None:
    return db.session.scalar(select(Nomination).where(Nomination.public_id == public_id)
                             .options(*NOMINATION_LOADING))


def normalise_person_reference(user: User, value: str) -> str:
    """A CRN (offender managers) or a prison number (prison staff), upper case, without spaces."""
    reference = "".join((value or "").split()).upper()
    if user.role == Role.OFFENDER_MANAGER:
        if not CRN.match(reference):
            raise DomainError("Enter the person's CRN: a letter and 6 numbers, like X123456", "person_reference")
    elif not PRISON_NUMBER.match(reference):
        raise DomainError("Enter the person's prison number: a letter, 4 numbers and 2 letters, like A1234BC",
                          "person_reference")
    return reference


def nominate(user: User, opportunity: Opportunity, data: NominationInput) -> Nomination:
    """Put a person forward for an opportunity, with what they agreed to share and how they agreed."""
    policy.authorize(user, "nomination.create", opportunity)
    if not data.consent_confirmed:
        raise DomainError("Confirm the person has agreed to be nominated and to share these details", "consent")
    if data.consent_method not in v.CONSENT_METHODS:
        raise DomainError("Select how the person gave their consent", "consent_method")
    if not data.first_name.strip():
        raise DomainError("Enter the person's first name", "first_name")
    reference = normalise_person_reference(user, data.person_reference)
    duplicate = db.session.scalar(select(Nomination.id).where(
        Nomination.opportunity_id == opportunity.id, Nomination.person_reference == reference,
        Nomination.state != "closed"))
    if duplicate:
        raise DomainError("This person already has an open nomination for this opportunity", "person_reference")
    now = utcnow()
    nomination = Nomination(opportunity=opportunity, nominated_by_id=user.id, person_reference=reference,
                            first_name=data.first_name.strip(), skills=data.skills.strip(),
                            training=data.training.strip(), availability=data.availability.strip(),
                            interview_details=data.interview_details.strip(), consent_method=data.consent_method,
                            consent_recorded_at=now, consent_recorded_by_id=user.id, state="nominated")
    nomination.steps.append(NominationStep(step="nominated", on_date=today(), recorded_at=now,
                                           recorded_by_id=user.id))
    db.session.add(nomination)
    db.session.flush()
    audit.record("nomination.created", "nomination", nomination.public_id, actor=user,
                 subject_ref=nomination.reference, details={"opportunity": opportunity.public_id})
    _notify(nomination, v.EMPLOYER, "nomination_received", f"New nomination {nomination.reference}")
    return nomination


def allowed_steps(user: User, nomination: Nomination) -> list[str]:
    """The steps this user may record next on this nomination (the state machine and who may make each)."""
    party = rules.nomination_party(user, nomination)
    return [step for step in v.TRANSITIONS[nomination.state] if party in v.STEPS[step].parties]


def record_step(user: User, nomination: Nomination, step: str, on_date: date | None, *, reason: str = "",
                note: str = "", expected_version: int | None = None) -> NominationStep:
    """Apply one step of the nomination flow, dated and signed; refuse any step the flow does not allow."""
    party = rules.nomination_party(user, nomination)
    if party is None:
        policy.authorize(user, "nomination.view", nomination, secret=True)
    _check_version(nomination, expected_version)
    if step not in v.STEPS or step not in v.TRANSITIONS[nomination.state]:
        current = v.STEPS[nomination.state].label.lower()
        raise DomainError(f"This nomination is at ‘{current}’: that step cannot be recorded now", "step")
    if party not in v.STEPS[step].parties:
        who = "the employer" if v.STEPS[step].parties == {v.EMPLOYER} else "the nominating practitioner"
        raise DomainError(f"Only {who} can record ‘{v.STEPS[step].label.lower()}’", "step")
    if on_date is None:
        raise DomainError(f"Enter the {v.STEPS[step].date_label.lower()}", "on_date")
    previous = nomination.steps[-1]
    # A step cannot come before the last one (an interview can be held, or a nomination closed, before the date
    # first arranged: so the earlier of that step's date and the day it was recorded).
    floor = min(previous.on_date, previous.recorded_at.date())
    if on_date < floor:
        raise DomainError(f"The date must be on or after {floor.day} {floor:%B %Y}, when the last step happened",
                          "on_date")
    if step != "interview-offered" and on_date > today():
        raise DomainError("The date must be today or in the past", "on_date")
    if step == "interview-offered" and on_date > today() + timedelta(days=366):
        raise DomainError("The interview date must be within the next year", "on_date")
    if step == "retained" and on_date < previous.on_date + timedelta(days=v.RETENTION_DAYS):
        due = previous.on_date + timedelta(days=v.RETENTION_DAYS)
        raise DomainError(f"Six months after the start date is {due.day} {due:%B %Y}: confirm on or after then",
                          "on_date")
    if step == "closed":
        if reason not in v.CLOSE_REASONS:
            raise DomainError("Select why the nomination is closing", "reason")
        nomination.close_reason, nomination.close_note = reason, note.strip()
    recorded = NominationStep(step=step, on_date=on_date, recorded_at=utcnow(), recorded_by_id=user.id)
    nomination.steps.append(recorded)
    nomination.state = step
    nomination.updated_at = utcnow()
    db.session.flush()
    audit.record(f"nomination.{step}", "nomination", nomination.public_id, actor=user,
                 subject_ref=nomination.reference, details={"on": on_date.isoformat()}
                 | ({"reason": reason} if step == "closed" else {}))
    other = v.PRACTITIONER if party == v.EMPLOYER else v.EMPLOYER
    _notify(nomination, other, "nomination_updated", f"Nomination {nomination.reference}: {v.STEPS[step].label}",
            step=v.STEPS[step].label)
    return recorded


def list_nominations(user: User, state: str | None = None) -> list[Nomination]:
    """The nominations the user may see, newest first; the listing of their details is audited."""
    policy.authorize(user, "nomination.list")
    query = (rules.visible_nominations(user)
             .options(selectinload(Nomination.opportunity).selectinload(Opportunity.organisation),
                      selectinload(Nomination.nominated_by), selectinload(Nomination.steps))
             .order_by(Nomination.updated_at.desc(), Nomination.id.desc()))
    if state:
        query = query.where(Nomination.state == state)
    found = list(db.session.scalars(query))
    if found:
        audit.record("nomination.listed", "nomination", "list", actor=user,
                     details={"references": [n.reference for n in found[:200]], "count": len(found)})
    return found


def view_nomination(user: User, nomination: Nomination, *, via: str = "page") -> str:
    """Check the user may see the nomination, record that they saw it, and say from which side."""
    policy.authorize(user, "nomination.view", nomination, secret=True)
    party = rules.nomination_party(user, nomination)
    if party is None:  # not a party to it: `authorize` has refused already
        raise NotFound()
    audit.record("nomination.viewed", "nomination", nomination.public_id, actor=user,
                 subject_ref=nomination.reference, details={"as": party, "via": via})
    return party


def _staff_emails(organisation: Organisation) -> list[str]:
    return list(db.session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.email.is_not(None), User.disabled_at.is_(None))
        .order_by(User.email)))


def _recipients(nomination: Nomination, party: str) -> list[str]:
    if party == v.EMPLOYER:
        return _staff_emails(nomination.opportunity.organisation)
    nominator = nomination.nominated_by
    return [nominator.email] if nominator.email and nominator.disabled_at is None else []


def _notify(nomination: Nomination, party: str, template: str, subject: str, **context: object) -> int:
    """Email one side of a nomination: its reference and a link, never the person's details."""
    link = url_for("employers.nomination", public_id=nomination.public_id, _external=True)
    recipients = _recipients(nomination, party)
    for address in recipients:
        queue_email(address, subject, template, reference=nomination.reference, link=link, **context)
    return len(recipients)


# --- Reminders ---

@dataclass(frozen=True)
class Due:
    """A step that is due: who should record it, and what it is."""

    parties: tuple[str, ...]
    what: str


def due_step(nomination: Nomination, on: date | None = None) -> Due | None:
    """What is due on a nomination, if anything, on the given day."""
    on = on or today()
    last = nomination.steps[-1] if nomination.steps else None
    if last is None or nomination.state in v.FINAL:
        return None
    waited = (on - last.on_date).days
    if nomination.state == "nominated" and waited >= 14:
        return Due((v.EMPLOYER,), "Respond to the nomination: offer an interview or close it")
    if nomination.state == "interview-offered" and waited >= 1:
        return Due((v.EMPLOYER,), "Record whether the interview was held")
    if nomination.state == "interview-held" and waited >= 14:
        return Due((v.EMPLOYER,), "Record the outcome of the interview")
    if nomination.state == "job-offered" and waited >= 28:
        return Due((v.EMPLOYER, v.PRACTITIONER), "Record whether the person started work")
    if nomination.state == "started" and waited >= v.RETENTION_DAYS:
        return Due((v.EMPLOYER, v.PRACTITIONER), "Confirm whether the person is still employed after six months")
    return None


def open_nomination_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Nomination)
                             .where(Nomination.state.not_in(tuple(v.FINAL)))) or 0


def send_reminders(on: date | None = None, progress: Callable[[int], None] = lambda n: None) -> dict[str, int]:
    """Email a reminder (reference and link only) for each nomination with a step due, once per step."""
    counts = {"nominations": 0, "emails": 0}
    query = (select(Nomination).where(Nomination.state.not_in(tuple(v.FINAL)))
             .options(selectinload(Nomination.steps), selectinload(Nomination.opportunity)
                      .selectinload(Opportunity.organisation), selectinload(Nomination.nominated_by))
             .order_by(Nomination.id))
    for nomination in db.session.scalars(query):
        due = due_step(nomination, on)
        if due is not None and nomination.reminded_state != nomination.state:
            for party in due.parties:
                counts["emails"] += _notify(nomination, party, "nomination_reminder",
                                            f"Nomination {nomination.reference}: a step is due", what=due.what)
            nomination.reminded_state, nomination.reminded_at = nomination.state, utcnow()
            audit.record("nomination.reminded", "nomination", nomination.public_id, actor=None,
                         subject_ref=nomination.reference, details={"state": nomination.state})
            counts["nominations"] += 1
        progress(1)
    return counts


# --- The employer dashboard ---

MONTHLY_MEASURES = {"nominated": "Nominations", "interview-held": "Interviews held", "started": "People hired",
                    "retained": "Still employed at six months"}


def month_starts(count: int, on: date | None = None) -> list[date]:
    first = (on or today()).replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def monthly_outcomes(organisation: Organisation, months: int = 12) -> dict[str, list[tuple[date, int]]]:
    """For each measure, (month, how many) for the last `months` months, by the date each step happened."""
    starts = month_starts(months)
    rows = db.session.execute(
        select(NominationStep.step, NominationStep.on_date)
        .join(Nomination, NominationStep.nomination_id == Nomination.id)
        .join(Opportunity, Nomination.opportunity_id == Opportunity.id)
        .where(Opportunity.organisation_id == organisation.id, NominationStep.step.in_(tuple(MONTHLY_MEASURES)),
               NominationStep.on_date >= starts[0]))
    counts = {step: dict.fromkeys(starts, 0) for step in MONTHLY_MEASURES}
    for step, on_date in rows:
        month = on_date.replace(day=1)
        if month in counts[step]:
            counts[step][month] += 1
    return {step: list(by_month.items()) for step, by_month in counts.items()}
