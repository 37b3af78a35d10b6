"""Issue #12: the SQLite database, the instance folder and the mail folder (which holds live reset links) were
created readable by every local user; reset, verification and invitation tokens reached the access log."""
from __future__ import annotations

import logging
import os
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db as _db
from tests.faults.servers import BIN, ROOT, flask, free_port, portal_env
from tests.processes import stop

TOKEN = "IjEyMzQ1Njc4OTAi.ZmFrZS1yZXNldC10b2tlbg.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)  # what most systems use: new files readable by everyone
    yield
    os.umask(previous)


def test_the_instance_folder_database_and_mail_are_private_to_the_portals_user(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "x", "TESTING": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'portal.sqlite3'}",
                      "MAIL_SERVER": "", "MAIL_DIRECTORY": str(instance / "mail")})
    with app.app_context():
        with _db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        from portal.mail import deliver

        deliver({"to": "someone@example.org", "subject": "Reset your password", "body": "a live link",
                 "message_id": uuid.uuid4().hex})
    assert mode(instance) == 0o700
    database = instance / "portal.sqlite3"
    assert mode(database) == 0o600
    for journal in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        if journal.exists():
            assert mode(journal) == 0o600, journal.name
    assert mode(instance / "mail") == 0o700
    [email] = list((instance / "mail").glob("*.eml"))
    assert mode(email) == 0o600


def test_a_generated_secret_key_is_private(tmp_path, loose_umask, monkeypatch):
    from portal.config import _secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    _secret_key(tmp_path / "fresh")
    assert mode(tmp_path / "fresh") == 0o700 and mode(tmp_path / "fresh" / "secret_key") == 0o600


def test_existing_folders_and_databases_left_open_are_closed(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "portal.sqlite3").touch(mode=0o644)
    create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "x", "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'portal.sqlite3'}"})
    assert mode(instance) == 0o700 and mode(instance / "portal.sqlite3") == 0o600


def test_tokens_in_links_never_reach_the_development_servers_access_log(app, db, caplog):
    caplog.set_level(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host = f"http://portal.test:{server.server_port}"
        for path in (f"/reset-password/{TOKEN}", f"/verify-email/{TOKEN}", f"/invitations/rpp_{TOKEN[:40]}"):
            request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}{path}",
                                             headers={"Host": host.removeprefix("http://")})
            try:
                urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback
            except urllib.error.HTTPError as error:
                assert error.code == 400  # the links are not valid ones: the log line is what matters here
    finally:
        server.shutdown()
        thread.join(timeout=10)
    access = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len(access) >= 3 and all("[redacted]" in line for line in access[-3:])
    assert TOKEN not in caplog.text and TOKEN[:40] not in caplog.text


@pytest.mark.slow
def test_tokens_in_links_never_reach_gunicorns_access_log(tmp_path):
    env = portal_env(tmp_path / "instance", f"sqlite:///{tmp_path / 'portal.sqlite3'}",
                     BASE_URL="http://127.0.0.1")
    flask(env, "db", "upgrade")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",  # noqa: S603
                                   "--access-logfile", "-", "app:app"], env=env, cwd=ROOT, stdout=output,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/reset-password/{TOKEN}", timeout=30)  # noqa: S310
            except urllib.error.HTTPError as error:
                assert error.code == 400
        finally:
            stop(server)
    text = log.read_text()
    assert "/reset-password/[redacted]" in text
    assert TOKEN not in text
