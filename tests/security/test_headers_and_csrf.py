"""Security headers on every response of every URL rule, and CSRF on every state-changing rule.

tests/test_security_and_errors.py checks a handful of pages and POSTs without a token anonymously; this walks the
whole URL map instead: every GET rule (objects built as in the authorisation matrix) anonymously and signed in,
and every POST, PUT, PATCH and DELETE rule without a token, signed in (as a forged request would come), with the
CSRF exemptions named and each one shown to be safe without a token.
"""
from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, Role
from portal.extensions import csrf
from tests import factories
from tests.test_authorisation_matrix import MATRIX

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The only routes a request may change state on without a CSRF token, and why that is safe.
CSRF_EXEMPT_VIEWS = {
    "portal.funding.views.stripe_webhook",  # Stripe signs the raw body; nothing else is trusted
    "portal.main.views.healthz",  # GET only: it changes nothing
}
CSRF_EXEMPT_BLUEPRINTS = {
    "api",  # /api/v1 reads only `Authorization: Bearer`, never the session cookie
    "oruk",  # the public Open Referral UK feed: GET only, it changes nothing
}
# The one page that may load anything from another host: Stripe's Payment Element (see portal/funding/payments.py).
STRIPE_PAGE = "funding.pay"
STRIPE_HOSTS = {"https://js.stripe.com", "https://hooks.stripe.com"}
# Pages an anonymous visitor reaches that show personal data (a donor's own donation): never cached.
ANONYMOUS_PERSONAL_PAGES = {"funding.receipt", "funding.pay"}
NOT_WALKED = {"static"}  # files: one is checked on its own below


def _signed_in_user():
    return factories.user(role=Role.ADMIN)


def _check(response, endpoint: str, signed_in: bool) -> list[str]:
    """Every problem with this response's security headers."""
    h, problems = response.headers, []
    csp = h.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {directives.get('frame-ancestors')}")
    if directives.get("default-src") == ["'none'"]:  # a download: nothing at all may load (stricter still)
        pass
    elif directives.get("default-src") != ["'self'"] or directives.get("object-src") != ["'none'"]:
        problems.append("default-src 'self' and object-src 'none' are missing")
    allowed_hosts = STRIPE_HOSTS if endpoint == STRIPE_PAGE else set()
    for name, sources in directives.items():
        for source in sources:
            if source.startswith("'") or source in ("data:",):
                if "unsafe" in source:
                    problems.append(f"{name} allows {source}")
                continue
            if source not in allowed_hosts:
                problems.append(f"{name} allows another host: {source}")
    max_age = re.match(r"max-age=(\d+)", h.get("Strict-Transport-Security", ""))
    if not max_age or int(max_age.group(1)) < 31536000:
        problems.append(f"HSTS is {h.get('Strict-Transport-Security')!r}")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if h.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "strict-origin", "same-origin",
                                        "no-referrer"):
        problems.append(f"Referrer-Policy is {h.get('Referrer-Policy')!r}")
    if h.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options is not DENY")
    permissions = h.get("Permissions-Policy", "")
    if not all(f"{feature}=()" in permissions for feature in ("camera", "microphone", "geolocation")):
        problems.append(f"Permissions-Policy is {permissions!r}")
    shows_personal_data = signed_in or (endpoint in ANONYMOUS_PERSONAL_PAGES and response.status_code < 300)
    if shows_personal_data and "no-store" not in h.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {h.get('Cache-Control')!r}, not no-store")
    return [f"{endpoint} {'signed in' if signed_in else 'anonymous'} {response.status_code}: {p}" for p in problems]


def test_every_get_rule_without_arguments_sends_every_security_header(app, client, db):
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments]
    assert len(rules) > 60
    problems, admin = [], _signed_in_user()
    for signed_in in (False, True):
        browser = app.test_client()
        if signed_in:
            factories.sign_in(browser, admin)
        for rule in rules:
            response = browser.get(rule.rule)
            problems += _check(response, rule.endpoint, signed_in)
            if signed_in:  # a sign-out or time-out on the way would make the rest anonymous
                factories.sign_in(browser, admin)
    assert not problems, "\n".join(problems)


