"""The search page when the words do not all match, name a place, or find the same service in several towns."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.directory.models import SearchGap
from tests import factories
from tests.html import page


@pytest.fixture(autouse=True)
def search_engine(db):
    factories.empty_search_index()
    yield
    factories.empty_search_index()


def result_names(response) -> list[str]:
    return [a.get_text(strip=True) for a in page(response).select("#results h3 a")]


def test_a_word_no_service_holds_is_left_out_and_the_page_says_which(client):
    factories.published_service(name="Riverside Accommodation Project", description="Supported flats for men.")
    factories.published_service(name="Money Matters", pathways=("finance-benefit-debt",), description="Debt help.")

    response = client.get("/services?q=accommodation+trampoline+kayaking")

    assert result_names(response) == ["Riverside Accommodation Project"]
    notice = " ".join(page(response).select_one("#left-out").get_text().split())
    assert notice == "No service matches all your words, so these results leave out ‘trampoline’ and ‘kayaking’."
    assert list(factories.db.session.scalars(select(SearchGap))) == []  # it found something: not a gap


def test_a_search_whose_words_all_match_says_nothing_was_left_out(client):
    factories.published_service(name="Riverside Accommodation Project", description="Supported flats for men.")

    response = client.get("/services?q=accommodation+flats")

    assert result_names(response) == ["Riverside Accommodation Project"]
    assert page(response).select_one("#left-out") is None


@pytest.mark.parametrize(("town", "first"), [("leeds", "Pennine Housing Advice"),
                                              ("Manchester", "Irwell Housing Advice"),
                                              ("M1", "Irwell Housing Advice")])
def test_a_town_in_the_search_lists_the_services_there_first(client, town, first):
    factories.published_service(name="Irwell Housing Advice", postcode="M1 1AE", description="Housing advice.")
    factories.published_service(name="Pennine Housing Advice", postcode="LS1 4AP", description="Housing advice.")
    factories.published_service(name="Tamar Housing Advice", postcode="PL1 1AA", description="Housing advice.")

    response = client.get(f"/services?q=housing+advice+{town}")

    assert result_names(response)[0] == first
    assert len(result_names(response)) == 3  # services elsewhere are still there, after
    assert page(response).select_one("#place-named").get_text(" ", strip=True).startswith("Services in or near")
    assert page(response).select_one("#left-out") is None  # the town is not a word the services must hold


def test_the_same_service_in_many_towns_does_not_crowd_the_first_page(client):
    chain = factories.organisation(name="Nationwide Recovery Trust")
    for postcode in ("M1 1AE", "LS1 4AP", "B1 1AA", "S1 2HE", "NG1 1AA", "L1 8JQ"):
        factories.published_service(name="Recovery Hub", organisation_=chain, postcode=postcode,
                                    description="Drug and alcohol recovery support.")
    factories.published_service(name="Harbour Recovery Cafe", postcode="PL1 1AA", description="A recovery cafe.")
    factories.published_service(name="Moorland Recovery Group", postcode="EX1 1AA", description="Recovery group.")

    names = result_names(client.get("/services?q=recovery"))

    assert names[:3].count("Recovery Hub") == 1
    assert {"Harbour Recovery Cafe", "Moorland Recovery Group"} <= set(names[:3])
    assert names.count("Recovery Hub") == 6  # moved down, not hidden


def test_the_open_referral_feeds_search_ranks_services_in_a_named_town_first(client):
    factories.published_service(name="Irwell Housing Advice", postcode="M1 1AE", description="Housing advice.")
    factories.published_service(name="Pennine Housing Advice", postcode="LS1 4AP", description="Housing advice.")

    for town, first in (("leeds", "Pennine Housing Advice"), ("manchester", "Irwell Housing Advice")):
        body = client.get(f"/api/oruk/services?search=housing+advice+{town}").get_json()
        assert [item["name"] for item in body["contents"]][0] == first
        assert body["total_items"] == 2
