"""Finding services: the search page (text, typos, synonyms, facets, distance, sorting, paging, hostile input,
the search engine being down), a service's page, and the count of searches that found nothing."""
from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from portal.accounts.roles import Role
from portal.directory import finding
from portal.directory.models import ListingState, SearchGap
from search import Hit, SearchResult, SearchUnavailable
from tests import factories
from tests.html import error_summary, field_error, h1, page, title


@pytest.fixture(autouse=True)
def search_engine(db):
    factories.empty_search_index()
    yield
    factories.empty_search_index()


def result_names(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("#results h3 a")]


def results_count(response) -> str:
    return page(response).select_one("#results-count").get_text(strip=True)


def facet_options(response, name: str) -> dict[str, bool]:
    """{label with count: checked} of one facet's checkboxes."""
    soup = page(response)
    return {soup.find("label", attrs={"for": box["id"]}).get_text(" ", strip=True): box.has_attr("checked")
            for box in soup.select(f"input[type=checkbox][name={name}]")}


def main_text(response) -> str:
    return page(response).select_one("main").get_text(" ", strip=True)


# --- Text search ---

def test_anyone_can_search_and_the_best_match_comes_first(client):
    factories.published_service(name="Hope Street Mentoring", description="Peer mentors who meet people at the gate.")
    factories.published_service(name="Leeds Night Shelter", description="Emergency beds for the night of release.")
    factories.published_service(name="Shelter from Debt", pathways=("finance-benefit-debt",),
                                description="Money advice for people leaving prison.")

    response = client.get("/services?q=night+shelter")

    assert response.status_code == 200
    assert h1(response) == "Find resettlement services"
    assert result_names(response)[0] == "Leeds Night Shelter"
    assert "Hope Street Mentoring" not in result_names(response)


def test_a_misspelt_search_still_finds_the_service_and_says_what_it_searched_for(client):
    factories.published_service(name="Riverside Accommodation Project", description="Supported flats.")

    response = client.get("/services?q=acommodation")

    assert result_names(response) == ["Riverside Accommodation Project"]
    assert page(response).select_one("#corrected").get_text(" ", strip=True) == "Showing results for accommodation"


def test_a_search_for_housing_finds_accommodation_services(client):
    factories.published_service(name="Riverside Accommodation Project", description="Supported flats for men.")
    factories.published_service(name="Money Matters", pathways=("finance-benefit-debt",), description="Debt help.")

    response = client.get("/services?q=housing")

    assert result_names(response) == ["Riverside Accommodation Project"]
    assert results_count(response) == "1 service"


def test_with_nothing_asked_for_the_page_lists_every_service(client):
    for _ in range(3):
        factories.published_service()
    response = client.get("/services")
    assert results_count(response) == "3 services"
    assert len(result_names(response)) == 3


# --- Facets ---

def test_facets_show_counts_that_match_the_results_of_choosing_them(client):
    factories.published_service(name="Leeds Beds", pathways=("accommodation",))
    factories.published_service(name="Leeds Homes", pathways=("accommodation", "health"))
    factories.published_service(name="Leeds Money", pathways=("finance-benefit-debt",))

    everything = client.get("/services")
    assert facet_options(everything, "pathway") == {
        "Accommodation (2)": False, "Health (1)": False, "Finance, benefit and debt (1)": False}

    accommodation = client.get("/services?pathway=accommodation")
    assert results_count(accommodation) == "2 services"
    assert sorted(result_names(accommodation)) == ["Leeds Beds", "Leeds Homes"]
    # The pathway facet still offers the other pathways, counted as if chosen instead.
    assert facet_options(accommodation, "pathway") == {
        "Accommodation (2)": True, "Health (1)": False, "Finance, benefit and debt (1)": False}
    # Other facets count within the chosen pathway.
    assert facet_options(accommodation, "region") == {"Yorkshire and the Humber (2)": False}

    either = client.get("/services?pathway=accommodation&pathway=finance-benefit-debt")
    assert results_count(either) == "3 services"


def test_options_with_no_services_are_hidden_unless_chosen(client):
    factories.published_service(pathways=("accommodation",))

    response = client.get("/services?pathway=drugs-alcohol")

    assert results_count(response) == "0 services"
    options = facet_options(response, "pathway")
    assert options["Drugs and alcohol (0)"] is True
    assert "Health (0)" not in options and "Accommodation (1)" in options


