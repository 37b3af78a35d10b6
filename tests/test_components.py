"""The faster GOV.UK components (portal/components.py) draw exactly what the GOV.UK Frontend macros draw."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from portal import components
from tests.html import page as parse_page

MACROS = {"checkboxes": "govukCheckboxes", "input": "govukInput", "select": "govukSelect",
          **components.CACHED_COMPONENTS}


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


# Text inputs and selects (templates/macros/forms.html's input and select, the search page's sort)

def one_line(value) -> bool:
    """Text the macros' ``indent`` does not split: what ``text_input`` and ``select`` draw themselves."""
    return value is None or len((str(value) + "x").splitlines()) == 1


maybe_text = st.one_of(st.none(), st.just(""), text)
message = st.one_of(st.none(), st.builds(lambda t: {"text": t}, text))
label = st.fixed_dictionaries({"text": text}, optional={
    "classes": st.one_of(st.sampled_from([None, "", "govuk-label--m", "govuk-label--s govuk-!-margin-bottom-1"]), text),
    "isPageHeading": st.one_of(st.none(), st.booleans())})
field_params = {"name": text, "label": label}
optional_field_params = {"id": maybe_text, "hint": message, "errorMessage": message}
input_params = st.fixed_dictionaries(field_params, optional={
    **optional_field_params,
    "type": st.one_of(st.sampled_from([None, "", "text", "search", "email", "tel", "url"]), text),
    "value": st.one_of(st.none(), st.just(""), text, st.integers(-10**6, 10**6)),
    "autocomplete": st.one_of(st.sampled_from([None, "", "off", "email", "postal-code"]), text),
    "classes": st.one_of(st.sampled_from([None, "", "govuk-input--width-10", "govuk-input--width-3"]), text),
    "spellcheck": st.one_of(st.none(), st.booleans()),
    "inputmode": st.one_of(st.sampled_from([None, "", "numeric", "decimal"]), text),
    "prefix": st.none(), "suffix": st.none()})
option = st.fixed_dictionaries({"value": st.one_of(st.just(""), text, st.integers(-100, 10**4)),
                                "text": st.one_of(st.just(""), text)},
                               optional={"selected": st.one_of(st.none(), st.booleans())})
select_params = st.fixed_dictionaries({**field_params, "items": st.lists(option, max_size=12)},
                                      optional=optional_field_params)


def drawn_in_python(params: dict) -> bool:
    label, hint, error = params["label"], params.get("hint"), params.get("errorMessage")
    return all(one_line(value) for value in (
        params.get("id") or params["name"], label["text"], label.get("classes"),
        hint and hint["text"], error and error["text"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=input_params)
def test_text_inputs_are_the_govuk_macros_html_byte_for_byte(app, params):
    with app.test_request_context():
        assert components._input_fits(params) == drawn_in_python(params)
        assert str(components.text_input(params)) == by_macro(app, "input", params)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=select_params)
def test_selects_are_the_govuk_macros_html_byte_for_byte(app, params):
    with app.test_request_context():
        assert components._select_fits(params) == drawn_in_python(params)
        assert str(components.select(params)) == by_macro(app, "select", params)


def test_the_search_pages_fields_are_drawn_in_python(app):
    """forms.html's input with every option the search page uses, a number as the value, and an error."""
    params = {"label": {"text": "Age of the person", "classes": "", "isPageHeading": False},
              "hint": {"text": "Shows services that accept people of this age"}, "id": "age", "name": "age",
              "type": "text", "value": 25, "autocomplete": None, "classes": "govuk-input--width-3",
              "spellcheck": False, "inputmode": "numeric", "prefix": None, "suffix": None,
              "errorMessage": {"text": "Age must be 120 or less"}}
    sort = {"id": "sort", "name": "sort", "label": {"text": "Sort by"},
            "items": [{"value": "relevance", "text": "Relevance", "selected": True},
                      {"value": "distance", "text": "Distance", "selected": False}]}
    with app.test_request_context():
        assert components._input_fits(params) and components._select_fits(sort)
        html = str(components.text_input(params))
        assert html == by_macro(app, "input", params)
        assert str(components.select(sort)) == by_macro(app, "select", sort)
        assert 'value="25"' in html and 'aria-describedby="age-hint age-error"' in html
        heading = {**params, "label": {"text": "Search", "classes": "govuk-label--l", "isPageHeading": True},
                   "value": "", "spellcheck": None}
        assert str(components.text_input(heading)) == by_macro(app, "input", heading)
        assert '<h1 class="govuk-label-wrapper">' in str(components.text_input(heading))


HOSTILE = '"><script>alert(1)</script>'


def test_hostile_input_and_select_values_are_escaped_as_the_macros_escape_them(app):
    params = {"id": HOSTILE, "name": "q'<b>", "type": 'search" onfocus="alert(1)', "value": HOSTILE,
              "label": {"text": "Search <b>&amp;</b>", "classes": '"><img src=x onerror=alert(1)>',
                        "isPageHeading": True},
              "hint": {"text": "<img src=x onerror=alert(1)>"}, "errorMessage": {"text": "Enter <script>x</script>"},
              "classes": '" autofocus onfocus="alert(1)', "autocomplete": "<b>", "inputmode": "'&'",
              "spellcheck": True, "prefix": None, "suffix": None}
    sort = {"id": "sort", "name": HOSTILE, "label": {"text": "<b>Sort</b>"}, "hint": {"text": "&<>"},
            "errorMessage": {"text": HOSTILE},
            "items": [{"value": HOSTILE, "text": "</option><script>alert(1)</script>", "selected": True},
                      {"value": 3, "text": "Three & more", "selected": False}]}
    with app.test_request_context():
        assert components._input_fits(params) and components._select_fits(sort)
        html, menu = str(components.text_input(params)), str(components.select(sort))
        assert html == by_macro(app, "input", params)
        assert menu == by_macro(app, "select", sort)
    for drawn in (html, menu):
        page = BeautifulSoup(drawn, "html.parser")
        assert not page.find("script") and not page.find("img") and not page.find("b")
        assert not [tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)]
    box = BeautifulSoup(html, "html.parser").find("input")
    assert box["value"] == box["id"] == HOSTILE
    assert box["aria-describedby"] == f"{HOSTILE}-hint {HOSTILE}-error"
    options = BeautifulSoup(menu, "html.parser").select("option")
    assert [o["value"] for o in options] == [HOSTILE, "3"] and options[0].has_attr("selected")


