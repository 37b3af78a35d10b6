"""The faster GOV.UK components (portal/components.py) draw exactly what the GOV.UK Frontend macros draw."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import components
from tests.html import page as parse_page

MACROS = {"checkboxes": "govukCheckboxes", **components.CACHED_COMPONENTS}


def by_macro(app, name: str, params: dict) -> str:
    """What the GOV.UK macro itself renders."""
    macro = MACROS[name]
    template = app.jinja_env.from_string(
        f'{{% from "govuk_frontend_jinja/components/{name}/macro.html" import {macro} %}}{{{{ {macro}(params) }}}}')
    return template.render(params=params)


def facet_params(name: str, legend: str, legend_classes: str, items: list[tuple[str, str, bool]]) -> dict:
    return {"idPrefix": name, "name": name, "classes": "govuk-checkboxes--small",
            "fieldset": {"legend": {"text": legend, "classes": legend_classes}},
            "items": [{"value": value, "text": text, "checked": checked} for value, text, checked in items]}


text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.from_regex(r"[a-z_]{1,12}", fullmatch=True), legend=text,
       legend_classes=st.sampled_from(["govuk-fieldset__legend--s", "govuk-visually-hidden", ""]),
       items=st.lists(st.tuples(text, text, st.booleans()), max_size=70))
def test_facet_checkboxes_are_the_govuk_macros_html_byte_for_byte(app, name, legend, legend_classes, items):
    params = facet_params(name, legend, legend_classes, items)
    with app.test_request_context():
        assert str(components.checkboxes(params)) == by_macro(app, "checkboxes", params)


def test_hostile_labels_and_values_are_escaped_as_the_macro_escapes_them(app):
    params = facet_params("pathway", 'Pathway <b>"x"</b>', "govuk-fieldset__legend--s",
                          [('"><script>alert(1)</script>', "Housing & 'debt' (1,234)", True),
                           ("b", "<img src=x onerror=alert(1)>", False)])
    with app.test_request_context():
        html = str(components.checkboxes(params))
    assert html == by_macro(app, "checkboxes", params)
    page = BeautifulSoup(html, "html.parser")
    assert not page.find("script") and not page.find("img") and not page.find("b")
    assert [box["value"] for box in page.select("input")] == ['"><script>alert(1)</script>', "b"]


@pytest.mark.parametrize("params", [
    {"name": "x", "items": [{"value": "a", "text": "A", "hint": {"text": "a hint"}}]},
    {"name": "x", "fieldset": {"legend": {"text": "L", "isPageHeading": True}}, "items": [{"value": "a", "text": "A"}]},
    {"name": "x", "errorMessage": {"text": "Select one"}, "items": [{"value": "a", "text": "A"}]},
    {"name": "x", "items": [{"divider": "or"}, {"value": "a", "html": "<b>A</b>"}]},
])
def test_anything_else_is_drawn_by_the_govuk_macro_itself(app, params):
    with app.test_request_context():
        assert str(components.checkboxes(params)) == by_macro(app, "checkboxes", params)


def test_header_navigation_banner_and_footer_are_the_macros_html_and_drawn_once(app):
    params = {
        "header": {"homepageUrl": "/", "classes": "govuk-header--full-width-border"},
        "service-navigation": {"serviceName": "Resettlement Partnership Portal", "serviceUrl": "/",
                               "navigation": [{"href": "/services", "text": "Find services", "active": True},
                                              {"href": "/referrals", "text": "Referrals & reports", "active": False}],
                               "navigationClasses": "app-navigation"},
        "phase-banner": {"tag": {"text": "Beta"}, "text": "This is a new service."},
        "footer": {"meta": {"items": [{"href": "/accessibility", "text": "Accessibility statement"}]}},
    }
    with app.test_request_context():
        for name, values in params.items():
            first = components.component(name, values)
            assert str(first) == by_macro(app, name, values)
            assert components.component(name, values) is first  # kept, not drawn again
        changed = {**params["service-navigation"],
                   "navigation": [{"href": "/services", "text": "Find services", "active": False}]}
        assert str(components.component("service-navigation", changed)) == by_macro(app, "service-navigation",
                                                                                     changed)


def test_a_page_shows_the_navigation_of_whoever_asks(client, login_as):
    """Cached navigation must follow the user: an offender manager sees Referrals, a visitor does not."""
    anonymous = parse_page(client.get("/services"))
    assert "Referrals" not in [a.get_text(strip=True) for a in anonymous.select(".govuk-service-navigation a")]
    login_as("offender_manager")
    signed_in = parse_page(client.get("/services"))
    assert "Referrals" in [a.get_text(strip=True) for a in signed_in.select(".govuk-service-navigation a")]