def test_facets_narrow_by_region_stage_eligibility_capacity_and_sector(client):
    factories.published_service(name="Women's Housing Leeds", eligibility=("women-only",), capacity="full",
                                stages=("through-the-gate",))
    factories.published_service(name="Manchester Homes", postcode="M1 1AE")

    assert result_names(client.get("/services?region=north-west")) == ["Manchester Homes"]
    assert result_names(client.get("/services?cpa=west-yorkshire")) == ["Women's Housing Leeds"]
    assert result_names(client.get("/services?eligibility=women-only")) == ["Women's Housing Leeds"]
    assert result_names(client.get("/services?capacity=full")) == ["Women's Housing Leeds"]
    assert result_names(client.get("/services?stage=through-the-gate")) == ["Women's Housing Leeds"]
    assert len(result_names(client.get("/services?sector=voluntary-community&delivery_mode=in-person"))) == 2


def test_unknown_filter_values_are_ignored(client):
    factories.published_service(name="Leeds Beds")
    response = client.get('/services?pathway=nonsense&region=mars&pathway=accommodation" OR sector = "x'
                          "&sort=sideways&distance=9999&page=banana")
    assert response.status_code == 200
    assert result_names(response) == ["Leeds Beds"]
    assert error_summary(response) == []


def test_the_age_filter_keeps_services_that_accept_that_age(client):
    factories.published_service(name="Young Adults Project", minimum_age=18, maximum_age=25)
    factories.published_service(name="Any Age Advice", minimum_age=None)

    assert sorted(result_names(client.get("/services?age=30"))) == ["Any Age Advice"]
    assert sorted(result_names(client.get("/services?age=19"))) == ["Any Age Advice", "Young Adults Project"]

    wrong = client.get("/services?age=nineteen")
    assert wrong.status_code == 400
    assert field_error(wrong, "age") == "Age must be a whole number, like 25"
    assert len(result_names(wrong)) == 2  # the rest of the search still works


# --- Distance ---

def test_a_postcode_limits_results_by_distance_and_can_sort_nearest_first(client):
    factories.published_service(name="Bradford Beds", postcode="BD1 1HY")
    factories.published_service(name="Leeds Beds", postcode="LS1 4AP")
    factories.published_service(name="Manchester Beds", postcode="M1 1AE")

    response = client.get("/services?postcode=LS1&distance=10&sort=distance")

    assert result_names(response) == ["Leeds Beds", "Bradford Beds"]
    distances = [d.get_text(strip=True) for d in page(response).select(".app-distance")]
    assert distances[0] == "Less than 0.1 miles away" and distances[1].endswith("miles away")
    text = main_text(response)
    assert "Distance is measured from the centre of the postcode district" in text
    assert "Contains OS data © Crown copyright and database right" in text

    wider = client.get("/services?postcode=LS1&distance=50")
    assert sorted(result_names(wider)) == ["Bradford Beds", "Leeds Beds", "Manchester Beds"]


def test_the_os_attribution_appears_only_when_distance_is_used(client):
    factories.published_service()
    assert "Contains OS data" not in main_text(client.get("/services"))


def test_a_full_postcode_is_reduced_to_its_district_in_the_address(client):
    response = client.get("/services?q=beds&postcode=ls1+4ap&distance=5")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["postcode"] == ["LS1"] and query["q"] == ["beds"] and query["distance"] == ["5"]


@pytest.mark.parametrize("postcode, message", [
    ("ZZ99", "We could not find the postcode area ZZ99. Check it, or try a nearby one"),
    ("hello", "Enter a real postcode, like LS1 4AP, or the first part of one, like LS1"),
])
def test_an_unknown_or_malformed_postcode_gets_a_kind_error_and_the_page_still_works(client, postcode, message):
    factories.published_service(name="Leeds Beds")

    response = client.get(f"/services?postcode={postcode}&sort=distance")

    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    assert field_error(response, "postcode") == message
    assert error_summary(response) == [message]
    assert result_names(response) == ["Leeds Beds"]


# --- Paging and totals ---

def test_results_are_paged_with_gov_uk_pagination(client):
    for n in range(23):
        factories.published_service(name=f"Shelter {n:02}")

    first = client.get("/services?q=shelter")
    assert results_count(first) == "23 services"
    assert len(result_names(first)) == 20
    pagination = page(first).select_one("nav.govuk-pagination")
    assert [a.get_text(strip=True) for a in pagination.select(".govuk-pagination__item a")] == ["1", "2"]
    next_link = pagination.select_one("a[rel=next]")["href"]
    assert parse_qs(urlsplit(next_link).query) == {"q": ["shelter"], "page": ["2"]}

    second = client.get(next_link)
    assert len(result_names(second)) == 3
    assert not set(result_names(first)) & set(result_names(second))

    beyond = client.get("/services?q=shelter&page=7")
    assert "There are no results on this page" in main_text(beyond)


