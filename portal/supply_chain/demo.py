"""Demonstration entries for `make run`: published expressions of interest spread over the contract package
areas (some left empty, so the coverage dashboard shows gaps), one of them the demo provider's."""
from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import func, select

from portal.accounts.models import Organisation, User
from portal.accounts.roles import OrgKind, OrgStatus, Role
from portal.database import utcnow
from portal.extensions import db
from portal.supply_chain import operations
from portal.supply_chain import vocabulary as v
from portal.supply_chain.models import Expression, ExpressionDecision, ExpressionVersion, VersionState

DEMO_ENTRIES = 60


_OFFERED = set(list(v.CONTRACT_PACKAGE_AREAS)[:17])  # the last areas stay gaps on the coverage dashboard
# Income bands with the staff numbers that go with them (NCVO's size bands)
_STAFF_BY_BAND = {"micro": (0, 1), "small": (1, 4), "medium": (3, 25), "large": (20, 250), "major": (200, 1500)}
# Words in an organisation's description that mean a specialism
_SPECIALISM_WORDS = {"faith-based": "faith-based", "veterans": "veterans", "black, asian": "bame",
                     "lived experience": "service-user-involvement", "women": "women", "young adults": "young-adults"}


def _what_it_does(organisation: Organisation) -> dict[str, list[str]]:
    """Pathways, stages, eligibility and contract package areas of the organisation's published services,
    most frequent first."""
    from portal.directory.models import ListingState, Location, Service, ServiceTerm
    from portal.reference.models import ContractPackageArea

    services = select(Service.id).where(Service.organisation_id == organisation.id,
                                        Service.state == ListingState.PUBLISHED)
    found: dict[str, list[str]] = {}
    for taxonomy in ("resettlement-pathway", "resettlement-stage", "eligibility"):
        found[taxonomy] = list(db.session.scalars(
            select(ServiceTerm.code).where(ServiceTerm.service_id.in_(services), ServiceTerm.taxonomy == taxonomy)
            .group_by(ServiceTerm.code).order_by(func.count().desc(), ServiceTerm.code)))
    found["cpas"] = list(db.session.scalars(
        select(ContractPackageArea.slug).join(Location, Location.contract_package_area_id == ContractPackageArea.id)
        .where(Location.service_id.in_(services)).group_by(ContractPackageArea.slug)
        .order_by(func.count().desc(), ContractPackageArea.slug)))
    return found


def _answers(rng: random.Random, organisation: Organisation) -> dict | None:
    """An entry that agrees with what the directory says about the organisation: its description, sector,
    identifiers, and the pathways, settings and areas of its services; staff numbers fit the income band."""
    does = _what_it_does(organisation)
    pathways = [p for p in does["resettlement-pathway"] if p in v.PATHWAYS][:4] or ["accommodation"]
    settings = [s for s in does["resettlement-stage"] if s in v.SETTINGS] or ["community"]
    cpas = [c for c in does["cpas"] or [a.slug for a in organisation.contract_package_areas] if c in _OFFERED][:4]
    if not cpas:
        return None
    description = organisation.description or \
        f"{organisation.name} works with people in prison, leaving prison and on probation."
    specialisms = {code for word, code in _SPECIALISM_WORDS.items() if word in description.lower()}
    specialisms |= {"women"} if "women-only" in does["eligibility"] else set()
    specialisms |= {"young-adults"} if "young-adults" in does["eligibility"] else set()
    specialisms |= {"mentoring"} if "attitudes-thinking-behaviour" in pathways else set()
    identifiers = {i.scheme: i.identifier for i in organisation.identifiers}
    band = rng.choice(["small", "medium", "medium", "large"] if organisation.sector != "public" else ["large", "major"])
    return {
        "organisation_name": organisation.name, "description": description,
        "website": organisation.website, "contact_email": f"partnerships{organisation.id}@demo.example.org",
        "contact_phone": "", "charity_number": identifiers.get("GB-CHC", ""),
        "company_number": identifiers.get("GB-COH", ""),
        "sector": organisation.sector if organisation.sector in v.SECTORS else "voluntary-community",
        "income_band": band, "staff": rng.randint(*_STAFF_BY_BAND[band]),
        "volunteers": rng.randint(0, 60) if organisation.sector in ("voluntary-community", "social-enterprise") else 0,
        "pathways": sorted(pathways), "specialisms": sorted(specialisms), "other_specialisms": "",
        "settings": sorted(settings), "cpas": cpas, "regions": [],
        "capacity": rng.choice([40, 80, 150, 300]) * len(cpas), "case_studies": "", "quality_marks": "",
        "outcomes": "", "references": "", "safeguarding_policy": "yes", "data_protection_policy": "yes",
        "insurance": "yes", "risk_appetite": rng.choice(list(v.RISK_APPETITES)),
    }


def load(echo: Callable[[str], None] = print) -> None:
    if db.session.scalar(select(func.count()).select_from(Expression)):
        return
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    demo_provider = db.session.scalar(select(Organisation).where(Organisation.name == "Northern Pathways Trust"))
    others = list(db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.PROVIDER, Organisation.status == OrgStatus.APPROVED,
        Organisation.id != getattr(demo_provider, "id", 0)).order_by(Organisation.id).limit(4 * DEMO_ENTRIES)))
    rng, now = random.Random(2013), utcnow()  # noqa: S311 - demo data, not security
    published = 0
    for organisation in ([demo_provider] if demo_provider else []) + others:
        if published == DEMO_ENTRIES:
            break
        answers = _answers(rng, organisation)
        if answers is None:  # works only in the areas left as gaps
            continue
        expression = Expression(organisation=organisation, approved_at=now, expires_at=now + operations.PUBLISHED_FOR)
        version = ExpressionVersion(expression=expression, number=1, state=VersionState.PUBLISHED,
                                    answers=answers, submitted_at=now)
        db.session.add_all([expression, version])
        operations._derive(version)
        for action, before, after in (("submit", "draft", "submitted"), ("start_review", "submitted", "in_review"),
                                      ("publish", "in_review", "published")):
            db.session.add(ExpressionDecision(version=version, action=action, from_state=before, to_state=after,
                                              actor_id=admin.id if admin and action != "submit" else None,
                                              actor_role="admin" if action != "submit" else "", at=now))
        published += 1
    db.session.commit()
    echo(f"  {published} published expressions of interest")
