"""Factories for the Corporate Alliance: memberships, opportunities, nominations at any step."""
from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import Organisation, User
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.employers import operations
from portal.employers.models import AllianceMembership, Nomination, NominationStep, Opportunity, Pledge
from portal.extensions import db
from tests import factories


def employer(**kwargs) -> User:
    """An owner of an approved employer organisation that has joined the Alliance (verified at level 3)."""
    user = factories.user(role=Role.EMPLOYER, **kwargs)
    membership(user.organisation)
    return user


def membership(organisation: Organisation, level: int = 3, verified: bool = True) -> AllianceMembership:
    found = AllianceMembership(organisation=organisation, level=level, verified_level=level if verified else None,
                               verified_at=utcnow() if verified else None)
    found.pledges.append(Pledge(level=level, kind="recruit" if level == 3 else "donate",
                                description="Two guaranteed interviews a quarter", area="Leeds", quantity=8))
    db.session.add(found)
    db.session.commit()
    return found


def opportunity(organisation: Organisation | None = None, *, title: str = "Warehouse operative",
                kind: str = "guaranteed-interview", industry: str = "logistics", postcodes=("LS1 4AP",),
                description: str = "Picking and packing in our Leeds depot.", prison_codes=(), cpa_slugs=(),
                closing_days: int | None = 30, **fields) -> Opportunity:
    if organisation is None:
        organisation = employer().organisation
    elif operations.membership_for(organisation) is None:
        membership(organisation)
    found = Opportunity(organisation=organisation, kind=kind, title=title, description=description,
                        industry=industry, minimum_requirements=fields.pop("minimum_requirements", "Forklift licence"),
                        places=fields.pop("places", 5),
                        closing_date=None if closing_days is None else utcnow().date() + timedelta(days=closing_days),
                        **fields)
    db.session.add(found)
    found.locations = operations._locations(list(postcodes))
    from sqlalchemy import select

    from portal.reference.models import ContractPackageArea, Prison
    found.prisons = list(db.session.scalars(select(Prison).where(Prison.code.in_(prison_codes))))
    found.contract_package_areas = list(db.session.scalars(
        select(ContractPackageArea).where(ContractPackageArea.slug.in_(cpa_slugs))))
    db.session.commit()
    return found


def nomination(opportunity_: Opportunity | None = None, *, nominated_by: User | None = None,
               state: str = "nominated", first_name: str = "Jordan", person_reference: str | None = None,
               days_ago: int = 0, **fields) -> Nomination:
    """A nomination that has reached `state` through each step before it, `days_ago` days ago."""
    opportunity_ = opportunity_ or opportunity()
    nominated_by = nominated_by or factories.user(role=Role.OFFENDER_MANAGER)
    if person_reference is None:
        n = next(factories._seq)
        person_reference = f"X{n:06d}" if nominated_by.role == Role.OFFENDER_MANAGER else f"A{n % 10000:04d}BC"
    on = utcnow().date() - timedelta(days=days_ago)
    found = Nomination(opportunity=opportunity_, nominated_by_id=nominated_by.id, person_reference=person_reference,
                       first_name=first_name, skills=fields.pop("skills", "Forklift driving, stock control"),
                       training=fields.pop("training", "Level 2 warehousing"),
                       availability=fields.pop("availability", "Weekdays from 1 March"),
                       interview_details=fields.pop("interview_details", "Call the prison employment hub"),
                       consent_method="in-person", consent_recorded_by_id=nominated_by.id, state=state, **fields)
    path = ["nominated", "interview-offered", "interview-held", "job-offered", "started", "retained"]
    steps = path[:path.index(state) + 1] if state in path else ["nominated", "closed"]
    recorded = utcnow() - timedelta(days=days_ago)
    for step in steps:
        found.steps.append(NominationStep(step=step, on_date=on, recorded_at=recorded, recorded_by_id=nominated_by.id))
    if state == "closed":
        found.close_reason = "withdrew"
    db.session.add(found)
    db.session.commit()
    return found
