"""Demonstration data for `make run`: one approved organisation per kind and one user per role."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pyotp
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts.models import Organisation, OrganisationIdentifier, User
from portal.accounts.roles import OrgKind, OrgRole, OrgStatus, Role
from portal.database import utcnow
from portal.extensions import db
from portal.reference.models import ContractPackageArea, Region

DEMO_PASSWORD = "resettle-demo-2026"
DEMO_DOMAIN = "demo.example.org"

ORGANISATIONS = [
    # name, kind, sector, region slugs, status
    ("Northern Pathways Trust", OrgKind.PROVIDER, "voluntary-community", ["north-east", "yorkshire-humber"],
     OrgStatus.APPROVED),
    ("Unity Rehabilitation Partnership", OrgKind.LEAD_PROVIDER, "private", ["north-east"], OrgStatus.APPROVED),
    ("Brightside Construction Ltd", OrgKind.EMPLOYER, "private", ["north-east", "north-west"], OrgStatus.APPROVED),
    ("Second Chance Mentoring CIC", OrgKind.PROVIDER, "social-enterprise", ["london"], OrgStatus.PENDING),
]

# Real-format charity and company numbers (starting 19..., above any issued so far, like the directory's demo data)
IDENTIFIERS = {
    "Northern Pathways Trust": [("GB-CHC", "1999001"), ("GB-COH", "19990001")],
    "Unity Rehabilitation Partnership": [("GB-COH", "19990002")],
    "Brightside Construction Ltd": [("GB-COH", "19990003")],
    "Second Chance Mentoring CIC": [("GB-COH", "19990004")],
}

USERS = [
    # role, email local part, name, organisation, extra
    (Role.ADMIN, "admin", "Alex Administrator", None, {}),
    (Role.OFFENDER_MANAGER, "offender.manager", "Olu Okafor", None,
     {"probation_delivery_unit_slug": "newcastle-upon-tyne"}),
    (Role.PROVIDER, "provider", "Priya Patel", "Northern Pathways Trust", {}),
    (Role.LEAD_PROVIDER, "lead.provider", "Lee Lambert", "Unity Rehabilitation Partnership", {}),
    (Role.EMPLOYER, "employer", "Erin Evans", "Brightside Construction Ltd", {}),
    (Role.PRISON_STAFF, "prison.staff", "Sam Shah", None, {"prison_code": "DMI"}),
]


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo account, so the printed set-up key stays the same across reloads."""
    return base64.b32encode(hashlib.sha256(f"demo-totp:{email}".encode()).digest()[:20]).decode()


def load(echo: Callable[[str], None] = print, services: int | None = None) -> list[tuple[str, str, str]]:
    """The demo: organisations, one sign-in per role, and each domain's data; `services` sizes the directory
    (default `demo_data.DEMO_DIRECTORY_SIZE`; fewer start quicker, as the topology tests and the accessibility
    crawl do). Idempotent."""
    organisations = {}
    for name, kind, sector, region_slugs, status in ORGANISATIONS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            org = Organisation(name=name, kind=kind, sector=sector, status=status,
                               description=f"{name} is a demonstration organisation.")
            org.regions = list(db.session.scalars(select(Region).where(Region.slug.in_(region_slugs))))
            org.contract_package_areas = list(db.session.scalars(
                select(ContractPackageArea).join(Region).where(Region.slug.in_(region_slugs))))
            if status == OrgStatus.APPROVED:
                org.decided_at = utcnow()
            for scheme, number in IDENTIFIERS.get(name, []):
                if db.session.scalar(select(OrganisationIdentifier.id).where(
                        OrganisationIdentifier.scheme == scheme, OrganisationIdentifier.identifier == number)) is None:
                    org.identifiers.append(OrganisationIdentifier(scheme=scheme, identifier=number))
            db.session.add(org)
        organisations[name] = org
    db.session.flush()

    sign_ins = []
    for role, local, name, org_name, extra in USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(email=email, name=name, role=role, password=DEMO_PASSWORD,
                                        organisation=organisations.get(org_name), org_role=OrgRole.OWNER, **extra)
        elif "probation_delivery_unit_slug" in extra and user.probation_delivery_unit_id is None:
            accounts.set_probation_team(user, extra["probation_delivery_unit_slug"])  # demo data from before units
        if user.mfa_required and user.mfa_enabled_at is None:
            user.totp_secret = demo_totp_secret(email)
            user.mfa_enabled_at = utcnow()
        sign_ins.append((role.value, email, user.totp_secret if user.mfa_required else ""))
    # The pending organisation's owner, so an administrator has something to approve.
    pending_email = f"pending.provider@{DEMO_DOMAIN}"
    if accounts.find_user_by_email(pending_email) is None:
        accounts.create_user(email=pending_email, name="Pat Pending", role=Role.PROVIDER, password=DEMO_PASSWORD,
                             organisation=organisations["Second Chance Mentoring CIC"])
    db.session.commit()
    load_funding(organisations["Northern Pathways Trust"], organisations["Unity Rehabilitation Partnership"], echo)
    load_directory(echo, services)
    from portal.supply_chain import demo as supply_chain_demo

    supply_chain_demo.load(echo)
    load_alliance("Brightside Construction Ltd", echo)
    load_referrals(echo)
    load_campus(echo)

    echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
    for role, email, secret in sign_ins:
        line = f"  {role:<17} {email}"
        if secret:
            line += f"   two-factor key: {secret}  (add it to an authenticator app, or run " \
                    f"`flask --app app users code {email}`)"
        echo(line)
    return sign_ins


