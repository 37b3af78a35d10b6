"""GOV.UK components drawn faster, with exactly the HTML of the GOV.UK Frontend Jinja macros.

Rendering a GOV.UK macro goes through several nested macros (label, hint, error message, attributes, fieldset)
and imports: on the search page about sixty facet checkboxes took two thirds of the page's rendering time, each
text input about 0.35 ms, and the header, service navigation, phase banner and footer cost 3 to 5 ms on every page
although their HTML rarely changes. Template globals:

- ``checkboxes(params)``, ``text_input(params)`` and ``select_menu(params)`` (``select`` here): the
  ``govukCheckboxes``, ``govukInput`` and ``govukSelect`` HTML built in Python for the parameters the portal's
  templates pass (templates/macros/forms.html, the search page's facets and sort); any other parameter, or a
  value of another type, hands the call to the GOV.UK macro itself, so nothing can be drawn differently.
- ``component(name, params)``: a GOV.UK component rendered once per distinct ``params`` by its own macro and
  kept (at most ``MAX_CACHED`` per application). Only for components whose parameters hold nothing personal
  (header, service navigation, phase banner, footer).

``tests/test_components.py`` compares them with the GOV.UK macros' output, byte for byte.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup, escape

MAX_CACHED = 2048
CACHED_COMPONENTS = {  # component folder -> macro
    "header": "govukHeader",
    "service-navigation": "govukServiceNavigation",
    "phase-banner": "govukPhaseBanner",
    "footer": "govukFooter",
}

_CHECKBOXES_KEYS = {"idPrefix", "name", "classes", "fieldset", "items"}
_ITEM_KEYS = {"value", "text", "checked"}


def _macro_call(name: str, macro: str):
    return current_app.jinja_env.from_string(
        f'{{% from "govuk_frontend_jinja/components/{name}/macro.html" import {macro} %}}{{{{ {macro}(params) }}}}')


def _render_macro(name: str, macro: str, params: dict) -> Markup:
    templates = current_app.extensions.setdefault("govuk_component_templates", {})
    if name not in templates:
        templates[name] = _macro_call(name, macro)
    return Markup(templates[name].render(params=params))  # noqa: S704 - the GOV.UK macro's own output


def _fast_checkboxes_fit(params: dict) -> bool:
    """Whether ``params`` uses only what ``checkboxes`` draws itself."""
    if not isinstance(params, dict) or set(params) - _CHECKBOXES_KEYS or not params.get("name"):
        return False
    fieldset = params.get("fieldset")
    if not isinstance(fieldset, dict) or set(fieldset) != {"legend"}:
        return False
    legend = fieldset["legend"]
    if not isinstance(legend, dict) or set(legend) - {"text", "classes"} or not legend.get("text"):
        return False
    items = params.get("items")
    return isinstance(items, list) and all(
        isinstance(item, dict) and not set(item) - _ITEM_KEYS and item.get("text") not in (None, "")
        and item.get("value") is not None
        for item in items)


def checkboxes(params: dict) -> Markup:
    """``govukCheckboxes(params)``, byte for byte; drawn in Python for the portal's facet checkboxes."""
    if not _fast_checkboxes_fit(params):
        return _render_macro("checkboxes", "govukCheckboxes", params)
    name = escape(params["name"])
    id_prefix = escape(params.get("idPrefix") or params["name"])
    classes = f" {escape(params['classes'])}" if params.get("classes") else ""
    legend = params["fieldset"]["legend"]
    legend_classes = f" {escape(legend['classes'])}" if legend.get("classes") else ""
    parts = [
        '\n<div class="govuk-form-group">\n  <fieldset class="govuk-fieldset">\n'
        f'    <legend class="govuk-fieldset__legend{legend_classes}">\n      {escape(legend["text"])}\n    </legend>\n'
        f'    <div class="govuk-checkboxes{classes}" data-module="govuk-checkboxes">\n'
    ]
    for index, item in enumerate(params["items"], 1):
        item_id = f"{id_prefix}-{index}" if index > 1 else id_prefix
        checked = " checked" if item.get("checked") else ""
        parts.append(
            '      <div class="govuk-checkboxes__item">\n'
            f'        <input class="govuk-checkboxes__input" id="{item_id}" name="{name}" type="checkbox" '
            f'value="{escape(item["value"])}"{checked}>\n'
            f'        <label class="govuk-label govuk-checkboxes__label" for="{item_id}">\n'
            f'          {escape(item["text"])}\n        </label>\n      </div>\n')
    parts.append("    </div>\n  </fieldset>\n</div>\n")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


