"""The production profile (PORTAL_ENV=production), the contract the other fixes of issue #12 rely on: the portal
refuses to start without SECRET_KEY, BASE_URL, DATABASE_URL and REDIS_URL; cookies are Secure; SERVER_NAME and
the URL scheme come from BASE_URL; PROXY_HOPS=N trusts N proxies' X-Forwarded-For and -Proto, nothing else does."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import create_app
from portal.config import PRODUCTION_REQUIRED

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "a production secret", "BASE_URL": "https://portal.example.gov.uk",
              "DATABASE_URL": "sqlite:///{instance}/portal.sqlite3", "REDIS_URL": "redis://127.0.0.1:6379/1"}


def _environment(tmp_path, **changes) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION and key != "PROXY_HOPS"}
    env.update({key: value.format(instance=tmp_path) for key, value in PRODUCTION.items()})
    env["INSTANCE_PATH"] = str(tmp_path)
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


@pytest.mark.parametrize("missing", PRODUCTION_REQUIRED)
def test_the_portal_refuses_to_start_without_each_required_variable(tmp_path, missing):
    env = _environment(tmp_path, **{missing: None})
    result = subprocess.run([sys.executable, "-c", "from portal import create_app; create_app()"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"PORTAL_ENV=production needs {missing} to be set" in result.stderr
    assert "Traceback" not in result.stderr  # a message for the operator, not a stack trace


def test_the_portal_refuses_a_plain_http_base_url_in_production(tmp_path):
    env = _environment(tmp_path, BASE_URL="http://127.0.0.1:8080")
    result = subprocess.run([sys.executable, "-c", "from portal import create_app; create_app()"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "PORTAL_ENV=production needs BASE_URL to be an https:// address, not 'http://127.0.0.1:8080'" \
        in result.stderr
    assert "Traceback" not in result.stderr


def test_the_portal_starts_when_everything_is_set(tmp_path):
    env = _environment(tmp_path)
    result = subprocess.run([sys.executable, "-c", "from portal import create_app; app = create_app(); "
                             "print(app.config['SERVER_NAME'], app.config['PREFERRED_URL_SCHEME'], "
                             "app.config['SESSION_COOKIE_SECURE'])"],
                            env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.example.gov.uk", "https", "True"]


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    for key, value in _environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'p.sqlite3'}").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")  # the profile wins over this
    monkeypatch.setenv("PROXY_HOPS", "1")

    def make(**overrides):
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                          **overrides})

        @app.route("/_where")
        def where():
            from flask import request

            return f"{request.remote_addr} {request.scheme} {request.host}"

        return app

    return make


def test_cookies_are_secure_and_urls_come_from_base_url(production_app):
    app = production_app(WTF_CSRF_ENABLED=True)  # the sign-in form's CSRF token goes in the session cookie
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://portal.example.gov.uk")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
    with app.app_context():
        from flask import url_for

        assert url_for("accounts.sign_in", _external=True) == "https://portal.example.gov.uk/sign-in"


def test_proxy_hops_trusts_that_many_proxies_for_address_and_scheme_only(production_app):
    client = production_app().test_client()
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.5", "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "attacker.example"}
    response = client.get("/_where", base_url="http://portal.example.gov.uk", headers=headers)
    # one hop: the address the nearest proxy saw, the scheme it was reached by, and never its Host claim
    assert response.get_data(as_text=True) == "203.0.113.5 https portal.example.gov.uk"


def test_without_proxy_hops_forwarded_headers_are_ignored(production_app, monkeypatch):
    monkeypatch.setenv("PROXY_HOPS", "0")
    client = production_app().test_client()
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    response = client.get("/_where", base_url="http://portal.example.gov.uk", headers=headers,
                          environ_base={"REMOTE_ADDR": "10.0.0.3"})
    assert response.get_data(as_text=True) == "10.0.0.3 http portal.example.gov.uk"


def test_an_unknown_host_is_refused_in_production(production_app):
    client = production_app().test_client()
    assert client.get("/sign-in", base_url="https://attacker.example").status_code == 400
    assert client.get("/sign-in", base_url="https://portal.example.gov.uk").status_code == 200
