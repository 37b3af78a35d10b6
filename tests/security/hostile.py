"""Hostile input for the tests in tests/security: values no honest person types, the forms of a page read from
its HTML (as a browser or an attacker's script would see them), and the state of the database to compare
before and after a refused request."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from hypothesis import strategies as st
from sqlalchemy import MetaData

from portal import backup
from portal.extensions import db as _db

# Tables a refused request may still write, and why:
# - audit_events: refusals that matter are recorded on purpose (a failed sign-in, a referral page viewed);
# - outbox_messages: a sign-in refused because the address is unconfirmed sends a new confirmation link;
# - api_tokens: each use of a token stores when it was last used;
# - search_gaps: a search that found nothing is counted for administrators (GET searches only).
RECORDS_ATTEMPTS = {"audit_events", "outbox_messages", "api_tokens", "search_gaps"}


@functools.cache
def _tables(also_written: frozenset = frozenset()) -> MetaData:
    import portal.models  # noqa: F401 - every table

    tables = MetaData()
    for table in _db.metadata.sorted_tables:
        if table.name not in RECORDS_ATTEMPTS | also_written:
            table.to_metadata(tables)
    return tables


def state(also_written: frozenset = frozenset()) -> dict:
    """Every table's rows (but those that record attempts, and `also_written`), fingerprinted."""
    return backup.fingerprints(_db.engine, _tables(also_written))


def changed(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def stored_nul_characters() -> list[str]:
    """Tables with a stored text holding a NUL (PostgreSQL refuses them outright: a 500 there, so only SQLite,
    which stores them, needs looking at)."""
    from sqlalchemy import String, Text, func, or_, select

    if _db.engine.dialect.name != "sqlite":
        return []
    found = []
    with _db.engine.connect() as connection:
        for table in _db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns and connection.execute(select(func.count()).select_from(table).where(
                    or_(*(func.instr(c, func.char(0)) > 0 for c in columns)))).scalar():
                found.append(table.name)
    return found


def table_names() -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(_db.engine).get_table_names())


# --- Values ---

HUGE = "A" * 100_000
HOSTILE_TEXT = [
    "", " ", "\t", HUGE, "é" * 20_000, "😀" * 5_000,
    "\x00", "a\x00b", "\r\nBcc: victim@example.com", "name\r\nX-Injected: yes", "line one\nline two",
    "\x1b[31mred\x1b[0m", "\u202eevil", "\ufeffbom", "\u0000\u0001\u0002\u007f\u0085\u2028\u2029",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{7*7}}", "${7*7}",
    "' OR 1=1 --", "\"; DROP TABLE users; --", "%", "_", "\\", "../../../etc/passwd",
    "=HYPERLINK(\"http://evil.example\")", "+44", "@sum(1)",
    "-1", "0", "-0", "1.5", "1e308", "NaN", "Infinity", "99999999999999999999999", "0x10", "١٢٣",
    "31", "30", "29", "2", "13", "0", "99999", "2027-02-31", "31/02/2027", "0000-00-00", "9999-12-31T25:61",
    "true", "null", "[]", "{}", "on",
]


@st.composite
def hostile_text(draw) -> str:
    return draw(st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
        st.integers(min_value=-10**30, max_value=10**30).map(str),
    ))


# --- Forms read from a page ---

@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)   # name -> the page's own values (sent as is)
    options: dict[str, list[str]] = field(default_factory=dict)  # name -> values offered (radios, boxes, selects)
    hidden: dict[str, str] = field(default_factory=dict)         # csrf_token, version...

    @property
    def names(self) -> list[str]:
        return sorted(set(self.fields) | set(self.options))


def forms_of(html: str, page_path: str) -> list[Form]:
    """Each form in the page's main content, with its fields' names and the values the page offers."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for node in (soup.select_one("main") or soup).find_all("form"):
        method = (node.get("method") or "get").lower()
        form = Form(action=node.get("action") or page_path, method=method)
        for element in node.find_all(["input", "select", "textarea", "button"]):
            name = element.get("name")
            if not name:
                continue
            kind = (element.get("type") or "").lower()
            if element.name == "button" or kind in ("submit", "button", "image", "reset"):
                if element.get("value") is not None:
                    form.options.setdefault(name, []).append(element["value"])
                continue
            if kind == "hidden":
                form.hidden[name] = element.get("value", "")
            elif kind in ("radio", "checkbox"):
                form.options.setdefault(name, []).append(element.get("value", "on"))
                if element.has_attr("checked"):
                    form.fields.setdefault(name, []).append(element.get("value", "on"))
            elif element.name == "select":
                values = [o.get("value", o.get_text()) for o in element.find_all("option")]
                form.options.setdefault(name, []).extend(values)
                chosen = [o.get("value", o.get_text()) for o in element.find_all("option") if o.has_attr("selected")]
                form.fields[name] = chosen[:1] or values[:1]
            elif element.name == "textarea":
                form.fields[name] = [element.get_text()]
            elif kind != "file":
                form.fields[name] = [element.get("value", "")]
        found.append(form)
    return found


def the_form(html: str, page_path: str, action: str | None = None, method: str = "post") -> Form:
    """The page's form posting to `action` (by default the one with the most fields)."""
    candidates = [f for f in forms_of(html, page_path) if f.method == method]
    if action is not None:
        candidates = [f for f in candidates if f.action.split("?")[0].endswith(action)]
    assert candidates, f"no {method} form{' to ' + action if action else ''} on {page_path}"
    return max(candidates, key=lambda f: len(f.names))


@st.composite
def submissions(draw, form: Form, overrides: dict | None = None) -> dict[str, list[str]]:
    """What a hostile client sends: each field either as the page left it (or a valid answer we were given),
    one of its offered options, a hostile value, several values at once, or missing. The CSRF token is kept."""
    overrides = overrides or {}
    data: dict[str, list[str]] = {}
    for name, value in form.hidden.items():
        if name == "csrf_token":
            data[name] = [value]
        else:
            data[name] = draw(st.one_of(st.just([value]), st.lists(hostile_text(), min_size=1, max_size=2)))
    for name in form.names:
        baseline = [overrides[name]] if name in overrides and not isinstance(overrides[name], list) \
            else overrides.get(name, form.fields.get(name, []))
        choices = [st.just(baseline), st.lists(hostile_text(), min_size=1, max_size=3), st.just([])]
        if form.options.get(name):
            choices.append(st.lists(st.sampled_from(form.options[name]), min_size=1, max_size=3))
        data[name] = draw(st.one_of(*choices))
    return {name: values for name, values in data.items() if values}


def encode(data: dict[str, list[str]]):
    """For the Werkzeug test client: a MultiDict keeps repeated names."""
    from werkzeug.datastructures import MultiDict

    return MultiDict([(name, value) for name, values in data.items() for value in values])


def csrf_token(response) -> str:
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("input", {"name": "csrf_token"})
    assert found is not None, f"no CSRF token on the page ({response.status_code})"
    return found["value"]


def with_nul_in_every_text_field(form: Form, overrides: dict | None = None) -> dict[str, list[str]]:
    """The page's own answers (or the valid ones given) with a NUL inside every free-text field."""
    overrides = overrides or {}
    data = {name: [value] for name, value in form.hidden.items()}
    for name in form.names:
        value = overrides.get(name, form.fields.get(name, []))
        values = value if isinstance(value, list) else [value]
        data[name] = values if form.options.get(name) else [f"{v[:20]}\x00{v[20:]}" for v in values or [""]]
    return data
