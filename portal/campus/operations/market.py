"""The market place: directory services and employers' opportunities a learner may approach."""
from __future__ import annotations

from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.accounts.roles import OrgStatus, Role
from portal.campus import rules
from portal.campus.models import Learner
from portal.campus.operations.opportunities import approved_for_learners
from portal.directory import finding, vocabulary
from portal.directory.models import Service
from portal.directory.postcodes import locate
from portal.employers import operations as employers
from portal.employers.models import Opportunity
from portal.errors import DomainError
from portal.extensions import db
from search import SearchResult

# What the market place shows of a service found (``presenters.market``): it shows no facet counts
MARKET_FIELDS = ("name", "organisation_name", "description")


def find_services(learner: Learner, text: str = "", pathway: str = "", page: int = 1) -> SearchResult:
    """Directory services for the learner's release area, through the directory's own search."""
    filters: dict[str, list[str]] = {}
    place = None
    area = learner.release_area
    if area in vocabulary.REGIONS:
        filters["region"] = [area]
    elif area:
        outcode, latitude, longitude = locate(area)
        place = finding.Place(outcode, latitude, longitude)
    if pathway in vocabulary.RESETTLEMENT_PATHWAYS:
        filters["pathway"] = [pathway]
    criteria = finding.Criteria(text=finding.clean_text(text)[0], filters=filters, place=place,
                                miles=finding.DEFAULT_MILES, page=max(1, min(page, finding.MAX_PAGE)))
    return finding.find_services(criteria, facets=(), fields=MARKET_FIELDS)


def market_service(service_uuid: str) -> Service:
    """A listed directory service a learner may read about and say they are interested in."""
    service = finding.listed_service(service_uuid)
    if service is None or not (service.organisation.status == OrgStatus.APPROVED):
        raise NotFound()
    return service


def find_opportunities(learner: Learner, text: str = "", limit: int = 20) -> list[Opportunity]:
    """Employer opportunities (guaranteed interviews, placements, training, mentoring) a learner may approach:
    open to their prison (or to any prison), near the area they will be released to, and whose words were approved
    for the campus (`opportunities.approved_for_learners`). Each result's employer is an approved organisation, so
    an interest becomes a checked message to it (`send_message`)."""
    area = learner.release_area
    region = area if area in vocabulary.REGIONS else ""
    postcode = area if area and not region else ""
    try:
        filters = employers.OpportunityFilters.parse(text=text, prison=learner.prison.code, region=region,
                                                     postcode=postcode)
    except DomainError:
        return []
    found = [found.opportunity for found in employers.find_opportunities(filters, per_page=limit * 3).items]
    readable = set(db.session.scalars(rules.campus_readable_organisations()))
    return [o for o in approved_for_learners(found) if o.organisation_id in readable][:limit]


def may_see_learner_pages(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.LEARNER)