def load_funding(provider: Organisation, lead: Organisation, echo: Callable[[str], None] = print) -> None:
    """A grant with reports due, a lead contract and a shared sub-contract with a payment-by-results measure."""
    from datetime import timedelta
    from decimal import Decimal

    from portal.funding.models import Agreement, LedgerEntry, OutcomeMeasure, Requirement

    if db.session.scalar(select(Agreement.id).where(Agreement.organisation_id == provider.id)) is not None:
        return
    echo("Adding demo grants and contracts...")
    today = utcnow().date()
    grant = Agreement(organisation=provider, kind="grant", title="Through the Gate mentoring",
                      counterparty_name="The Northern Trust", counterparty_identifier="GB-CHC-1999002",
                      programme="Fresh Starts", amount_pence=4_850_000,
                      award_date=today - timedelta(days=120), start_date=today - timedelta(days=90),
                      end_date=today + timedelta(days=275), conditions="Quarterly monitoring reports.")
    grant.requirements = [
        Requirement(kind="report", title="Quarter 1 monitoring report", due_date=today - timedelta(days=3)),
        Requirement(kind="report", title="Quarter 2 monitoring report", due_date=today + timedelta(days=18)),
        Requirement(kind="payment", title="Second instalment", due_date=today + timedelta(days=25),
                    amount_pence=1_212_500)]
    lead_contract = Agreement(organisation=lead, kind="contract", contract_role="lead_provider",
                              title="North East resettlement services", counterparty_name="Ministry of Justice",
                              counterparty_identifier="GB-GOR-D18", amount_pence=120_000_000,
                              award_date=today - timedelta(days=200), start_date=today - timedelta(days=180),
                              end_date=today + timedelta(days=900))
    sub = Agreement(organisation=provider, kind="contract", contract_role="sub_contractor",
                    title="Accommodation support sub-contract", counterparty_name=lead.name,
                    amount_pence=18_000_000, fee_for_service_pence=14_400_000, outcome_payments_pence=3_600_000,
                    fee_schedule="Monthly in arrears", award_date=today - timedelta(days=150),
                    start_date=today - timedelta(days=120), end_date=today + timedelta(days=600),
                    lead_agreement=lead_contract, lead_organisation=lead, shared_with_lead_at=utcnow())
    sub.measures = [OutcomeMeasure(kind="frequency", name="Reconviction events", baseline=Decimal("1.7"),
                                   threshold_percent=Decimal("7.5"), price_pence=200_000,
                                   method="Against a matched comparison group (as in the Peterborough bond)")]
    db.session.add_all([grant, lead_contract, sub])
    db.session.flush()
    for direction, planned, amount in (("income", True, 4_850_000), ("income", False, 1_212_500),
                                       ("spend", True, 4_500_000), ("spend", False, 980_000)):
        db.session.add(LedgerEntry(organisation_id=provider.id, agreement_id=grant.id, direction=direction,
                                   planned=planned, amount_pence=amount, on=today - timedelta(days=30),
                                   description="Quarter 1"))
    db.session.commit()

