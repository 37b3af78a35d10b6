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


def _answers(rng: random.Random, organisation: Organisation) -> dict:
    cpas = rng.sample(list(v.CONTRACT_PACKAGE_AREAS)[:17], k=rng.randint(1, 3))  # the last areas stay gaps
    return {
        "organisation_name": organisation.name, "description": organisation.description or
        f"{organisation.name} works with people in prison, leaving prison and on probation.",
        "website": organisation.website, "contact_email": f"partnerships{organisation.id}@demo.example.org",
        "contact_phone": "", "charity_number": str(1100000 + organisation.id), "company_number": "",
        "sector": organisation.sector if organisation.sector in v.SECTORS else "voluntary-community",
        "income_band": rng.choice(list(v.INCOME_BANDS)), "staff": rng.randint(0, 200),
        "volunteers": rng.randint(0, 300), "pathways": sorted(rng.sample(list(v.PATHWAYS)[:7], k=rng.randint(1, 3))),
        "specialisms": sorted(rng.sample(list(v.SPECIALISMS), k=rng.randint(1, 3))), "other_specialisms": "",
        "settings": sorted(rng.sample(list(v.SETTINGS), k=rng.randint(1, 3))), "cpas": cpas, "regions": [],
        "capacity": rng.choice([40, 80, 150, 300, 600]), "case_studies": "", "quality_marks": "",
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
        Organisation.id != getattr(demo_provider, "id", 0)).order_by(Organisation.id).limit(DEMO_ENTRIES - 1)))
    rng, now = random.Random(2013), utcnow()  # noqa: S311 - demo data, not security
    for organisation in ([demo_provider] if demo_provider else []) + others:
        expression = Expression(organisation=organisation, approved_at=now, expires_at=now + operations.PUBLISHED_FOR)
        version = ExpressionVersion(expression=expression, number=1, state=VersionState.PUBLISHED,
                                    answers=_answers(rng, organisation), submitted_at=now)
        db.session.add_all([expression, version])
        operations._derive(version)
        for action, before, after in (("submit", "draft", "submitted"), ("start_review", "submitted", "in_review"),
                                      ("publish", "in_review", "published")):
            db.session.add(ExpressionDecision(version=version, action=action, from_state=before, to_state=after,
                                              actor_id=admin.id if admin and action != "submit" else None,
                                              actor_role="admin" if action != "submit" else "", at=now))
    db.session.commit()
    echo(f"  {len(others) + bool(demo_provider)} published expressions of interest")
