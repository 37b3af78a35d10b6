"""A full postcode (which can point at a household) never stays in a page's URL: every GET form where people type
a place (the directory, opportunities, any search box) is answered with a redirect to the same search with only
the postcode district, and every link on the results page carries only the district."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from portal.accounts.roles import Role
from portal.directory.postcodes import districts_only
from tests import factories
from tests.html import page

FULL = "LS1 4AP"


def _links(response) -> list[str]:
    soup = page(response)
    return [element.get(attr) for element in soup.find_all(True) for attr in ("href", "action")
            if element.get(attr)]


def _has_full_postcode(url: str) -> bool:
    values = [value for _, value in parse_qsl(urlsplit(url).query)]
    return any(districts_only(value) != value for value in values)


@pytest.fixture
def staff(client, db):
    user = factories.user(role=Role.OFFENDER_MANAGER)
    factories.sign_in(client, user)
    return user


def _submit_get_form(client, response, answers: dict):
    """Fill in and send the page's GET form as a browser would (its hidden fields plus `answers`), one request
    at a time, following redirects; returns every response in order."""
    form = page(response).find("form", attrs={"method": "get"})
    data = {i["name"]: i.get("value", "") for i in form.find_all("input", {"type": "hidden"}) if i.get("name")}
    data.update(answers)
    responses = [client.get(form.get("action") or response.request.path, query_string=data)]
    while responses[-1].status_code in (301, 302, 303) and len(responses) < 5:
        responses.append(client.get(responses[-1].headers["Location"]))
    return responses


@pytest.mark.parametrize("path, field", [("/opportunities", "postcode"), ("/opportunities", "location"),
                                         ("/opportunities", "q"), ("/services", "postcode"), ("/services", "q")])
def test_a_full_postcode_typed_into_a_search_form_ends_as_its_district(client, staff, path, field):
    blank = client.get(path)
    assert blank.status_code == 200
    responses = _submit_get_form(client, blank, {field: FULL})
    assert responses[0].status_code == 302, "the typed postcode must be redirected away at once"
    final = responses[-1]
    assert final.status_code in (200, 400)
    assert "LS1" in final.request.url and not _has_full_postcode(final.request.url), final.request.url
    leaks = [url for url in _links(final) if _has_full_postcode(url)]
    assert not leaks, leaks


def test_the_redirect_keeps_every_other_parameter(client, staff):
    response = client.get("/opportunities?q=warehouse&type=guaranteed-interview&postcode=ls14ap&distance=10&page=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/opportunities"
    assert parse_qsl(location.query) == [("q", "warehouse"), ("type", "guaranteed-interview"), ("postcode", "LS1"),
                                         ("distance", "10"), ("page", "2")]


def test_districts_only():
    assert districts_only("near LS1 4AP please") == "near LS1 please"
    assert districts_only("sw1a1aa") == "SW1A"
    assert districts_only("M1") == "M1" and districts_only("Leeds") == "Leeds"
    assert districts_only("RF-ABCD-2345") == "RF-ABCD-2345"
