"""Another process holds SQLite's write lock (as a slow writer in another gunicorn worker would): pages that only read
still answer at once, a page whose reading is audited waits for the lock and keeps its audit record, and when the
lock never comes it fails without showing anything (issue #18). No test here measures time: the writer holds the
lock until the reads have answered, or is let go only once the audited read is waiting for it.

Before the fix every request began IMMEDIATE, so each of these reads waited for the lock and answered 503 after
the busy timeout; a plain deferred read would have failed its audit write at once with SQLITE_BUSY."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from portal import sqlite_locking
from portal.audit import AuditEvent
from portal.extensions import db as _db
from tests import factories
from tests.conftest import make_app
from tests.html import h1

pytestmark = pytest.mark.faults

BUSY_TIMEOUT = 5  # seconds a writer waits for the lock in this app: reads must not need it at all

HOLD_THE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our standard input
connection.execute("COMMIT")
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("write-lock")
    return make_app(tmp, f"sqlite:///{tmp / 'portal.sqlite3'}", SQLITE_BUSY_TIMEOUT=BUSY_TIMEOUT)


@pytest.fixture
def client(app):
    with app.app_context():
        yield app.test_client()
        _db.session.remove()


@contextlib.contextmanager
def write_lock_held_elsewhere(app):
    """Another process takes SQLite's write lock and holds it until the block ends."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, path], stdin=subprocess.PIPE,  # noqa: S603
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.stdin.close()
        assert holder.wait(60) == 0


def views_of(referral) -> int:
    _db.session.commit()  # a fresh snapshot: what is committed now
    return _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "referral.viewed", AuditEvent.object_id == referral.public_id))


def test_pages_that_only_read_answer_while_another_process_holds_the_write_lock(app, client):
    service = factories.published_service(name="Harbour Lights Housing Advice")
    _db.session.commit()
    factories.sign_in(client, factories.user(role="offender_manager"))
    with write_lock_held_elsewhere(app):
        home = client.get("/services")
        found = client.get("/services?q=Harbour+Lights")
        detail = client.get(f"/services/{service.uuid}")
    assert [home.status_code, found.status_code, detail.status_code] == [200, 200, 200]
    assert "Harbour Lights Housing Advice" in found.get_data(as_text=True)
    assert h1(detail) == "Harbour Lights Housing Advice"


def test_an_audited_read_waits_for_the_lock_and_keeps_its_audit_record(app, client):
    referral = factories.referral(state="sent")
    factories.sign_in(client, referral.created_by)
    about_to_audit = threading.Event()

    take_lock = sqlite_locking._write_lock_before_first_write

    def watched(connection, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            about_to_audit.set()
        return take_lock(connection, cursor, statement, *args)

    answers = []
    event.remove(Engine, "before_cursor_execute", take_lock)
    event.listen(Engine, "before_cursor_execute", watched)
    try:
        with write_lock_held_elsewhere(app):
            reader = threading.Thread(target=lambda: answers.append(client.get(f"/referrals/{referral.public_id}")))
            reader.start()
            assert about_to_audit.wait(120), "the referral page never wrote its audit record"
            time.sleep(0.3)  # let the reader reach the lock before it is let go (a pause, not a measurement)
        reader.join(120)
    finally:
        event.remove(Engine, "before_cursor_execute", watched)
        event.listen(Engine, "before_cursor_execute", take_lock)
    assert answers and answers[0].status_code == 200
    assert h1(answers[0]) == "Jordan Pemberton-Whitlock"
    assert views_of(referral) == 1


def test_an_audited_read_that_cannot_get_the_lock_fails_and_shows_nothing(app, client):
    referral = factories.referral(state="sent")
    factories.sign_in(client, referral.created_by)
    with write_lock_held_elsewhere(app):
        response = client.get(f"/referrals/{referral.public_id}")
    assert response.status_code == 503
    assert "Pemberton-Whitlock" not in response.get_data(as_text=True)
    assert views_of(referral) == 0