class FakeBackend:
    def __init__(self, result=None, error=None):
        self.result, self.error = result, error

    def search(self, index, query):
        if self.error:
            raise self.error
        return self.result

    def search_many(self, index, queries):
        return [self.search(index, query) for query in queries]


@pytest.fixture
def backend_is(app, monkeypatch):
    def use(backend):
        monkeypatch.setitem(app.extensions, "search_backend", backend)

    yield use


def test_a_capped_total_is_shown_honestly(client, backend_is):
    service = factories.published_service(name="Leeds Beds", index=False)
    hit = Hit(service.uuid, 1.0, None, {"id": service.uuid, "name": "Leeds Beds", "organisation_name": "Org",
                                        "description": "Beds.", "pathways": ["accommodation"],
                                        "last_checked": "2026-01-05", "verified": True, "capacity": "accepting"})
    backend_is(FakeBackend(SearchResult([hit], total=1000, total_is_capped=True, facets={})))

    response = client.get("/services?q=beds")

    assert results_count(response) == "1,000+ services"
    assert result_names(response) == ["Leeds Beds"]


def test_when_the_search_engine_is_down_the_page_says_so_politely(client, backend_is):
    backend_is(FakeBackend(error=SearchUnavailable("connection refused")))

    response = client.get("/services?q=housing")

    assert response.status_code == 503
    assert h1(response) == "Find resettlement services"
    assert "Search is temporarily unavailable" in main_text(response)
    assert "connection refused" not in response.get_data(as_text=True)
    assert page(response).find("input", {"name": "q"})["value"] == "housing"


# --- Each result ---

def test_each_result_shows_what_a_practitioner_needs_to_choose(client):
    org = factories.organisation(name="Second Chances Trust")
    factories.published_service(name="Old Listing", organisation_=org, pathways=("accommodation", "health"),
                                description="Word " * 100, capacity="waiting-list", last_checked_days_ago=400)

    response = client.get("/services")
    item = page(response).select_one("#results li")
    text = item.get_text(" ", strip=True)

    assert item.select_one("h3 a")["href"].startswith("/services/")
    assert "Second Chances Trust" in text
    assert [tag.get_text(strip=True) for tag in item.select(".app-pathways .govuk-tag")] == ["Accommodation", "Health"]
    assert "Last checked" in text
    assert "Capacity: Waiting list" in text
    assert "Unverified" in item.select_one(".govuk-warning-text").get_text()
    summary = item.select("p.govuk-body")[0].get_text(strip=True)
    assert summary.endswith("…") and len(summary) <= 225


@pytest.mark.parametrize("text", [
    'London" OR sector = "x', "NEAR(a b)", "*", "a" * 10_000, "\x00", "housing\x00\x1b[31m", "((((", '"', "-",
    "name:foo AND bar*", "😀 ℌ𝔢𝔩𝔩𝔬", "%", "' OR 1=1 --",
])
def test_hostile_searches_never_break_the_page(client, text):
    factories.published_service(name="Leeds Beds")

    response = client.get("/services", query_string={"q": text, "postcode": text, "age": text})

    assert response.status_code in (200, 400)
    assert h1(response) == "Find resettlement services"
    assert len(page(response).find("input", {"name": "q"}).get("value", "")) <= 200


def test_a_very_long_search_is_cut_and_the_page_says_so(client):
    factories.published_service(name="Leeds Beds")
    response = client.get("/services", query_string={"q": "beds " * 2000})
    assert response.status_code == 200
    assert "we searched for its first 200 characters" in main_text(response)


def test_a_hostile_string_in_a_filter_matches_nothing(client):
    factories.published_service(name="Leeds Beds", eligibility=("women-only",))
    response = client.get("/services", query_string={"eligibility": 'women-only" OR sector = "x'})
    assert result_names(response) == ["Leeds Beds"]  # the unknown value is ignored, not interpreted


# --- Searches that found nothing ---

def gaps() -> list[tuple[str, str, int]]:
    return [(g.query, g.filters, g.count) for g in factories.db.session.scalars(select(SearchGap))]


def test_searches_that_find_nothing_are_counted_without_saying_who_searched(client, login_as):
    factories.published_service(name="Leeds Beds")
    client.get("/services?q=Underwater+Basket+Weaving!")
    login_as(Role.OFFENDER_MANAGER)
    client.get("/services?q=underwater++basket+weaving")
    client.get("/services?q=beds")  # found something: not counted

    assert gaps() == [("underwater basket weaving", "", 2)]
    assert set(SearchGap.__table__.columns.keys()) == {"id", "query", "filters", "count", "first_seen", "last_seen"}