def load_campus(echo: Callable[[str], None] = print) -> None:
    """A learner at the demo prison and a published guide with a short quiz (once)."""
    from portal.campus import operations as campus
    from portal.campus.models import ContentItem, Learner, Lesson, QuizQuestion

    staff = accounts.find_user_by_email(f"prison.staff@{DEMO_DOMAIN}")
    if staff is None or db.session.scalar(select(Learner.id).limit(1)) is not None:
        return
    campus.create_learner(staff, campus.LearnerDetails(name="Jordan Demo", prison_number="A1234BC",
                                                       release_date=None, release_area="LS1"))
    item = ContentItem(topic="cv", title="Writing a CV that works", summary="What to put first, and why.",
                       created_by_id=staff.id, state="published", published_at=utcnow())
    item.lessons = [Lesson(position=1, title="Your personal statement",
                           body="## Start with you\n\nSay in a few sentences what you are good at and the work "
                                "you want.\n\n- Keep it short\n- Use your own words",
                           questions=[QuizQuestion(position=1, question="What goes at the top of a CV?",
                                                   options=["A personal statement", "Your hobbies"], correct=0)])]
    db.session.add(item)
    db.session.commit()
    echo("Virtual Campus: learner A1234BC at the demo prison; prison staff open a session for them at /campus/staff")
    echo("  employers' opportunities reach learners once checked at /campus/opportunities")


def load_directory(echo: Callable[[str], None] = print, services: int | None = None) -> None:
    """The demo directory (2,200 services unless `services` says otherwise), imported when the directory is empty,
    then the search index rebuilt if it does not hold every listing search should show (so /services works as soon
    as the server starts).

    Each listing was last checked as long before today as its `assured_date` is before the generator's
    reference date, so the demo has listings due for review (over 5 months), unverified (over 12 months: they
    rank lower) and hidden (over 15 months: out of search until their provider confirms them)."""
    from portal.directory import demo_data, operations
    from portal.directory.models import Service
    from portal.search_index import backend

    if db.session.scalar(select(func.count()).select_from(Service)) == 0:
        records = demo_data.generate_demo_directory(services)
        echo(f"Importing the demo directory ({len(records):,} services)...")
        result = operations.import_services(
            records, progress=lambda n: echo(f"  {n:,} of {len(records):,} services imported"))
        db.session.commit()
        echo(f"  {result.created:,} services published")
        _age_demo_listings(records)
        echo("  last checked: " + ", ".join(f"{n:,} {state}" for state, n in sorted(
            _freshness_counts().items())))
    searchable = _searchable_count()
    if backend().count("services") != searchable:
        echo(f"Indexing {searchable:,} services for search...")
        operations.rebuild_search_index(progress=lambda n: echo(f"  {n:,} of {operations.published_count():,} "
                                                                f"read"))
        echo(f"  {backend().count('services'):,} services searchable")


def _age_demo_listings(records: list[dict]) -> None:
    from datetime import date, datetime, time

    from portal.directory import demo_data
    from portal.directory.indexing import freshness
    from portal.directory.models import Service

    now = utcnow()
    reference = datetime.combine(demo_data.REFERENCE_DATE, time(9), tzinfo=now.tzinfo)
    checked = {record["id"]: now - (reference - datetime.combine(date.fromisoformat(record["assured_date"]),
                                                                 time(9), tzinfo=now.tzinfo))
               for record in records}
    for service in db.session.scalars(select(Service).where(Service.uuid.in_(list(checked)))):
        service.last_checked_at = checked[service.uuid]
        service.freshness = freshness(service, now)
    db.session.commit()


