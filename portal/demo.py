"""Demonstration data for `make run`: one approved organisation per kind and one user per role."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pyotp
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts.models import Organisation, User
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

USERS = [
    # role, email local part, name, organisation, extra
    (Role.ADMIN, "admin", "Alex Administrator", None, {}),
    (Role.OFFENDER_MANAGER, "offender.manager", "Olu Okafor", None, {"probation_region_slug": "north-east"}),
    (Role.PROVIDER, "provider", "Priya Patel", "Northern Pathways Trust", {}),
    (Role.LEAD_PROVIDER, "lead.provider", "Lee Lambert", "Unity Rehabilitation Partnership", {}),
    (Role.EMPLOYER, "employer", "Erin Evans", "Brightside Construction Ltd", {}),
    (Role.PRISON_STAFF, "prison.staff", "Sam Shah", None, {"prison_code": "DMI"}),
]


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo account, so the printed set-up key stays the same across reloads."""
    return base64.b32encode(hashlib.sha256(f"demo-totp:{email}".encode()).digest()[:20]).decode()


def load(echo: Callable[[str], None] = print) -> list[tuple[str, str, str]]:
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
    load_directory(echo)
    load_campus(echo)

    echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
    for role, email, secret in sign_ins:
        line = f"  {role:<17} {email}"
        if secret:
            line += f"   two-factor key: {secret}  (add it to an authenticator app, or run " \
                    f"`flask --app app users code {email}`)"
        echo(line)
    return sign_ins


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


def load_directory(echo: Callable[[str], None] = print) -> None:
    """The 2,200-service demo directory, imported when the directory is empty, then the search index rebuilt
    if it does not hold every published listing (so /services works as soon as the server starts)."""
    from portal.directory import demo_data, operations
    from portal.directory.models import Service
    from portal.search_index import backend

    if db.session.scalar(select(func.count()).select_from(Service)) == 0:
        records = demo_data.generate_demo_directory()
        echo(f"Importing the demo directory ({len(records):,} services)...")
        result = operations.import_services(
            records, progress=lambda n: echo(f"  {n:,} of {len(records):,} services imported"))
        db.session.commit()
        echo(f"  {result.created:,} services published")
    published = operations.published_count()
    if backend().count("services") != published:
        echo(f"Indexing {published:,} services for search...")
        operations.rebuild_search_index(progress=lambda n: echo(f"  {n:,} of {published:,} indexed"))
        echo(f"  {backend().count('services'):,} services searchable")


def current_code(email: str) -> str | None:
    """The current two-factor code of a DEMO account (for trying the portal without a phone)."""
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or not email.endswith("@" + DEMO_DOMAIN) or not user.totp_secret:
        return None
    return pyotp.TOTP(user.totp_secret).now()