# govukInput and govukSelect. The macros pass the label, hint and error message through Jinja's ``indent``, which
# also breaks lines at \r, \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029: text holding any of those goes to the macro.
_INPUT_KEYS = {"id", "name", "type", "value", "autocomplete", "classes", "spellcheck", "inputmode", "label", "hint",
               "errorMessage", "prefix", "suffix"}
_SELECT_KEYS = {"id", "name", "label", "hint", "items", "errorMessage"}
_OPTION_KEYS = {"value", "text", "selected"}
_LABEL_KEYS = {"text", "classes", "isPageHeading"}
_TEXT_TYPES = (str, Markup)


def _is_text(value: Any) -> bool:
    return type(value) in _TEXT_TYPES


def _one_line(value: Any) -> bool:
    """Text (already checked to be text) that ``indent`` leaves alone."""
    return len((value + "x").splitlines()) == 1


def _optional_text(value: Any) -> bool:
    return value is None or type(value) in _TEXT_TYPES


def _message_fits(message: Any) -> bool:
    """A hint or error message: None, or {"text": one non-empty line}."""
    if message is None:
        return True
    if type(message) is not dict or message.keys() != {"text"}:
        return False
    text = message["text"]
    return _is_text(text) and text != "" and _one_line(text)


def _field_fits(params: Any, keys: set[str]) -> bool:
    """What ``govukInput`` and ``govukSelect`` share: id, name, label, hint and error message."""
    if type(params) is not dict or not params.keys() <= keys:
        return False
    name, field_id = params.get("name"), params.get("id")
    if not _is_text(name) or name == "" or not _optional_text(field_id) or not _one_line(field_id or name):
        return False
    label = params.get("label")
    if type(label) is not dict or not label.keys() <= _LABEL_KEYS:
        return False
    text, classes, heading = label.get("text"), label.get("classes"), label.get("isPageHeading")
    return (_is_text(text) and text != "" and _one_line(text) and _optional_text(classes) and _one_line(classes or "")
            and (heading is None or type(heading) is bool)
            and _message_fits(params.get("hint")) and _message_fits(params.get("errorMessage")))


def _field_top(params: dict) -> tuple[str, Markup, list[str]]:
    """The form group's opening, label, hint and error message; the field's (escaped) id; its aria-describedby."""
    field_id = escape(params.get("id") or params["name"])
    label = params["label"]
    label_classes = f" {escape(label['classes'])}" if label.get("classes") else ""
    error = params.get("errorMessage")
    parts = ['<div class="govuk-form-group govuk-form-group--error">\n' if error else
             '<div class="govuk-form-group">\n']
    if label.get("isPageHeading"):
        parts.append(f'  <h1 class="govuk-label-wrapper">\n    <label class="govuk-label{label_classes}" '
                     f'for="{field_id}">\n      {escape(label["text"])}\n    </label>\n  </h1>\n')
    else:
        parts.append(f'  <label class="govuk-label{label_classes}" for="{field_id}">\n'
                     f'    {escape(label["text"])}\n  </label>\n')
    described_by = []
    hint = params.get("hint")
    if hint:
        described_by.append(f"{field_id}-hint")
        parts.append(f'  <div id="{field_id}-hint" class="govuk-hint">\n    {escape(hint["text"])}\n  </div>\n')
    if error:
        described_by.append(f"{field_id}-error")
        parts.append(f'  <p id="{field_id}-error" class="govuk-error-message">\n'
                     f'    <span class="govuk-visually-hidden">Error:</span> {escape(error["text"])}\n  </p>\n')
    return "".join(parts), field_id, described_by