FIELD = {"id": "f", "name": "f", "label": {"text": "Field"}}


@pytest.mark.parametrize(("name", "params"), [
    ("input", {**FIELD, "prefix": {"text": "£"}}),
    ("input", {**FIELD, "suffix": {"text": "%"}, "value": "7.5"}),
    ("input", {**FIELD, "disabled": True}),
    ("input", {**FIELD, "attributes": {"data-module": "x"}}),
    ("input", {**FIELD, "describedBy": "other"}),
    ("input", {**FIELD, "formGroup": {"classes": "app-group"}}),
    ("input", {**FIELD, "label": {"html": "<b>Field</b>"}}),
    ("input", {**FIELD, "label": {"text": "Field", "attributes": {"lang": "cy"}}}),
    ("input", {**FIELD, "hint": {"html": "<b>hint</b>"}}),
    ("input", {**FIELD, "hint": {"text": ""}}),
    ("input", {**FIELD, "hint": {"text": "a hint", "classes": "x"}}),
    ("input", {**FIELD, "errorMessage": {"text": "Wrong", "visuallyHiddenText": "Problem"}}),
    ("input", {**FIELD, "errorMessage": {"text": ""}}),
    ("input", {**FIELD, "errorMessage": {}}),
    ("input", {**FIELD, "value": True}),
    ("input", {**FIELD, "value": 7.5}),
    ("input", {**FIELD, "spellcheck": 1}),
    ("input", {**FIELD, "spellcheck": "false"}),
    ("input", {**FIELD, "autocomplete": True}),
    ("input", {**FIELD, "label": {"text": "Two\u2028lines"}}),
    ("input", {**FIELD, "hint": {"text": "Two\nlines"}}),
    ("input", {**FIELD, "name": ""}),
    ("input", {**FIELD, "label": {"text": 42}}),
    ("select", {**FIELD, "items": [{"value": "a", "text": "A", "disabled": True}]}),
    ("select", {**FIELD, "items": [{"value": "a", "html": "<b>A</b>"}]}),
    ("select", {**FIELD, "items": [{"text": "No value"}]}),
    ("select", {**FIELD, "items": [{"value": None, "text": "None"}]}),
    ("select", {**FIELD, "items": [{"value": True, "text": "Yes"}]}),
    ("select", {**FIELD, "items": [{"value": "a", "text": "A", "selected": 1}]}),
    ("select", {**FIELD, "items": [None, {"value": "a", "text": "A"}]}),
    ("select", {**FIELD, "items": ({"value": "a", "text": "A"},)}),
    ("select", {**FIELD, "value": "b", "items": [{"value": "a", "text": "A"}, {"value": "b", "text": "B"}]}),
    ("select", {**FIELD, "classes": "govuk-!-width-full", "items": []}),
    ("select", {**FIELD, "label": {"text": "Sort", "classes": "govuk-label--s"}, "items": [], "disabled": True}),
])
def test_other_inputs_and_selects_are_drawn_by_the_govuk_macro_itself(app, name, params):
    draw, fits = {"input": (components.text_input, components._input_fits),
                  "select": (components.select, components._select_fits)}[name]
    with app.test_request_context():
        assert not fits(params)
        assert str(draw(params)) == by_macro(app, name, params)


def test_markup_is_not_escaped_again_as_in_the_macros(app):
    params = {**FIELD, "label": {"text": Markup("<b>Field</b>")}, "value": Markup("a &amp; b"),
              "hint": {"text": Markup("<i>hint</i>")}}
    sort = {**params, "items": [{"value": Markup("&lt;"), "text": Markup("<b>A</b>"), "selected": True}]}
    del sort["value"]
    with app.test_request_context():
        assert components._input_fits(params) and components._select_fits(sort)
        assert str(components.text_input(params)) == by_macro(app, "input", params)
        assert str(components.select(sort)) == by_macro(app, "select", sort)
        assert "<b>Field</b>" in str(components.text_input(params))


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
