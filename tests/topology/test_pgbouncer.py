"""The portal through PgBouncer in transaction mode (Debian's pgbouncer, started here on a free loopback port in
front of the local PostgreSQL, trust authentication, a database of its own): migrations, demo data, a sign-in, a
referral drafted and sent through the API on a gunicorn server, the outbox relay delivering its email, and an
operator's hand run of a scheduled job skipping while the job's lock is held. Marked `topology` (`make topology`,
and the SQLite pass of `make test`); skipped, naming what is missing, without pgbouncer or PostgreSQL.

In transaction mode each transaction may run on a different server connection, so:
- the portal prepares no statements (DATABASE_PGBOUNCER=true sets psycopg's prepare_threshold=None): a statement
  prepared on one server connection does not exist on the next (proved below with psycopg's default);
- the relay cannot LISTEN (the LISTEN lands on whichever server connection the pool lends): with
  DATABASE_PGBOUNCER it polls every second instead;
- the scheduler's advisory lock is transaction-level, held by an open transaction (which keeps its server
  connection), so it holds through PgBouncer and is never left behind on a pooled connection.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path

import psycopg
import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from portal import config as portal_config
from portal.scheduler import _lock_key
from tests.topology import shape as topology

pytestmark = [pytest.mark.topology, pytest.mark.timeout(600)]  # one worker runs them all (tests/conftest.py)
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
PASSWORD = "resettle-demo-2026"


def _pgbouncer_config(work: Path, port: int, database: str) -> Path:
    (work / "userlist.txt").write_text('"postgres" ""\n')
    (work / "pgbouncer.ini").write_text(f"""[databases]
{database} = host=127.0.0.1 port=5432 dbname={database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work}/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
server_round_robin = 0
ignore_startup_parameters = extra_float_digits
""")
    for path in (work, work / "userlist.txt", work / "pgbouncer.ini"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return work / "pgbouncer.ini"


@pytest.fixture(scope="module")
def bouncer():
    """PgBouncer in transaction mode in front of a database of its own; yields (its URL, PostgreSQL's URL)."""
    if not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; `make pgbouncer` installs it)")
    if not topology.answers("127.0.0.1", 5432):
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    work = Path(tempfile.mkdtemp(prefix="rpp-pgbouncer-"))  # readable by the postgres user pgbouncer runs as
    try:
        with topology._database() as direct_url:
            name = make_url(direct_url).database
            port = topology.free_port()
            ini = _pgbouncer_config(work, port, name)
            user = ["-u", "postgres"] if os.geteuid() == 0 else []  # pgbouncer refuses to run as root
            process = topology._spawn([PGBOUNCER, *user, str(ini)], os.environ.copy(), work / "pgbouncer.log")
            try:
                deadline = time.monotonic() + 30
                while not topology.answers("127.0.0.1", port):
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"pgbouncer did not start: {(work / 'pgbouncer.log').read_text()[-2000:]}")
                    time.sleep(0.2)
                yield make_url(direct_url).set(port=port).render_as_string(hide_password=False), direct_url
            finally:
                topology._stop(process)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_pgbouncer_pools_in_transaction_mode(bouncer):
    bouncer_url, _ = bouncer
    port = str(make_url(bouncer_url).port)
    shown = subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "pgbouncer", "-At",
                            "-c", "SHOW CONFIG"], capture_output=True, text=True, timeout=30)
    assert shown.returncode == 0, shown.stderr
    assert "pool_mode|transaction" in shown.stdout


def _interleave(connect) -> None:
    """A statement run often enough to be prepared on one server connection, then run again after another
    client's transaction has handed a different server connection back to the pool (PgBouncer lends the most
    recently used one first), so the statement now runs on a server connection that never prepared it."""
    holder, worker = connect(), connect()
    try:
        holder.execute(text("SELECT 1"))  # another web worker, mid-transaction: its server connection is busy
        for n in range(8):  # psycopg prepares a statement after its fifth run
            assert worker.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": n}).scalar() == n + 1
            worker.commit()
        holder.commit()  # its server connection, which never prepared the statement, goes back first in line
        assert worker.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": 41}).scalar() == 42
        worker.commit()
    finally:
        holder.close()
        worker.close()