def _input_fits(params: Any) -> bool:
    """Whether ``params`` uses only what ``text_input`` draws itself."""
    if not _field_fits(params, _INPUT_KEYS):
        return False
    value, spellcheck = params.get("value"), params.get("spellcheck")
    return (params.get("prefix") is None and params.get("suffix") is None
            and (value is None or type(value) in (str, Markup, int))
            and (spellcheck is None or type(spellcheck) is bool)
            and all(_optional_text(params.get(key)) for key in ("type", "classes", "autocomplete", "inputmode")))


def text_input(params: dict) -> Markup:
    """``govukInput(params)``, byte for byte; drawn in Python for templates/macros/forms.html's text inputs."""
    if not _input_fits(params):
        return _render_macro("input", "govukInput", params)
    top, field_id, described_by = _field_top(params)
    classes = f" {escape(params['classes'])}" if params.get("classes") else ""
    error = " govuk-input--error" if params.get("errorMessage") else ""
    attributes = [f'<input class="govuk-input{classes}{error}" id="{field_id}" name="{escape(params["name"])}" '
                  f'type="{escape(params.get("type") or "text")}"']
    spellcheck, value = params.get("spellcheck"), params.get("value")
    if spellcheck is not None:
        attributes.append(' spellcheck="true"' if spellcheck else ' spellcheck="false"')
    if value is not None:
        attributes.append(f' value="{escape(value)}"')
    if described_by:
        attributes.append(f' aria-describedby="{" ".join(described_by)}"')
    for key in ("autocomplete", "inputmode"):
        if params.get(key) is not None:
            attributes.append(f' {key}="{escape(params[key])}"')
    return Markup(f'{top}  {"".join(attributes)}>\n</div>\n')  # noqa: S704 - every value above is escaped


def _select_fits(params: Any) -> bool:
    """Whether ``params`` uses only what ``select`` draws itself."""
    if not _field_fits(params, _SELECT_KEYS):
        return False
    items = params.get("items")
    return type(items) is list and all(
        type(item) is dict and {"value", "text"} <= item.keys() <= _OPTION_KEYS
        and type(item["value"]) in (str, Markup, int) and _is_text(item["text"])
        and (item.get("selected") is None or type(item["selected"]) is bool)
        for item in items)


def select(params: dict) -> Markup:
    """``govukSelect(params)``, byte for byte; drawn in Python for forms.html's selects and the search sort."""
    if not _select_fits(params):
        return _render_macro("select", "govukSelect", params)
    top, field_id, described_by = _field_top(params)
    error = " govuk-select--error" if params.get("errorMessage") else ""
    described = f' aria-describedby="{" ".join(described_by)}"' if described_by else ""
    parts = [top, f'  <select class="govuk-select{error}" id="{field_id}" name="{escape(params["name"])}"'
                  f'{described}>\n']
    for item in params["items"]:
        selected = " selected" if item.get("selected") else ""
        parts.append(f'        <option value="{escape(item["value"])}"{selected}>{escape(item["text"])}</option>\n')
    parts.append("  </select>\n</div>\n")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


class _Cache:
    def __init__(self) -> None:
        self.items: OrderedDict[tuple[str, str], Markup] = OrderedDict()
        self.lock = threading.Lock()


def component(name: str, params: dict[str, Any]) -> Markup:
    """A GOV.UK component's HTML, rendered by its macro once per distinct ``params`` (which must be JSON)."""
    macro = CACHED_COMPONENTS[name]
    cache: _Cache = current_app.extensions["govuk_component_cache"]
    key = (name, json.dumps(params, sort_keys=True, default=str))
    with cache.lock:
        found = cache.items.get(key)
        if found is not None:
            cache.items.move_to_end(key)
            return found
    html = _render_macro(name, macro, params)
    with cache.lock:
        cache.items[key] = html
        while len(cache.items) > MAX_CACHED:
            cache.items.popitem(last=False)
    return html


def init_app(app: Flask) -> None:
    app.extensions["govuk_component_cache"] = _Cache()
    app.add_template_global(checkboxes, "checkboxes")
    app.add_template_global(text_input, "text_input")
    app.add_template_global(select, "select_menu")  # "select" is forms.html's macro
    app.add_template_global(component, "component")
