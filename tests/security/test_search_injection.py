"""Injection attempts in every search box and filter: SQL, FTS5 query syntax, Meilisearch filter syntax and LIKE
wildcards. Never a 5xx; never more results than an honest search for the words of the text would give (for text
with no words at all, like `%`, nothing: no record here contains those characters); a hostile value added to an
honest filter never widens it; and every table is still there afterwards.

Surfaces: the directory search (/services: q, every filter, postcode, age, distance, sort, page), the Open
Referral feed (/api/oruk/services), the partner database (/partners and /api/v1/expressions-of-interest),
opportunities (/opportunities and /api/v1/opportunities), the referral dashboard (/referrals?q=), the campus market
place and contact search (/campus/market, /campus/messages/contacts), and the administrators' high-risk service
search. The directory pages are also run on a real Meilisearch server (its filter escaping at the HTTP boundary;
the search library's own escaping is covered in tests/search)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.extensions import db as _db
from tests import factories
from tests.campus import helpers as campus
from tests.employers import factories as alliance
from tests.html import page
from tests.security import hostile
from tests.supply_chain import factories as supply

INJECTIONS = [
    "' OR 1=1 --", "' OR '1'='1", "\"; DROP TABLE users; --", "1; DELETE FROM referrals",
    "' UNION SELECT * FROM users --",
    '"', '""', "'", "*", "NEAR(a b)", "NEAR(", "name:x", "{name}: x", "a OR b", "x AND y", "NOT x", "-x", "^x",
    '"unbalanced', "(x", "x)", "((", "]", "[", 'London" OR sector = "x', "x = 1 OR 1 = 1", 'x") OR (regions IN ["a"]',
    "\\", '\\"', "%", "_", "%%", "a%", "%a", "_a_", "\x00", "\r\n", "x" * 5000,
]

# Records whose words and characters none of the injections contains (no %, _, quotes or brackets)
DIRECTORY = ("Harbour House Supported Housing", "Second Chance Jobs Club", "Bridge Mentoring Project")


# For filters and other parameters: a shorter list, one value of each kind (the first few for each parameter of the
# strict APIs, which refuse the first unknown value they meet)
FILTER_INJECTIONS = ["' OR 1=1 --", "\"; DROP TABLE users; --", 'London" OR sector = "x', "x = 1 OR 1 = 1",
                     'x") OR (regions IN ["a"]', "NEAR(a b)", "%", "_", "\\", "\x00", "x" * 5000, "-1",
                     "99999999999999999999"]


def words_of(text: str) -> str:
    return " ".join(re.findall(r"\w+", text))


def check(surface: str, count, text: str) -> None:
    """`count(text)` never fails and never finds more than `count` does for the words of the text alone (for
    text of nothing but spaces and control characters, which search boxes clean away: an empty search)."""
    found = count(text)
    words = words_of(text)
    if not re.sub(r"[\x00-\x1f\x7f-\x9f\s]", "", text):
        honest = count.honest("")
    else:
        honest = count.honest(words) if words else 0
    assert found <= honest, f"{surface}: {text[:60]!r} found {found}, an honest search for {words[:60]!r} {honest}"


class Counter:
    """GET a search page (or API) and count what it found; fail on any 5xx."""

    def __init__(self, client, path: str, param: str, counted, headers=None, posted: bool = False, **fixed):
        self.client, self.path, self.param, self.counted, self.headers, self.fixed = (
            client, path, param, counted, headers or {}, fixed)
        self.posted = posted  # a search posted (kept out of URLs), then shown by the page it redirects to
        self._honest: dict[str, int] = {}

    def get(self, **args):
        response = self.client.get(self.path, query_string={**self.fixed, **args}, headers=self.headers)
        assert response.status_code < 500, f"{self.path} {args}: {response.status_code}"
        return response

    def __call__(self, text: str, **args) -> int:
        if self.posted:
            response = self.client.post(self.path, data={self.param: text}, follow_redirects=True)
            assert response.status_code < 500, f"{self.path} {text!r}: {response.status_code}"
        else:
            response = self.get(**{self.param: text}, **args)
        if response.status_code >= 400:
            return 0
        return self.counted(response)

    def honest(self, words: str) -> int:
        if words not in self._honest:
            self._honest[words] = self(words)
        return self._honest[words]


def links(selector: str):
    return lambda response: len(page(response).select(selector))


def json_total(key: str = "total"):
    return lambda response: response.get_json()[key]


class Tables:
    """Every table is still there after the test, and the users table has the rows it had once set up."""

    def __init__(self):
        self.names = hostile.table_names()
        self.users = None

    @staticmethod
    def _users() -> int:
        return _db.session.scalar(select(func.count()).select_from(User))

    def set_up(self) -> None:
        self.users = self._users()

    def check(self) -> None:
        assert hostile.table_names() == self.names
        if self.users is not None:
            assert self._users() == self.users


@pytest.fixture
def tables(app, db):
    found = Tables()
    yield found
    found.check()


def _directory(count):
    factories.empty_search_index()
    for name in DIRECTORY:
        factories.published_service(name=name, description="Help after release from custody.",
                                    pathways=("accommodation",) if "Housing" in name else ("finance-benefit-debt",))
    assert count("") == 3 and count("harbour") == 1  # the counting works


# --- The directory ---

DIRECTORY_FILTERS = ["pathway", "stage", "region", "cpa", "eligibility", "delivery_mode", "sector", "capacity"]


def _directory_checks(client, tables):
    services = Counter(client, "/services", "q", links("#results h3 a"))
    feed = Counter(client, "/api/oruk/services", "search", json_total("total_items"))
    _directory(services)
    tables.set_up()
    for text in INJECTIONS:
        check("/services", services, text)
        check("/api/oruk/services", feed, text)
    honest = services("", pathway="accommodation")
    assert honest == 1
    for value in FILTER_INJECTIONS:
        # a hostile value beside an honest one, in every filter at once, never widens the honest search
        assert services("", pathway=["accommodation", value], **{name: value for name in DIRECTORY_FILTERS[1:]}) \
            <= honest
        assert services("", **{name: value for name in DIRECTORY_FILTERS}) <= 3
        for name in ("postcode", "age", "distance", "sort", "page"):
            services.get(**{"q": "housing", "postcode": "LS1", name: value})
        feed_args = ("taxonomy_id", "taxonomy_term_id", "organization_id", "modified_after", "postcode", "proximity",
                     "minimum_age", "maximum_age", "page", "per_page")
        for name in feed_args if value in FILTER_INJECTIONS[:5] else ():
            response = feed.get(**{name: value})
            if response.status_code == 200:
                assert response.get_json()["total_items"] <= 3
            else:
                assert response.get_json()


def test_directory_search_and_feed(client, tables):
    _directory_checks(client, tables)


@pytest.mark.slow
def test_directory_search_and_feed_on_meilisearch(client, tables, meili):
    services = Counter(client, "/services", "q", links("#results h3 a"))
    feed = Counter(client, "/api/oruk/services", "search", json_total("total_items"))
    _directory(services)
    tables.set_up()
    for text in INJECTIONS:
        check("/services on Meilisearch", services, text)
        check("/api/oruk/services on Meilisearch", feed, text)
    honest = services("", pathway="accommodation")
    assert honest == 1
    for value in FILTER_INJECTIONS:
        assert services("", pathway=["accommodation", value], **{name: value for name in DIRECTORY_FILTERS[1:]}) \
            <= honest
        assert feed("", taxonomy_term_id=value) <= 3


# --- The partner database ---

PARTNER_FACETS = ("cpa", "region", "pathway", "specialism", "setting", "sector", "size", "risk")


@pytest.mark.slow
def test_partner_database_page_and_api(client, tables):
    for name in ("Harbour Mentoring Trust", "Bridge Housing Partnership", "Second Chance Employment"):
        supply.expression(name=name, outcomes="Most in work or training after a year.")
    lead = factories.user(role=Role.LEAD_PROVIDER)
    token = factories.api_token(lead)
    factories.sign_in(client, lead)
    partners = Counter(client, "/partners", "q", links("#results h3 a"))
    api = Counter(client, "/api/v1/expressions-of-interest", "q", json_total(),
                  headers={"Authorization": f"Bearer {token}"})
    assert partners("") == 3 and partners("bridge") == 1 and api("bridge") == 1
    tables.set_up()
    for text in INJECTIONS:
        check("/partners", partners, text)
        check("/api/v1/expressions-of-interest", api, text)
    honest = partners("", pathway="education-training-employment")
    for value in FILTER_INJECTIONS:
        assert partners("", pathway=["education-training-employment", value],
                        **{name: value for name in PARTNER_FACETS if name != "pathway"}) <= honest
        partners.get(page=value)
        for name in (*PARTNER_FACETS, "page", "per_page") if value in FILTER_INJECTIONS[:5] else ():
            response = api.get(**{name: value})
            assert response.status_code in (200, 400) and response.get_json(), (name, value)


# --- Opportunities ---

@pytest.mark.slow
def test_opportunities_page_and_api(client, tables):
    employer = alliance.employer(organisation_=factories.organisation(kind="employer", name="Harbour Logistics"))
    for title in ("Warehouse operative", "Kitchen porter", "Bricklaying trainee"):
        alliance.opportunity(employer.organisation, title=title, description="Work in our depot.",
                             minimum_requirements="None")
    manager = factories.user(role=Role.OFFENDER_MANAGER)
    token = factories.api_token(manager)
    factories.sign_in(client, manager)
    opportunities = Counter(client, "/opportunities", "q", links("ul[aria-labelledby=results-heading] h3 a"))
    api = Counter(client, "/api/v1/opportunities", "q", json_total(), headers={"Authorization": f"Bearer {token}"})
    assert opportunities("") == 3 and opportunities("kitchen") == 1 and api("kitchen") == 1
    tables.set_up()
    for text in INJECTIONS:
        check("/opportunities", opportunities, text)
        check("/api/v1/opportunities", api, text)
    for value in FILTER_INJECTIONS:
        names = ("type", "sector", "location", "postcode", "distance", "region", "cpa", "prison", "page")
        assert opportunities("", **{name: value for name in names}) <= 3
        for name in names if value in FILTER_INJECTIONS[:5] else ():
            assert api.get(**{name: value}).status_code in (200, 400)
    honest = opportunities("", type="guaranteed-interview")
    assert opportunities("", type=["guaranteed-interview", *FILTER_INJECTIONS]) <= honest


# --- Referrals ---

def test_referral_dashboard_search(client, tables):
    manager = factories.user(role=Role.OFFENDER_MANAGER)
    for first, last, crn in (("Jordan", "Pemberton", "X123456"), ("Alex", "Hughes", "X234567"),
                             ("Sam", "Okafor", "X345678")):
        factories.referral(state="sent", referrer=manager, first_name=first, last_name=last, crn=crn)
    factories.sign_in(client, manager)
    referrals = Counter(client, "/referrals", "q", links("#referrals tbody tr"), posted=True)
    assert referrals("o") == 2 and referrals("hughes") == 1  # Jordan Pemberton and Sam Okafor; Alex Hughes
    tables.set_up()
    for text in INJECTIONS:
        check("/referrals", referrals, text)
    for value in FILTER_INJECTIONS:
        referrals.get(tab=value, page=value)


def test_high_risk_service_search_for_administrators(client, tables):
    for name in DIRECTORY:
        factories.referrable_service(name=name)
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    found = Counter(client, "/admin/referrals/high-risk-services", "q",
                    links("input[name=decision][value=approve]"))
    assert found("harbour") == 1 and found("o") == 3
    tables.set_up()
    for text in INJECTIONS:
        check("/admin/referrals/high-risk-services", found, text)


# --- The campus ---

def test_campus_market_place_and_contacts(client, tables):
    factories.empty_search_index()
    for name in DIRECTORY:
        factories.published_service(name=name, description="Help after release from custody.", postcode="LS1 4AP")
    for name in ("Harbour Logistics", "Bridge Builders", "Chance Kitchens"):
        campus.organisation(name=name)
    learner = campus.learner(release_area="LS1")
    campus.sign_in_at_kiosk(client, learner)
    market = Counter(client, "/campus/market", "q", links("li.app-result"))
    contacts = Counter(client, "/campus/messages/contacts", "q", links("main li a[href*='/write']"))
    assert market("") == 3 and market("harbour") == 1 and contacts("harbour") == 1
    tables.set_up()
    for text in INJECTIONS:
        check("/campus/market", market, text)
        check("/campus/messages/contacts", contacts, text)
    for value in FILTER_INJECTIONS:
        assert market("", pathway=value, page=value) <= 3
