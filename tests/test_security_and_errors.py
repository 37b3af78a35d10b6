"""Security headers, content from this host only, CSRF, error pages, health and readiness."""
from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.accounts.roles import Role
from tests.html import h1, page

PUBLIC_PAGES = ["/", "/sign-in", "/register", "/forgot-password", "/accessibility", "/privacy", "/cookies"]
SIGNED_IN_PAGES = ["/dashboard", "/account", "/account/password", "/account/tokens/new"]


def assert_security_headers(response, signed_in: bool):
    h = response.headers
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert h["Strict-Transport-Security"].startswith("max-age=")
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if signed_in:
        assert h["Cache-Control"] == "no-store"


def assert_only_this_host(response):
    """Nothing on the page is loaded from, or posts to, another host."""
    soup = page(response)
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("form", "action"),
                      ("source", "src")):
        for element in soup.find_all(tag):
            value = element.get(attr) or ""
            assert not re.match(r"^(https?:)?//", value), f"<{tag} {attr}={value}> loads from another host"
    inline_scripts = [s for s in soup.find_all("script") if not s.get("src")]
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert all(s.get("nonce") == nonce for s in inline_scripts)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_secure_and_self_contained(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response, signed_in=False)
    assert_only_this_host(response)
    for link in ("Accessibility statement", "Privacy notice", "Cookies"):
        assert link in page(response).find("footer").get_text()


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_are_secure_self_contained_and_not_cached(client, login_as, path):
    login_as(Role.PROVIDER)
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response, signed_in=True)
    assert_only_this_host(response)


def test_the_csp_nonce_changes_on_every_response(client, db):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_navigation_matches_the_role(client, login_as):
    login_as(Role.ADMIN)
    nav = page(client.get("/dashboard")).select_one(".govuk-service-navigation").get_text(" ", strip=True)
    assert "Administration" in nav
    client.post("/sign-out")
    login_as(Role.EMPLOYER)
    nav = page(client.get("/dashboard")).select_one(".govuk-service-navigation").get_text(" ", strip=True)
    assert "Administration" not in nav


def post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            yield rule


def test_every_form_post_without_a_csrf_token_is_refused(app, client, db, csrf_on):
    rules = list(post_routes(app))
    assert len(rules) >= 10
    for rule in rules:
        url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x", rule.rule)
        response = client.post(url, data={"email": "a@example.org"})
        assert response.status_code == 400, rule.rule
        assert "This form has expired or was not sent from this site" in response.get_data(as_text=True)


def test_a_form_with_its_csrf_token_is_accepted(client, make, csrf_on):
    user = make.user(role=Role.PROVIDER)
    token = page(client.get("/sign-in")).find("input", {"name": "csrf_token"})["value"]
    response = client.post("/sign-in", data={"email": user.email, "password": "correct horse battery staple",
                                             "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("status, heading", [
    (400, "There is a problem with your request"), (403, "You do not have permission to see this page"),
    (404, "Page not found"), (409, "Someone else changed this"), (413, "The file or form you sent is too large"),
    (429, "Too many attempts"), (500, "Sorry, there is a problem with the service"),
    (503, "Sorry, the service is unavailable"),
])
def test_every_error_has_a_gov_uk_error_page(app, client, db, status, heading):
    from werkzeug.exceptions import default_exceptions

    from portal.errors import Conflict

    def fail():
        if status == 409:
            raise Conflict()
        if status == 500:
            raise RuntimeError("boom")
        raise default_exceptions[status]()

    original = app.view_functions["main.cookies"]
    app.view_functions["main.cookies"] = fail
    try:
        response = client.get("/cookies")
    finally:
        app.view_functions["main.cookies"] = original
    assert response.status_code == status
    assert h1(response) == heading
    assert "boom" not in response.get_data(as_text=True)


def test_oversized_bodies_get_413(client, db):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x" * (13 * 1024 * 1024)})
    assert response.status_code == 413
    assert h1(response) == "The file or form you sent is too large"


def test_healthz_and_readyz_answer_when_all_is_well(client, db):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def _other_app(tmp_path, url, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                       "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, "WTF_CSRF_ENABLED": False,
                       "SEARCH_SQLITE_PATH": str(tmp_path / "search.sqlite3"), **config})


def test_readyz_says_when_migrations_are_not_at_head(tmp_path):
    response = _other_app(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}").test_client().get("/readyz")
    assert response.status_code == 503
    assert "migrations" in response.get_json()["problems"]


def test_when_the_database_is_away_pages_say_so_with_503(tmp_path):
    app = _other_app(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "database" in ready.get_json()["problems"]
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "whatever it is"})
    assert response.status_code == 503
    assert h1(response) == "Sorry, the service is unavailable"


def test_readyz_does_not_depend_on_the_search_engine(tmp_path):
    """Readiness is what the process itself needs (its database): search health is for the status page."""
    app = _other_app(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}", MEILI_URL="http://127.0.0.1:9")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503  # the database has no tables yet
    assert "search" not in response.get_json()["problems"]