def test_the_portal_prepares_no_statements_so_pgbouncer_may_lend_it_any_server_connection(bouncer, monkeypatch):
    bouncer_url, _ = bouncer
    plain = create_engine(bouncer_url, poolclass=NullPool)  # psycopg's default: prepared after 5 runs
    try:
        with pytest.raises(Exception, match="prepared statement"):
            _interleave(plain.connect)
    finally:
        plain.dispose()
    monkeypatch.setenv("DATABASE_URL", bouncer_url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    portal = create_engine(bouncer_url, **portal_config._pool_options())  # what the portal's engine gets
    try:
        _interleave(portal.connect)
    finally:
        portal.dispose()


@pytest.fixture(scope="module")
def portal(bouncer):
    """Migrated and seeded through PgBouncer; one gunicorn server (2 workers) and one relay, both through it."""
    bouncer_url, direct_url = bouncer
    work = Path(tempfile.mkdtemp(prefix="rpp-pgbouncer-portal-"))
    port = topology.free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))},
           "FLASK_APP": "app", "DATABASE_URL": bouncer_url, "DATABASE_PGBOUNCER": "true",
           "DATABASE_POOL_SIZE": "2", "DATABASE_MAX_OVERFLOW": "2", "SECRET_KEY": "pgbouncer-test-secret-key",
           "BASE_URL": f"http://127.0.0.1:{port}", "INSTANCE_PATH": str(work / "instance"),
           "MAIL_DIRECTORY": str(work / "mail"), "SEARCH_SQLITE_PATH": str(work / "search.sqlite3")}
    for key in ("MEILI_URL", "MEILI_KEY", "REDIS_URL", "STORAGE_BACKEND", "PORTAL_ENV"):
        env.pop(key, None)
    shape = topology.Shape(work=work, env=env, database_url=direct_url, base_url=env["BASE_URL"],
                           proxy_url=env["BASE_URL"], meili=None)
    shape.flask("db", "upgrade")
    shape.flask("seed", "--demo", "--services", str(topology.DEMO_SERVICES))
    server = topology._spawn([str(topology.BIN / "gunicorn"), "-c", str(topology.ROOT / "deploy" / "gunicorn.conf.py"),
                              "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:app"], env, work / "web.log")
    relay = topology._spawn([str(topology.BIN / "flask"), "outbox", "run"], env, work / "relay.log")
    try:
        topology.wait_for(f"{shape.base_url}/readyz", server, timeout=180)
        yield shape
    finally:
        topology._stop(server)
        topology._stop(relay)
        shutil.rmtree(work, ignore_errors=True)


def test_migrations_ran_through_pgbouncer(portal):
    ready = requests.get(f"{portal.base_url}/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert portal.sql("SELECT count(*) FROM users")[0][0] > 0  # the demo data, seeded through PgBouncer


def test_a_provider_signs_in_and_works_through_pgbouncer(portal):
    browser = requests.Session()
    form = browser.get(f"{portal.base_url}/sign-in", timeout=60)
    token = BeautifulSoup(form.text, "html.parser").find("input", {"name": "csrf_token"})["value"]
    signed_in = browser.post(f"{portal.base_url}/sign-in", timeout=60, allow_redirects=False, data={
        "csrf_token": token, "email": "provider@demo.example.org", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.text[:500]
    pages = [browser.get(f"{portal.base_url}/referrals", timeout=60, allow_redirects=False) for _ in range(10)]
    assert [p.status_code for p in pages] == [200] * 10  # both workers, many transactions, no prepared statement
    assert all("Sign out" in p.text for p in pages)


def test_a_referral_is_drafted_and_sent_through_pgbouncer_and_its_email_delivered_by_the_relay(portal):
    from tests import factories

    token = portal.flask("tokens", "create", "offender.manager@demo.example.org").stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    [(service,)] = portal.sql("SELECT s.uuid FROM referrals r JOIN directory_services s ON s.id = r.service_id "
                              "ORDER BY r.id LIMIT 1")
    answers = {**factories.COMPLETE_ANSWERS, "date_of_birth": "1990-05-17",
               "consent_date": (date.today() - timedelta(days=1)).isoformat()}
    created = requests.post(f"{portal.base_url}/api/v1/referrals", headers=headers, timeout=60,
                            json=json.loads(json.dumps({"service_id": service, "answers": answers}, default=str)))
    assert created.status_code == 201, created.text[:1000]
    sent = requests.post(f"{portal.base_url}/api/v1/referrals/{created.json()['id']}/send", headers=headers,
                         timeout=60)
    assert sent.status_code == 200 and sent.json()["state"] == "sent", sent.text[:1000]
    reference = sent.json()["reference"]
    assert portal.sql("SELECT state FROM referrals WHERE reference = :r", r=reference) == [("sent",)]

    deadline = time.monotonic() + 120  # the relay polls each second through PgBouncer
    subjects: list[str] = []
    while time.monotonic() < deadline:
        subjects = [message_from_bytes(p.read_bytes())["Subject"] for p in portal.mail_dir.glob("*.eml")]
        if any(reference in (s or "") for s in subjects):
            break
        time.sleep(0.5)
    assert any(reference in (s or "") for s in subjects), subjects
    assert portal.sql("SELECT count(*) FROM outbox_messages WHERE processed_at IS NULL AND failed_at IS NULL "
                      "AND topic = 'email'")[0][0] == 0


def test_a_hand_run_through_pgbouncer_skips_while_the_job_is_held_and_leaves_no_lock_behind(portal, bouncer):
    bouncer_url, direct_url = bouncer
    with psycopg.connect(_libpq(bouncer_url), prepare_threshold=None) as scheduler:  # the scheduler, mid-run
        assert scheduler.execute("SELECT pg_try_advisory_xact_lock(%s)", (_lock_key("referrals-remind"),)
                                 ).fetchone()[0] is True
        skipped = portal.flask("referrals", "remind", check=False)
        assert skipped.returncode == 1
        assert "referrals-remind is running now" in skipped.stderr and "nothing was done" in skipped.stderr
        scheduler.rollback()
    ran = portal.flask("referrals", "remind")
    assert re.search(r"Reminders sent: \d+", ran.stdout)
    assert portal.sql("SELECT count(*) FROM scheduled_runs WHERE job = 'referrals-remind' "
                      "AND host LIKE '%(by hand)' AND finished_at IS NOT NULL")[0][0] == 1
    with psycopg.connect(_libpq(direct_url)) as direct:  # no advisory lock left on any server connection
        held = direct.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                              "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchone()[0]
        assert held == 0
