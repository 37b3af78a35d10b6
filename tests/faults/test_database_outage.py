"""The database stops in the middle of a run: people get a clear 503 page, /readyz says the database is the
problem, the portal recovers by itself when the database is back, and no half-written record remains.

A private PostgreSQL cluster (so stopping it breaks nothing else) behind the portal under gunicorn, with
organisations registering the whole time: a registration writes an organisation, a user, a membership, an
audit event and an email in one transaction, so a torn write would show as one without the others."""
from __future__ import annotations

import itertools
import threading
import time

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

from tests.faults import servers

pytestmark = [pytest.mark.faults, pytest.mark.skipif(servers.postgres_unavailable() is not None,
                                                     reason=servers.postgres_unavailable() or "")]
_names = itertools.count(1)


def _register(base: str) -> int:
    browser = requests.Session()
    form = browser.get(f"{base}/register", timeout=30)
    token = BeautifulSoup(form.text, "html.parser").find("input", {"name": "csrf_token"})["value"]
    n = next(_names)
    response = browser.post(f"{base}/register", timeout=30, allow_redirects=False, data={
        "csrf_token": token, "organisation_name": f"Outage Test Trust {n}", "kind": "provider",
        "sector": "voluntary-community", "regions": ["north-east"], "name": f"Pat Example {n}",
        "email": f"pat{n}@example.org", "password": "kettle lantern orchard quietly"})
    return response.status_code


def test_the_portal_survives_the_database_stopping_and_loses_nothing(tmp_path):
    with servers.private_postgres() as pg:
        env = servers.portal_env(tmp_path / "instance", pg.url)
        servers.flask(env, "db", "upgrade")
        with servers.gunicorn(env, workers=2, log=tmp_path / "gunicorn.log") as base:
            assert [_register(base) for _ in range(3)] == [302, 302, 302]

            # Registrations keep arriving while the database goes away and comes back
            statuses: list[int | str] = []
            stop = threading.Event()

            def keep_registering():
                while not stop.is_set():
                    try:
                        statuses.append(_register(base))
                    except requests.RequestException as exc:
                        statuses.append(type(exc).__name__)

            writer = threading.Thread(target=keep_registering)
            writer.start()
            time.sleep(1)
            pg.stop("immediate")
            try:
                down = requests.get(f"{base}/readyz", timeout=30)
                assert down.status_code == 503
                assert "database" in down.json()["problems"]
                page = requests.post(f"{base}/register", timeout=30)  # a form post that needs the database
                assert page.status_code in (400, 503)  # no CSRF token: refused before or at the database
                account = requests.get(f"{base}/organisations/anything", timeout=30)
                assert account.status_code == 503
                assert "Sorry, the service is unavailable" in account.text
                assert "Traceback" not in account.text and "OperationalError" not in account.text
                time.sleep(1)
            finally:
                pg.start()

            deadline = time.monotonic() + 30  # recovers on its own: nobody restarts the portal
            while (ready := requests.get(f"{base}/readyz", timeout=30)).status_code != 200:
                assert time.monotonic() < deadline, f"the portal did not recover: {ready.text}"
                time.sleep(0.5)
            time.sleep(1)
            stop.set()
            writer.join(60)
            assert [_register(base) for _ in range(2)] == [302, 302]

        # Registrations that met the outage got the 503 page (how many did depends on the machine's speed)
        assert set(statuses) <= {302, 503, 400}, statuses  # never a 500
        log = (tmp_path / "gunicorn.log").read_text()
        assert "Outage Test Trust" not in log and "pat1@example.org" not in log  # no personal data in logs

        # Every registration that was written is whole; every one that reported success was written
        engine = create_engine(pg.url)
        with engine.connect() as connection:
            organisations = connection.execute(text(
                "SELECT name FROM organisations WHERE name LIKE 'Outage Test Trust %'")).scalars().all()
            torn = connection.execute(text("""
                SELECT o.name FROM organisations o
                LEFT JOIN memberships m ON m.organisation_id = o.id
                LEFT JOIN users u ON u.id = m.user_id
                WHERE o.name LIKE 'Outage Test Trust %' AND (m.id IS NULL OR u.id IS NULL)
                   OR NOT EXISTS (SELECT 1 FROM outbox_messages x WHERE x.topic = 'email'
                                  AND CAST(x.payload AS TEXT) LIKE '%' || u.email || '%')""")).scalars().all()
        engine.dispose()
        assert not torn, f"half-written registrations: {torn}"
        assert len(organisations) == 3 + statuses.count(302) + 2