def test_the_same_filters_in_any_order_count_as_one_gap(client):
    client.get("/services?q=art&pathway=health&pathway=accommodation&region=london")
    client.get("/services?region=london&pathway=accommodation&q=art&pathway=health")
    client.get("/services?postcode=LS1+4AP&distance=5&q=art")  # redirected to the district first
    client.get("/services?postcode=LS1&distance=5&q=art")

    assert sorted(gaps()) == [("art", "pathway=accommodation,health; region=london", 2),
                              ("art", "within=5mi:LS1", 1)]


def test_what_could_identify_someone_is_left_out_of_counted_searches():
    assert finding.normalise_query("jo.bloggs@example.org A1234BC 07700 900123 LS1 4AP housing") == \
        "# # # ls1 housing"


def test_counting_is_safe_when_searches_race(app, db):
    def search_many():
        with app.app_context():
            for _ in range(10):
                finding.record_search_gap("nothing here", "")
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=search_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert gaps() == [("nothing here", "", 40)]


def test_administrators_see_the_most_frequent_gaps_as_a_table_and_a_chart(client, login_as):
    for _ in range(3):
        client.get("/services?q=welding+course&pathway=education-training-employment")
    client.get("/services?q=goat+farming")
    login_as(Role.ADMIN)

    response = client.get("/admin/search-gaps")

    assert response.status_code == 200
    assert h1(response) == "Searches that found nothing"
    table = page(response).find("caption", string="Most frequent searches that found nothing").parent
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in table.select("tbody tr")]
    assert [row[:3] for row in rows] == [
        ["welding course", "Resettlement pathway: Education, training and employment", "3"],
        ["goat farming", "None", "1"]]
    chart = page(response).find(id="search-gaps-chart")
    assert chart.name == "figure"
    assert chart.figcaption.get_text(strip=True) == "The 2 most frequent searches that found nothing"
    drawing = chart.find("svg")
    assert drawing["aria-hidden"] == "true"  # a picture of the figures, which screen readers get from the table
    assert [text.get_text() for text in drawing.find_all("text")] == ["welding course + 1 filter", "3",
                                                                      "goat farming", "1"]
    widths = [float(bar["width"]) for bar in drawing.select("rect.app-chart__bar")]
    assert widths[0] == 480 and widths[1] == pytest.approx(160, abs=0.1)  # 3 and 1 searches: a third as long
    figures = [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])]
               for row in chart.select("table tbody tr")]
    assert figures == [["welding course + 1 filter", "3"], ["goat farming", "1"]]
    assert not page(response).find("script", src=lambda src: src and "vendor" in src)  # drawn on the server


@pytest.mark.parametrize("role, status", [(Role.OFFENDER_MANAGER, 403), (Role.PROVIDER, 403)])
def test_only_administrators_see_search_gaps(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/search-gaps").status_code == status


def test_search_gaps_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/admin/search-gaps")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- A service's page ---

def test_the_service_page_has_what_a_practitioner_needs_before_phoning(client):
    org = factories.organisation(name="Second Chances Trust")
    service = factories.published_service(
        name="Leeds Night Shelter", organisation_=org, description="Emergency beds on the night of release.",
        pathways=("accommodation", "health"), stages=("through-the-gate",), eligibility=("men-only",),
        delivery_modes=("in-person", "phone"), access_routes=("self-referral",), capacity="waiting-list",
        minimum_age=18, maximum_age=25, application_process="Phone us on the day of release.",
        eligibility_description="Men leaving HMP Leeds.", fees_description="Free of charge.")

    response = client.get(f"/services/{service.uuid}")

    assert response.status_code == 200
    assert h1(response) == "Leeds Night Shelter"
    soup = page(response)
    rows = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
            for row in soup.select(".govuk-summary-list__row")}
    assert rows["Referral routes"] == "Self-referral"
    assert rows["How it is delivered"] == "In person By phone"
    assert rows["Ages"] == "18 to 25"
    assert rows["Eligibility"] == "Men only"
    assert rows["Resettlement pathways"] == "Accommodation Health"
    assert rows["Resettlement stages"] == "Through the gate"
    assert rows["Phone"].startswith(service.document["phones"][0]["number"])
    assert rows["Email"] == service.document["email"]
    assert soup.find("a", string=service.document["url"])["href"] == service.document["url"]
    text = main_text(response)
    for expected in ("Second Chances Trust", "Emergency beds on the night of release.", "Capacity: Waiting list",
                     "Phone us on the day of release.", "Men leaving HMP Leeds.", "LS1 4AP", "Opening hours",
                     service.document["schedules"][0]["description"], "English", "Free of charge.",
                     "Last checked by the provider on"):
        assert expected in text
    assert "Unverified" not in text
    assert soup.select_one("[data-app-print]")  # where the script adds "Print this page"
    assert soup.find("script", src=re.compile(r"^/static/directory\.js\?v=[0-9a-f]{12}$"))