def _freshness_counts() -> dict[str, int]:
    from portal.directory.indexing import freshness
    from portal.directory.models import ListingState, Service
    from portal.directory.operations import needs_checking

    counts: dict[str, int] = {}
    for service in db.session.scalars(select(Service).where(Service.state == ListingState.PUBLISHED)):
        state = freshness(service)
        state = "due for review" if state == "fresh" and needs_checking(service) else state
        counts[state] = counts.get(state, 0) + 1
    return counts


def _searchable_count() -> int:
    """Published listings checked within 15 months: those the search index should hold."""
    from portal.directory.indexing import HIDDEN_AFTER
    from portal.directory.models import ListingState, Service

    since = utcnow() - HIDDEN_AFTER
    return db.session.scalar(select(func.count()).select_from(Service).where(
        Service.state == ListingState.PUBLISHED,
        func.coalesce(Service.last_checked_at, Service.published_at) > since)) or 0


def load_alliance(employer_name: str, echo: Callable[[str], None] = print) -> None:
    """Corporate Alliance: the demo employer at a verified level 3 with two opportunities (once)."""
    from datetime import timedelta

    from portal.employers import operations as alliance
    from portal.employers.models import AllianceMembership, Opportunity, Pledge

    employer = db.session.scalar(select(Organisation).where(Organisation.name == employer_name))
    if alliance.membership_for(employer) is not None:
        return
    membership = AllianceMembership(organisation=employer, level=3, verified_level=3, verified_at=utcnow())
    membership.pledges = [
        Pledge(level=1, kind="staff-time", description="Interview practice at HMP Durham", area="North East",
               quantity=4),
        Pledge(level=3, kind="recruit", description="Guaranteed interviews for site operatives", area="Newcastle",
               quantity=12)]
    db.session.add(membership)
    for kind, title, postcode, industry in (
            ("guaranteed-interview", "Site operative", "NE1 4ST", "construction"),
            ("work-placement", "Paid joinery placement (ROTL)", "DH1 3NJ", "construction")):
        opportunity = Opportunity(
            organisation=employer, kind=kind, title=title, industry=industry, places=6,
            description="Work on our sites across the North East, with a mentor from day one.",
            minimum_requirements="A CSCS card, or complete the linked course" if kind == "guaranteed-interview" else "",
            paid=True if kind == "work-placement" else None, rotl=kind == "work-placement",
            closing_date=utcnow().date() + timedelta(days=90),
            conviction_position="We consider every application on its merits.")
        opportunity.locations = alliance._locations([postcode])
        db.session.add(opportunity)
    db.session.commit()
    echo("Corporate Alliance: Brightside Construction Ltd at level 3 with 2 opportunities")

DEMO_PEOPLE = [  # first name, last name, CRN, state, needs, outcome
    ("Jordan", "Pemberton", "X100001", "draft", "accommodation", "Has a tenancy within 3 months"),
    ("Amira", "Haddad", "X100002", "sent", "accommodation", "Has settled accommodation on release"),
    ("Connor", "Walsh", "X100003", "sent-overdue", "finance-benefit-debt", "Has a bank account and benefits in place"),
    ("Dev", "Mistry", "X100004", "accepted", "accommodation", "Moves from approved premises to a home"),
    ("Ellie", "Shaw", "X100005", "assigned", "accommodation", "Keeps a tenancy for 6 months"),
    ("Femi", "Adeyemi", "X100006", "in_progress", "education-training-employment", "Starts a construction course"),
    ("Grace", "Kowalski", "X100007", "completed", "accommodation", "Has settled accommodation"),
    ("Harvey", "Bell", "X100008", "declined", "accommodation", "Has supported housing"),
]


