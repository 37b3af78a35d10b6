"""Issue #17, "the demo and the newcomer": `flask seed --demo` loads a directory that reads like a real one.
No organisation lists two services under one name; what a listing's words say about who it is for agrees with
its fields; expressions of interest agree with the organisation and its services; and there are listings due
for review, unverified and hidden, so the freshness rules can be seen. Loading again changes nothing."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from portal.accounts.models import Organisation
from portal.directory.indexing import freshness
from portal.directory.models import ListingState, Location, Service
from portal.directory.operations import needs_checking
from portal.extensions import db
from portal.reference.models import ContractPackageArea
from portal.search_index import backend
from portal.supply_chain.models import ExpressionVersion, VersionState

WALK_IN = re.compile(r"no appointment is needed|no need to book|just come along|drop in|drop-in", re.IGNORECASE)
STAFF_BY_BAND = {"micro": (0, 1), "small": (1, 4), "medium": (3, 25), "large": (20, 250), "major": (200, 1500)}


def codes(document: dict, taxonomy: str) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in document.get("attributes") or []
            if a["taxonomy_term"]["taxonomy"] == taxonomy}


def listing_problems(service: Service) -> list[str]:
    """What a reader would notice: the words about who a service is for disagreeing with its fields."""
    doc, problems = service.document, []
    eligibility, access = codes(doc, "eligibility"), codes(doc, "access-route")
    who = doc.get("eligibility_description", "")
    text = f"{service.name} {doc.get('description', '')}"
    if ("women-only" in eligibility) != who.startswith("Women"):
        problems.append("women-only and 'Women ...' disagree")
    if ("men-only" in eligibility) != who.startswith(("Men ", "Young men ")):
        problems.append("men-only and 'Men ...' disagree")
    if re.search(r"\bwomen\b", text, re.IGNORECASE) and "women-only" not in eligibility and \
            "men-only" not in eligibility:
        problems.append("mentions women but is not for women only")
    if re.search(r"\bmen\b", text, re.IGNORECASE) and "men-only" not in eligibility:
        problems.append("mentions men but is not for men only")
    if ("aged 18 to 25" in who) != (service.maximum_age == 25) or \
            ("young-adults" in eligibility) != (service.maximum_age == 25):
        problems.append("18 to 25 and the maximum age disagree")
    if ("aged 50 and over" in who) != (service.minimum_age == 50) or \
            (("(50+)" in service.name or "aged 50 and over" in text) and service.minimum_age != 50):
        problems.append("50 and over and the minimum age disagree")
    for code, offence in (("accepts-arson", "arson"), ("accepts-sexual-offences", "sexual offence")):
        refuses = f"cannot accept people with {offence}" in who or "unable to accept people with arson or sexual" in who
        accepts = f"consider people with {offence}" in who or "can accept people with arson or sexual" in who
        if (code in eligibility and refuses) or (code not in eligibility and accepts):
            problems.append(f"{offence} convictions: words and fields disagree")
    if WALK_IN.search(text) and not ({"self-referral"} <= access and "no-referral-needed" in eligibility):
        problems.append("invites people to drop in but needs a referral")
    if "free" in doc.get("description", "") and any(o.get("amount") for o in doc.get("cost_options") or []):
        problems.append("says it is free but has a charge")
    return problems


def test_the_demo_directory_reads_like_a_real_one_and_shows_every_freshness_rule(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert "2,200 of 2,200 services imported" in first.output and "services searchable" in first.output

    services = list(db.session.scalars(select(Service).where(Service.state == ListingState.PUBLISHED)))
    assert len(services) == 2200
    names = Counter((s.organisation_id, s.name) for s in services)
    assert [pair for pair, n in names.items() if n > 1] == []  # no organisation lists a name twice

    problems = {s.name: p for s in services if (p := listing_problems(s))}
    assert problems == {}

    states = Counter("due for review" if freshness(s) == "fresh" and needs_checking(s) else freshness(s)
                     for s in services)
    assert states["fresh"] > len(services) / 2
    assert states["due for review"] >= 20 and states["unverified"] >= 20 and states["hidden"] >= 5
    assert all(s.freshness == freshness(s) for s in services)  # as recorded, so ranking matches
    for line in ("due for review", "unverified", "hidden"):
        assert f"{states[line]:,} {line}" in first.output
    hidden = [s for s in services if freshness(s) == "hidden"]
    assert backend().count("services") == len(services) - len(hidden)  # hidden listings are out of search
    found = client.get("/services", query_string={"q": hidden[0].name})
    assert found.status_code == 200 and hidden[0].uuid not in found.get_data(as_text=True)
    # The first by id: PostgreSQL returns rows in no fixed order, and some unverified listings share their name with
    # twenty fresh ones, which rank above them on the first page (the test failed whenever it picked one of those)
    unverified = min((s for s in services if freshness(s) == "unverified"), key=lambda s: s.id)
    found = client.get("/services", query_string={"q": unverified.name})
    assert unverified.uuid in found.get_data(as_text=True)  # still found, only ranked lower

    expressions_agree_with_their_organisations()

    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0, again.output
    assert "Importing" not in again.output and "Indexing" not in again.output
    assert db.session.scalar(select(func.count()).select_from(Service)) == 2200


def expressions_agree_with_their_organisations() -> None:
    versions = list(db.session.scalars(select(ExpressionVersion).where(
        ExpressionVersion.state == VersionState.PUBLISHED)))
    assert len(versions) >= 30
    covered = set()
    for version in versions:
        answers, organisation = version.answers, version.expression.organisation
        identifiers = {i.scheme: i.identifier for i in organisation.identifiers}
        where = organisation.name
        assert answers["organisation_name"] == organisation.name, where
        assert answers["sector"] == organisation.sector, where
        assert answers["charity_number"] == identifiers.get("GB-CHC", ""), where  # no charity number for a company
        assert answers["company_number"] == identifiers.get("GB-COH", ""), where
        low, high = STAFF_BY_BAND[answers["income_band"]]
        assert low <= answers["staff"] <= high, where
        if organisation.description:
            assert answers["description"] == organisation.description, where
        own = select(Service.id).where(Service.organisation_id == organisation.id,
                                       Service.state == ListingState.PUBLISHED)
        mine = list(db.session.scalars(select(Service).where(Service.id.in_(own))))
        if not mine:  # the demo provider, which has no directory listings
            assert organisation.name == "Northern Pathways Trust"
            continue
        pathways = set().union(*(codes(s.document, "resettlement-pathway") for s in mine))
        stages = set().union(*(codes(s.document, "resettlement-stage") for s in mine))
        areas = set(db.session.scalars(select(ContractPackageArea.slug).join(
            Location, Location.contract_package_area_id == ContractPackageArea.id).where(Location.service_id.in_(own))))
        assert set(answers["pathways"]) <= pathways, where
        assert set(answers["settings"]) <= stages, where
        assert answers["cpas"] and set(answers["cpas"]) <= areas, where
        covered |= set(answers["cpas"])
    all_areas = set(db.session.scalars(select(ContractPackageArea.slug)))
    assert covered < all_areas  # some areas stay gaps, so the coverage dashboard shows them
    assert db.session.scalar(select(func.count()).select_from(Organisation)) > len(versions)