def test_every_get_rule_with_an_object_sends_every_security_header(app, db):
    """Each rule with identifiers, built as in the authorisation matrix, asked for by its owner (or, for public
    objects, an administrator) and by an anonymous visitor."""
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    walked, problems = 0, []
    for endpoint, case in sorted(MATRIX.items()):
        if "GET" not in methods[endpoint]:
            continue
        kwargs, owner = case.build()
        with app.test_request_context():
            url = url_for(endpoint, **kwargs)
        for signed_in in (False, True):
            browser, headers = app.test_client(), {}
            if signed_in:
                user = owner or factories.user(role=Role.ADMIN)
                if endpoint.startswith("api."):
                    headers = {"Authorization": f"Bearer {factories.api_token(user)}"}
                else:
                    factories.sign_in(browser, user)
            response = browser.get(url, headers=headers)
            problems += _check(response, endpoint, signed_in or endpoint.startswith("api."))
            walked += 1
    assert walked > 100
    assert not problems, "\n".join(problems)


def test_static_files_send_the_headers_too(client, db):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert not _check(response, "static", signed_in=False)


# --- CSRF ---

def state_changing_rules(app):
    return [(rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods & STATE_CHANGING)]


def _exempt(app, rule) -> bool:
    view = app.view_functions[rule.endpoint]
    blueprint = app.blueprints.get(rule.endpoint.rsplit(".", 1)[0]) if "." in rule.endpoint else None
    return (f"{view.__module__}.{view.__name__}" in CSRF_EXEMPT_VIEWS
            or (blueprint is not None and blueprint.name in CSRF_EXEMPT_BLUEPRINTS))


def test_the_csrf_exemptions_are_exactly_the_signed_webhook_and_the_token_api(app):
    assert csrf._exempt_views == CSRF_EXEMPT_VIEWS
    assert {bp.name for bp in csrf._exempt_blueprints} == CSRF_EXEMPT_BLUEPRINTS
    exempt = {rule.rule for rule, _ in state_changing_rules(app) if _exempt(app, rule)}
    assert "/api/stripe/webhook" in exempt
    assert all(r.startswith("/api/v1/") or r == "/api/stripe/webhook" for r in exempt), exempt


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_every_state_changing_request_without_a_csrf_token_is_refused(app, client, db, csrf_on, signed_in):
    """Every method of every rule that is not exempt, with a cookie (as a forged cross-site request carries)."""
    user = factories.user(role=Role.PROVIDER, org_role=OrgRole.OWNER)
    checked = []
    for rule, method in state_changing_rules(app):
        if _exempt(app, rule):
            continue
        if signed_in:
            factories.sign_in(client, user)
        url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x", rule.rule)
        response = client.open(url, method=method, data={"email": user.email, "name": "x"})
        assert response.status_code == 400, (method, rule.rule, response.status_code)
        assert "This form has expired or was not sent from this site" in response.get_data(as_text=True), rule.rule
        checked.append((method, rule.rule))
    assert len(checked) >= 100
    methods = {method for method, _ in checked}
    assert methods <= STATE_CHANGING


def test_a_token_from_another_session_is_refused(app, client, db, csrf_on):
    from tests.html import page

    other = app.test_client()
    token = page(other.get("/sign-in")).find("input", {"name": "csrf_token"})["value"]
    user = factories.user(role=Role.PROVIDER)
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 400


def test_the_stripe_webhook_needs_no_token_because_it_trusts_only_a_valid_signature(app, client, db, csrf_on,
                                                                                    monkeypatch):
    from portal.funding.models import StripeEvent

    for key, value in (("STRIPE_SECRET_KEY", "sk_test_x"), ("STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
                       ("STRIPE_WEBHOOK_SECRET", "whsec_x"), ("STRIPE_API_BASE", "http://127.0.0.1:9")):
        monkeypatch.setitem(app.config, key, value)
    forged = b'{"id": "evt_forged", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_x"}}}'
    for signature in ("", "t=1,v1=" + "0" * 64):
        response = client.post("/api/stripe/webhook", data=forged, content_type="application/json",
                               headers={"Stripe-Signature": signature})
        assert response.status_code == 400  # refused for the signature, not for a missing CSRF token
        assert "This form has expired" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_a_session_cookie_opens_no_api_route_so_the_api_needs_no_csrf_token(app, client, db):
    """Every /api/v1 rule, every method, signed in with a cookie but no bearer token: 401, and nothing changes."""
    from portal.referrals.models import Referral

    user = factories.user(role=Role.OFFENDER_MANAGER)
    service = factories.referrable_service()
    factories.sign_in(client, user)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        url = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={"service_id": service.uuid, "answers": {}})
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 12
    assert client.get("/dashboard").status_code == 200  # the cookie itself was good
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