def load_referrals(echo: Callable[[str], None] = print) -> None:
    """Referrals in different states between the demo offender manager and the provider of a demo directory
    service that takes portal referrals (with a demo manager and caseworker), each walked through the real
    operations. Once: nothing happens if the demo offender manager already has referrals."""
    from datetime import date, timedelta

    from flask import current_app

    from portal.directory.indexing import freshness
    from portal.directory.models import ListingState, Service, ServiceTerm
    from portal.referrals import operations
    from portal.referrals.models import Referral
    from portal.referrals.operations import StepInput

    officer = accounts.find_user_by_email(f"offender.manager@{DEMO_DOMAIN}")
    if officer is None or db.session.scalar(
            select(func.count()).select_from(Referral).where(Referral.created_by_id == officer.id)):
        return
    takes_referrals = select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == "access-route",
                                                           ServiceTerm.code == "portal-referral")
    housing = select(ServiceTerm.service_id).where(ServiceTerm.taxonomy == "resettlement-pathway",
                                                   ServiceTerm.code == "accommodation")
    candidates = db.session.scalars(select(Service).where(
        Service.state == ListingState.PUBLISHED, Service.id.in_(takes_referrals), Service.id.in_(housing))
        .order_by(Service.name).limit(200))
    single_sex = {"women-only", "men-only"}
    service = next((c for c in candidates if operations.referral_barrier(c) is None and c.minimum_age in (None, 18)
                    and not single_sex & set(c.term_codes("eligibility")) and freshness(c) == "fresh"), None)
    if service is None:
        return
    organisation = service.organisation
    staff = {}
    for local, name, org_role in (("referrals.manager", "Morgan Mensah", OrgRole.MANAGER),
                                  ("caseworker", "Casey Carter", OrgRole.CASEWORKER)):
        email = f"{local}@{DEMO_DOMAIN}"
        staff[local] = accounts.find_user_by_email(email) or accounts.create_user(
            email=email, name=name, role=Role.PROVIDER, password=DEMO_PASSWORD, organisation=organisation,
            org_role=org_role)
    manager, caseworker = staff["referrals.manager"], staff["caseworker"]
    echo("Adding demo referrals...")
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        for first, last, crn, state, pathway, outcome in DEMO_PEOPLE:
            referral = operations.start_draft(officer, service)
            operations.save_draft(officer, referral, {
                "first_name": first, "last_name": last, "crn": crn, "date_of_birth": date(1988, 3, 14),
                "gender": "not-stated", "in_custody": False, "postcode": "NE1 4ST", "phone": "07700 900123",
                "referrer_phone": "0191 496 0000",
                "availability": "Weekday mornings", "arson_conviction": False, "sexual_offence_conviction": False,
                "needs": [{"pathway": pathway, "rating": "red"}], "desired_outcomes": [outcome],
                "risk_level": "low", "mappa": False, "risk_summary": "No known risk to staff.",
                "consent_given": True, "consent_date": date.today() - timedelta(days=2),
                "consent_method": "in-person"})
            steps = {"draft": [], "sent": ["send"], "sent-overdue": ["send"], "accepted": ["send", "accept"],
                     "declined": ["send", "decline"], "assigned": ["send", "accept", "assign"],
                     "in_progress": ["send", "accept", "assign", "book", "record_session"],
                     "completed": ["send", "accept", "assign", "book", "record_session", "complete"]}[state]
            for step in steps:
                actor = {"send": officer, "accept": manager, "decline": manager,
                         "assign": manager}.get(step, caseworker)
                operations.apply(actor, referral, step, StepInput(
                    reason_code="full" if step == "decline" else None, caseworker=caseworker,
                    appointment_at=utcnow() - timedelta(days=3), session_at=utcnow() - timedelta(days=1),
                    attendance="attended", notes="Talked through housing options.",
                    achievements=["achieved"], report="Moved into a supported flat and set up rent payments."))
            if state == "sent-overdue":
                referral.sent_at = utcnow() - timedelta(days=9)
        db.session.commit()
    echo(f"  {len(DEMO_PEOPLE)} referrals between {officer.email} and {organisation.name} about "
         f"‘{service.name}’ (provider sign-ins: {manager.email}, {caseworker.email})")


def current_code(email: str) -> str | None:
    """The current two-factor code of a DEMO account (for trying the portal without a phone)."""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not email.endswith("@" + DEMO_DOMAIN) or not user.totp_secret:
        return None
    return pyotp.TOTP(user.totp_secret).now()

