"""GOV.UK components drawn faster, with exactly the HTML of the GOV.UK Frontend Jinja macros.

Rendering a GOV.UK macro goes through several nested macros per item (label, hint, attributes, fieldset): on the
search page about sixty facet checkboxes took two thirds of the page's rendering time, and the header, service
navigation, phase banner and footer cost 3 to 5 ms on every page although their HTML rarely changes. Two helpers,
both template globals:

- ``checkboxes(params)``: the ``govukCheckboxes`` HTML built in Python for the parameters the portal's facets
  use (id prefix, name, classes, a legend, items with value, text and checked); any other parameter hands the
  call to the GOV.UK macro itself, so nothing can be drawn differently.
- ``component(name, params)``: a GOV.UK component rendered once per distinct ``params`` by its own macro and
  kept (at most ``MAX_CACHED`` per application). Only for components whose parameters hold nothing personal
  (header, service navigation, phase banner, footer).

``tests/test_components.py`` compares both with the GOV.UK macros' output, byte for byte.
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
    app.add_template_global(component, "component")