def test_the_service_page_links_to_reporting_a_problem(app, client):
    service = factories.published_service()
    link = page(client.get(f"/services/{service.uuid}")).find("a", string="Report a problem with this listing")
    if "directory.report_problem" not in app.view_functions:  # built alongside this page
        assert link is None
        return
    with app.test_request_context():
        assert link["href"] == url_for("directory.report_problem", service_uuid=service.uuid)


def test_a_listing_not_checked_for_a_year_carries_a_warning(client):
    service = factories.published_service(last_checked_days_ago=400)
    response = client.get(f"/services/{service.uuid}")
    assert "Unverified" in page(response).select_one(".govuk-warning-text").get_text()


@pytest.mark.parametrize("change", ["draft", "withdrawn", "hidden", "unknown"])
def test_only_published_visible_listings_have_a_page(client, change):
    service = factories.published_service(last_checked_days_ago=500 if change == "hidden" else 0)
    uuid = service.uuid
    if change in ("draft", "withdrawn"):
        service.state = ListingState.DRAFT if change == "draft" else ListingState.WITHDRAWN
        factories.db.session.commit()
    if change == "unknown":
        uuid = "00000000-0000-4000-8000-000000000000"
    response = client.get(f"/services/{uuid}")
    assert response.status_code == 404
    assert h1(response) == "Page not found"


def test_a_hidden_listing_leaves_search_results(client):
    factories.published_service(name="Stale Beds", last_checked_days_ago=500)
    factories.published_service(name="Fresh Beds")
    assert result_names(client.get("/services?q=beds")) == ["Fresh Beds"]


def test_the_back_link_returns_to_the_search_the_person_came_from(client):
    service = factories.published_service()
    came_from = "http://portal.test/services?q=beds&pathway=accommodation"
    response = client.get(f"/services/{service.uuid}", headers={"Referer": came_from})
    assert page(response).select_one(".govuk-back-link")["href"] == "/services?q=beds&pathway=accommodation"
    elsewhere = client.get(f"/services/{service.uuid}", headers={"Referer": "https://evil.example/services?x"})
    assert page(elsewhere).select_one(".govuk-back-link")["href"] == "/services"


def navigation_links(response) -> dict[str, str]:
    nav = page(response).select_one(".govuk-service-navigation")
    return {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}


def test_find_services_is_in_everyones_navigation(client, login_as):
    assert navigation_links(client.get("/"))["Find services"] == "/services"
    login_as(Role.EMPLOYER)
    assert navigation_links(client.get("/dashboard"))["Find services"] == "/services"


def test_the_search_page_loads_nothing_from_other_hosts(client):
    factories.published_service()
    response = client.get("/services?postcode=LS1")
    soup = page(response)
    assert all(not (s.get("src") or "").startswith(("http", "//")) for s in soup.find_all("script"))
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_offender_managers_can_filter_for_services_that_take_high_risk_cases(client, app):
    from portal import outbox
    from portal.directory import operations as directory_operations

    factories.referrable_service(name="Probation Housing Hub", sector="public", index=True)
    factories.referrable_service(name="Open Door Housing", index=True)
    approved = factories.referrable_service(name="Safe Start Housing", index=True)
    with app.test_request_context():
        directory_operations.set_high_risk_approval(approved, factories.user(role=Role.ADMIN), True)
        factories.db.session.commit()
        outbox.relay_once(batch_size=100)
    label = "Takes people at high risk of serious harm or managed under MAPPA"

    factories.sign_in(client, factories.user(role=Role.OFFENDER_MANAGER))
    everything = client.get("/services")
    assert facet_options(everything, "high_risk") == {f"{label} (2)": False}
    filtered = client.get("/services?high_risk=approved")
    assert sorted(result_names(filtered)) == ["Probation Housing Hub", "Safe Start Housing"]
    assert facet_options(filtered, "high_risk") == {f"{label} (2)": True}

    factories.sign_in(client, factories.user(role=Role.PROVIDER))
    assert facet_options(client.get("/services"), "high_risk") == {}  # only those who refer are offered it
