"""A gunicorn worker is killed (SIGKILL) in the middle of a request that writes: the person gets a failed request
they can simply retry, the master starts a new worker, the other worker answers all the while, and the
half-done transaction leaves nothing behind.

The request is a registration, which writes an organisation, a user and a membership, then an audit event and
an email in the outbox, in one transaction. To stop it deterministically in the middle, the test holds a SHARE
lock on `outbox_messages` (reads still go through, inserts wait): the registration inserts its organisation,
user and membership, then waits on the lock. The test sees that in PostgreSQL (the backend waiting on the lock
already holds row-exclusive locks on organisations, users and memberships: those rows are written, uncommitted),
finds the worker owning that database connection, and kills it. A private PostgreSQL cluster, so nothing else on
the machine is touched."""
from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, text

from tests.faults import servers

pytestmark = [pytest.mark.faults, pytest.mark.skipif(servers.postgres_unavailable() is not None,
                                                     reason=servers.postgres_unavailable() or "")]


def _register(base: str, n: int) -> int:
    browser = requests.Session()
    form = browser.get(f"{base}/register", timeout=30)
    token = BeautifulSoup(form.text, "html.parser").find("input", {"name": "csrf_token"})["value"]
    response = browser.post(f"{base}/register", timeout=60, allow_redirects=False, data={
        "csrf_token": token, "organisation_name": f"Killed Worker Trust {n}", "kind": "provider",
        "sector": "voluntary-community", "regions": ["north-east"], "name": f"Sam Example {n}",
        "email": f"sam{n}@example.org", "password": "kettle lantern orchard quietly"})
    return response.status_code


def _workers(master: int) -> set[int]:
    return {child.pid for child in psutil.Process(master).children()}


def _owner_of_port(pids: set[int], port: int) -> int:
    """The process whose TCP socket has this local port (the worker's connection to PostgreSQL)."""
    for pid in pids:
        if any(c.laddr and c.laddr.port == port for c in psutil.Process(pid).net_connections(kind="tcp")):
            return pid
    raise AssertionError(f"no worker owns local port {port}")


def _rows(connection, n: int) -> dict[str, int]:
    counts = {
        "organisations": "SELECT count(*) FROM organisations WHERE name = :name",
        "users": "SELECT count(*) FROM users WHERE email = :email",
        "memberships": "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = :email",
        "emails": "SELECT count(*) FROM outbox_messages WHERE CAST(payload AS TEXT) LIKE '%' || :email || '%'",
        "audit": "SELECT count(*) FROM audit_events a JOIN organisations o ON o.public_id = a.object_id "
                 "WHERE o.name = :name",
    }
    params = {"name": f"Killed Worker Trust {n}", "email": f"sam{n}@example.org"}
    return {table: connection.execute(text(sql), params).scalar() for table, sql in counts.items()}


def test_a_worker_killed_mid_write_leaves_no_half_written_record(tmp_path):
    with servers.private_postgres() as pg:
        env = servers.portal_env(tmp_path / "instance", pg.url)
        servers.flask(env, "db", "upgrade")
        engine = create_engine(pg.url)
        with servers.gunicorn_server(env, workers=2, log=tmp_path / "gunicorn.log") as (base, master):
            assert _register(base, 1) == 302
            before = _workers(master.pid)
            assert len(before) == 2

            blocker = engine.connect()
            blocker.execute(text("LOCK TABLE outbox_messages IN SHARE MODE"))  # held until rollback
            outcome: list[object] = []
            request = threading.Thread(target=lambda: outcome.append(_safely(_register, base, 2)))
            request.start()
            try:
                with engine.connect() as watcher:
                    deadline = time.monotonic() + 30
                    while (waiting := watcher.execute(text(
                            "SELECT pid, client_port FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE 'INSERT INTO outbox_messages%'")).first()) is None:
                        assert time.monotonic() < deadline, "the registration never reached the outbox insert"
                        watcher.rollback()  # pg_stat_activity is a snapshot per transaction
                        time.sleep(0.05)
                    written = set(watcher.execute(text(
                        "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = :pid AND l.mode = 'RowExclusiveLock' AND l.granted"),
                        {"pid": waiting.pid}).scalars())
                    assert {"organisations", "users", "memberships"} <= written  # mid-write: rows in, uncommitted

                    worker = _owner_of_port(before, waiting.client_port)
                    os.kill(worker, signal.SIGKILL)
                    # The other worker answers meanwhile (reads of the locked table included)
                    assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
                    assert requests.get(f"{base}/register", timeout=10).status_code == 200
                    request.join(30)
            finally:
                blocker.rollback()
                blocker.close()

            assert outcome and isinstance(outcome[0], requests.ConnectionError), outcome  # retryable: no reply
            deadline = time.monotonic() + 30
            while len(after := _workers(master.pid)) != 2 or worker in after:
                assert time.monotonic() < deadline, f"the master did not replace worker {worker}: {after}"
                time.sleep(0.1)
            assert after - before  # a new worker
            # Nothing of the killed request remains, once PostgreSQL has ended its orphaned transaction
            with engine.connect() as connection:
                deadline = time.monotonic() + 30
                while connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": waiting.pid}).scalar():
                    assert time.monotonic() < deadline, "the killed worker's database session never ended"
                    connection.rollback()
                    time.sleep(0.1)
                assert _rows(connection, 2) == dict.fromkeys(_rows(connection, 2), 0)

            # The person retries: it works, once; and the portal goes on answering on both workers
            assert _register(base, 2) == 302
            assert [requests.get(f"{base}/register", timeout=10).status_code for _ in range(4)] == [200] * 4
            with engine.connect() as connection:
                assert _rows(connection, 2) == {"organisations": 1, "users": 1, "memberships": 1, "emails": 1,
                                                "audit": 1}
                assert connection.execute(text(
                    "SELECT count(*) FROM organisations WHERE name LIKE 'Killed Worker Trust %'")).scalar() == 2
        engine.dispose()


def _safely(fn, *args):
    try:
        return fn(*args)
    except requests.RequestException as exc:
        return exc
