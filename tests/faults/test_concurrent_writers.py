"""Many people writing at once to the embedded SQLite default, served by several gunicorn workers: every write
lands and nobody sees an error page. (Transactions begin IMMEDIATE, so writers queue for SQLite's one write
lock instead of failing with "database is locked" when a read transaction later needs to write; and an error
page after a failed write rolls the session back first, so it cannot turn into a 500.)"""
from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

from tests.faults import servers

pytestmark = pytest.mark.faults
_names = itertools.count(1)


def _register(base: str) -> int:
    browser = requests.Session()
    form = browser.get(f"{base}/register", timeout=60)
    token = BeautifulSoup(form.text, "html.parser").find("input", {"name": "csrf_token"})["value"]
    n = next(_names)
    return browser.post(f"{base}/register", timeout=60, allow_redirects=False, data={
        "csrf_token": token, "organisation_name": f"Busy Day Trust {n}", "kind": "provider",
        "sector": "voluntary-community", "regions": ["north-east"], "name": f"Sam Example {n}",
        "email": f"sam{n}@example.org", "password": "kettle lantern orchard quietly"}).status_code


def test_concurrent_registrations_on_sqlite_all_land(tmp_path):
    database = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    env = servers.portal_env(tmp_path / "instance", database, RATELIMIT_ENABLED="false")
    servers.flask(env, "db", "upgrade")
    with servers.gunicorn(env, workers=3, log=tmp_path / "gunicorn.log") as base:
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: _register(base), range(36)))
    assert statuses == [302] * 36, statuses
    engine = create_engine(database)
    with engine.connect() as connection:
        written = connection.execute(text(
            "SELECT count(*) FROM organisations WHERE name LIKE 'Busy Day Trust %'")).scalar()
    engine.dispose()
    assert written == 36
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
