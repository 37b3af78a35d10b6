"""The production shape, in one process: shared file storage on a real S3-compatible server (moto's server mode),
the scheduler (one run per job and time, advisory locks on PostgreSQL, run records shown to administrators),
readiness that only the database decides, the outbox's priority, retention and LISTEN/NOTIFY, JSON logs, metrics
and Sentry. The same shape across processes (nginx, two servers, two relays, two schedulers) is tests/topology."""
from __future__ import annotations

import gzip
import io
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import select, text

from portal import logs, outbox, scheduler
from portal.accounts.roles import Role
from portal.database import utcnow
from portal.extensions import db as _db
from portal.storage import LocalStorage, S3Storage, storage
from portal.supply_chain.models import ExpressionDocument
from tests import factories
from tests.html import page
from tests.processes import stop
from tests.supply_chain.factories import PDF

# What a user typed (kept away from the test's source lines, which Sentry sends as context)
TYPED_EMAIL, TYPED_PASSWORD = "jane.doe@example.org", "hunter2-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server on loopback (moto's server mode, from PyPI)."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url, timeout=2)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    stop(process)


@pytest.fixture
def s3(app, s3_server, monkeypatch):
    """The portal storing files in a new bucket of the S3 server."""
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "eu-west-2"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    for key, value in {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": bucket, "STORAGE_S3_ENDPOINT_URL": s3_server,
                       "STORAGE_S3_REGION": "eu-west-2"}.items():
        monkeypatch.setitem(app.config, key, value)
    assert app.test_cli_runner().invoke(args=["storage", "init"]).exit_code == 0
    return bucket


# --- Storage ---

def test_evidence_uploaded_to_object_storage_is_downloaded_from_it(app, client, db, s3):
    factories.sign_in(client, factories.user(role=Role.PROVIDER))
    response = client.post("/expression-of-interest/documents", data={
        "kind": "case-study", "title": "", "file": (io.BytesIO(PDF), "case study.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    document = _db.session.scalar(select(ExpressionDocument))
    with app.app_context():
        backend = storage()
        assert isinstance(backend, S3Storage)
        assert list(backend.keys()) == [f"supply_chain/{document.stored_name}"]
        assert backend.get(f"supply_chain/{document.stored_name}") == PDF
    download = client.get(f"/supply-chain/documents/{document.public_id}")
    assert download.status_code == 200 and download.data == PDF
    assert "case study.pdf" in download.headers["Content-Disposition"]


def test_a_backup_of_object_storage_restores_every_file(app, db, s3, tmp_path):
    from portal import backup

    with app.app_context():
        storage().put("campus_images/kitchen", b"\x89PNG kitchen", "image/png")
        storage().put("supply_chain/" + "a" * 32, PDF, "application/pdf")
        archive = backup.create_backup(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, tmp_path / "b.tar.gz",
                                       progress=lambda line: None, storage=storage())
    manifest = json.loads(__import__("tarfile").open(archive).extractfile("manifest.json").read())
    assert set(manifest["files"]) == {"campus_images/kitchen", "supply_chain/" + "a" * 32}


def test_the_local_storage_refuses_keys_that_could_leave_its_folder(tmp_path):
    local = LocalStorage(tmp_path)
    for key in ("../secret_key", "supply_chain/../../x", "/etc/passwd", "a/b/c"):
        with pytest.raises(ValueError):
            local.put(key, b"x")
    local.put("supply_chain/abc", b"x")
    assert list(local.keys()) == ["supply_chain/abc"]
    assert (tmp_path / "supply_chain" / "abc").stat().st_mode & 0o077 == 0  # the portal's user only


# --- The scheduler ---

def test_each_due_job_runs_once_and_is_recorded_for_administrators(app, client, db):
    with app.app_context():
        first = scheduler.run_due()
        assert sorted(run.job for run in first) == sorted(scheduler.JOBS)
        assert all(run.finished_at and not run.error for run in first)
        assert scheduler.run_due() == []  # the same slots: nothing runs twice
        assert _db.session.scalar(select(_db.func.count()).select_from(scheduler.ScheduledRun)) == len(scheduler.JOBS)
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    status = page(client.get("/admin/status"))
    jobs = {row.select_one("th").get_text(" ", strip=True).split()[0]: row.get_text(" ", strip=True)
            for row in status.select("#jobs tbody tr")}
    assert set(jobs) == set(scheduler.JOBS)
    assert all("finished" in text_ for text_ in jobs.values())


def test_a_job_that_fails_is_recorded_with_its_error_and_the_others_still_run(app, db, monkeypatch):
    def broken(checkpoint):
        raise RuntimeError("jane@example.com broke it")  # messages can hold data: only the class is kept

    job = scheduler.JOBS["funding-remind"]
    monkeypatch.setitem(scheduler.JOBS, "funding-remind", scheduler.Job(job.name, job.description, broken, at=job.at))
    with app.app_context():
        runs = {run.job: run for run in scheduler.run_due()}
        assert runs["funding-remind"].error == "RuntimeError" and runs["funding-remind"].outcome == "failed"
        assert all(not run.error for name, run in runs.items() if name != "funding-remind")
        assert "jane@example.com" not in json.dumps([r.error for r in runs.values()])


@pytest.mark.postgres_only
def test_a_second_scheduler_skips_a_job_another_is_running(app, db):
    job = scheduler.JOBS["directory-remind"]
    with app.app_context():
        with scheduler.advisory_lock(job.name) as taken:  # the other scheduler, mid-run
            assert taken
            with _db.engine.connect() as other:
                assert other.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                     {"k": scheduler._lock_key(job.name)}).scalar() is False
            assert scheduler.run_job(job) is None
        assert scheduler.run_job(job) is not None  # once it has finished, this slot had not run: it runs


HAND_RUN_COMMANDS = {
    "directory-remind": ["directory", "remind"],
    "referrals-remind": ["referrals", "remind"],
    "referrals-purge-drafts": ["referrals", "purge-drafts"],
    "supply-remind": ["supply", "remind"],
    "employers-remind": ["employers", "remind"],
    "funding-remind": ["funding", "remind"],
}


def _runs(job: str) -> list:
    _db.session.expire_all()
    return list(_db.session.scalars(select(scheduler.ScheduledRun).where(scheduler.ScheduledRun.job == job)))


@pytest.mark.parametrize("job", sorted(HAND_RUN_COMMANDS))
def test_a_scheduled_command_run_by_hand_is_recorded_as_a_run_of_its_job(app, client, db, job):
    result = app.test_cli_runner().invoke(args=HAND_RUN_COMMANDS[job])
    assert result.exit_code == 0, result.output
    with app.app_context():
        [run] = _runs(job)
        assert run.finished_at and not run.error and run.items is not None and run.host.endswith("(by hand)")
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    rows = page(client.get("/admin/status")).select("#runs tbody tr")
    assert any(job in row.get_text(" ", strip=True) and "(by hand)" in row.get_text(" ", strip=True) for row in rows)


@pytest.mark.postgres_only
@pytest.mark.parametrize("job", sorted(HAND_RUN_COMMANDS))
def test_a_command_run_by_hand_while_the_scheduler_runs_its_job_does_nothing_and_says_so(app, db, job):
    with app.app_context(), scheduler.advisory_lock(job) as taken:  # the scheduler, mid-run
        assert taken
        result = app.test_cli_runner().invoke(args=HAND_RUN_COMMANDS[job])
        assert result.exit_code == 1
        assert f"{job} is running now" in result.output and "nothing was done" in result.output
        assert _runs(job) == []


@pytest.mark.postgres_only
def test_overdue_referrals_are_reminded_once_when_an_operator_runs_the_reminders_during_the_scheduler(app, db):
    from portal.referrals import operations as referrals
    from tests.mail import inbox

    referral = factories.referral(state="sent")
    referral.sent_at = utcnow() - timedelta(days=10)
    _db.session.commit()
    subject = f"Referral {referral.reference} has had no response for 5 working days"
    provider = referrals.provider_inbox(referral)[0]
    with app.app_context():
        with scheduler.advisory_lock("referrals-remind"):  # the scheduler holds the job
            assert app.test_cli_runner().invoke(args=["referrals", "remind"]).exit_code == 1
        assert [m["Subject"] for m in inbox(provider)].count(subject) == 0  # the hand run sent nothing
        assert scheduler.run_job(scheduler.JOBS["referrals-remind"]).items == 1  # the scheduler's run sends it
        again = app.test_cli_runner().invoke(args=["referrals", "remind"])  # the operator tries again after
        assert again.exit_code == 0 and "Reminders sent: 0" in again.stdout
    assert [m["Subject"] for m in inbox(provider)].count(subject) == 1


def test_directory_reminders_commit_in_batches(app, db):
    from portal.directory import operations

    with app.test_request_context(base_url=app.config["BASE_URL"]):
        for n in range(5):
            factories.published_service(name=f"Batch {n}", index=False)
        _db.session.commit()
        commits = []
        operations.send_reminders(checkpoint=lambda: commits.append(1) or _db.session.commit(), batch_size=2)
        assert len(commits) == 3


# --- Readiness and status ---

def test_search_down_leaves_the_server_ready_and_the_status_page_says_so(app, client, db, monkeypatch):
    monkeypatch.setattr(_backend(app), "health", lambda: False)  # the engine stopped answering
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json() == {"status": "ready", "problems": {}}
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    checks = page(client.get("/admin/status")).select_one("#checks").get_text(" ", strip=True)
    assert "Search Problem" in checks and "not answering" in checks


def _backend(app):
    from portal import search_index

    with app.app_context():
        search_index.backend()
    return app.extensions["search_backend"]


def test_the_status_page_charts_runs_per_day_and_the_outbox_per_hour_with_the_figures_in_tables(app, client, db):
    now = utcnow()
    this_hour, two_hours_ago = now.replace(minute=1, second=0), (now - timedelta(hours=2)).replace(minute=1, second=0)
    with app.app_context():
        for job, days_ago, items, error in [("directory-remind", 0, 40, ""), ("funding-remind", 0, 2, ""),
                                            ("supply-remind", 3, 7, ""), ("referrals-remind", 3, None, "KeyError")]:
            started = now - timedelta(days=days_ago)
            _db.session.add(scheduler.ScheduledRun(job=job, slot=started, started_at=started, items=items,
                                                   error=error, finished_at=started))
        _db.session.add(scheduler.ScheduledRun(job="outbox-purge", slot=now - timedelta(days=20),
                                               started_at=now - timedelta(days=20), items=999))  # too old to show
        for n in range(3):  # queued two hours ago, delivered this hour after a wait of up to two hours
            _db.session.add(outbox.OutboxMessage(topic="email", payload={}, created_at=two_hours_ago,
                                                 available_at=two_hours_ago,
                                                 processed_at=this_hour + timedelta(seconds=n)))
        _db.session.add(outbox.OutboxMessage(topic="email", payload={}, created_at=this_hour, available_at=this_hour))
        _db.session.commit()
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    status = page(client.get("/admin/status"))

    def table(selector):
        return [[cell.get_text(strip=True) for cell in row.select("th, td")] for row in status.select(selector)]

    days = table("#runs-by-day tbody tr")
    assert len(days) == 14
    assert days[-1] == [f"{now.day} {now:%b}", "2", "42", "0"]  # today: two runs, 40 + 2 items
    three_days_ago = now - timedelta(days=3)
    assert days[-4] == [f"{three_days_ago.day} {three_days_ago:%b}", "2", "7", "1"]
    assert sum(int(day[2].replace(",", "")) for day in days) == 49  # the 20-day-old run is outside the chart
    hours = {row[0]: row[1:] for row in table("#outbox-by-hour tbody tr")}
    assert len(hours) == 24
    assert hours[f"{two_hours_ago:%H}:00"] == ["3", "0", "0"]
    queued_now, delivered_now, wait_now = hours[f"{this_hour:%H}:00"]
    assert (queued_now, delivered_now) == ("1", "3") and int(wait_now.replace(",", "")) == 2 * 3600 + 2

    charts = {svg.select_one("title").get_text(): svg for svg in status.select("svg[role=img]")}
    items_chart = charts["Items handled by scheduled jobs, per day (last 14 days)"]
    assert items_chart.get("aria-labelledby").split() == ["chart-job-items-title", "chart-job-items-desc"]
    assert f"{now.day} {now:%b}: 42" in items_chart.select_one("desc").get_text()
    assert len(items_chart.select("rect")) == 14
    wait_chart = charts["Longest wait before delivery, per hour (last 24 hours, seconds)"]
    assert f"{this_hour:%H}: 7202" in wait_chart.select_one("desc").get_text()
    assert "Outbox messages queued, per hour (last 24 hours)" in charts


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.OFFENDER_MANAGER])
def test_only_administrators_see_the_status_page(client, db, role):
    factories.sign_in(client, factories.user(role=role))
    assert client.get("/admin/status").status_code in (403, 404)


# --- The outbox ---

def test_urgent_emails_go_before_a_burst_of_reminders(app, db):
    from portal.mail import queue_email

    delivered = []
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        for n in range(5):
            queue_email(f"owner{n}@example.org", "Check your listing", "listing_reminder", name="X", months=5)
        queue_email("someone@example.org", "Reset your password", "reset_password", link="https://x/reset")
        _db.session.commit()
        original = outbox._HANDLERS["email"]
        outbox._HANDLERS["email"] = lambda payload: delivered.append(payload["subject"]) or original(payload)
        try:
            outbox.relay_once(batch_size=1)
        finally:
            outbox._HANDLERS["email"] = original
    assert delivered == ["Reset your password"]


def test_delivered_messages_are_deleted_after_the_retention_period(app, db):
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        from portal.mail import queue_email

        for n in range(3):
            queue_email(f"p{n}@example.org", "Check your listing", "listing_reminder", name="X", months=5)
        _db.session.commit()
        assert outbox.relay_once() == 3
        messages = list(_db.session.scalars(select(outbox.OutboxMessage).order_by(outbox.OutboxMessage.id)))
        messages[0].processed_at = utcnow() - timedelta(days=8)
        messages[1].processed_at = utcnow() - timedelta(days=6)
        waiting = outbox.enqueue("email", {"to": "w@example.org", "subject": "s", "body": "b", "message_id": "m"})
        waiting.created_at = utcnow() - timedelta(days=20)
        _db.session.commit()
        assert outbox.purge_delivered() == 1
        left = set(_db.session.scalars(select(outbox.OutboxMessage.id)))
        assert left == {messages[1].id, messages[2].id, waiting.id}  # recent and undelivered rows stay


@pytest.mark.postgres_only
def test_a_relay_wakes_on_notify_when_a_message_is_committed(app, db):
    with app.app_context():
        listener = outbox._Listener()
        try:
            assert listener.wait(0.1) is False  # nothing queued: it would sleep
            with app.test_request_context(base_url=app.config["BASE_URL"]):
                outbox.enqueue("email", {"to": "w@example.org", "subject": "s", "body": "b", "message_id": "n1"})
                assert listener.wait(0.5) is False  # not committed yet: no wake-up
                _db.session.commit()
            assert listener.wait(30) is True
        finally:
            listener.close()


@pytest.mark.postgres_only
def test_through_pgbouncer_a_relay_polls_instead_of_listening(app, db, monkeypatch):
    """In transaction mode a LISTEN lands on whichever server connection PgBouncer lends, and its notifications
    never reach the relay: with DATABASE_PGBOUNCER it delivers by polling every `interval` seconds."""

    def no_listening():
        raise AssertionError("the relay tried to LISTEN through PgBouncer")

    monkeypatch.setattr(outbox, "_Listener", no_listening)
    monkeypatch.setitem(app.config, "DATABASE_PGBOUNCER", True)
    sleeps = []
    monkeypatch.setattr(outbox.time, "sleep", sleeps.append)
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        outbox.enqueue("email", {"to": "w@example.org", "subject": "s", "body": "b", "message_id": "pgb1"})
        _db.session.commit()
        rounds = iter(range(3))
        outbox.run_forever(interval=1.0, stop=lambda: next(rounds, None) is None)
        assert outbox.pending_count() == 0  # delivered on the first round
    assert sleeps == [1.0, 1.0]  # then it polled each second; it never waited for a notification


# --- Logs, metrics, Sentry ---

def test_request_logs_are_json_with_the_request_id_and_public_id_and_nothing_personal(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s"))
    logging.getLogger("portal.request").addHandler(handler)
    try:
        user = factories.user(role=Role.PROVIDER, email="kim.doe@example.org", name="Kim Doe")
        factories.sign_in(client, user)
        response = client.get("/dashboard", headers={"X-Request-Id": "edge-42"})
    finally:
        logging.getLogger("portal.request").removeHandler(handler)
    assert response.headers["X-Request-Id"] == "edge-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    line = next(entry for entry in lines if entry["request_id"] == "edge-42")
    assert line["route"] == "/dashboard" and line["status"] == 200 and line["user"] == user.public_id
    assert isinstance(line["duration_ms"], float)
    assert "kim.doe" not in stream.getvalue() and "Kim Doe" not in stream.getvalue()


def test_metrics_need_the_token_and_count_requests_by_route(app, client, db, monkeypatch):
    assert client.get("/metrics").status_code == 404  # no token configured: no metrics endpoint
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-token-123")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    service = factories.published_service(name="Harbour House", index=False)
    _db.session.commit()
    client.get(f"/services/{service.uuid}")
    client.get("/services?q=housing")
    body = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).get_data(as_text=True)
    assert 'portal_requests_total{method="GET",route="/services/<service_uuid>",status="200"}' in body
    assert service.uuid not in body  # route patterns, never paths
    assert "portal_outbox_pending" in body and "portal_outbox_lag_seconds" in body
    assert 'portal_search_seconds_count{index="services",outcome="ok"}' in body


class _SentryIngest(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_errors_reach_sentry_without_what_the_user_typed(app, db):
    """A real Sentry client posting to a local ingest endpoint (no internet)."""
    import sentry_sdk

    server = ThreadingHTTPServer(("127.0.0.1", 0), _SentryIngest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SentryIngest.received = []
    try:
        logs._sentry(f"http://publickey@127.0.0.1:{server.server_port}/1", "test")
        with app.test_request_context(f"/services?q={TYPED_EMAIL}", method="POST",
                                      data={"password": TYPED_PASSWORD}):
            try:
                raise ValueError("the search broke")
            except ValueError:
                sentry_sdk.capture_exception()
        sentry_sdk.flush(10)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: off again
        server.shutdown()
    body = b"".join(_SentryIngest.received)
    assert b"the search broke" in body
    assert TYPED_EMAIL.encode() not in body and TYPED_PASSWORD.encode() not in body


def test_pool_sizes_and_pgbouncer_mode_come_from_the_environment(monkeypatch):
    from portal import config

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db/portal")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("DATABASE_PGBOUNCER", "true")
    options = config._pool_options()
    assert options["pool_size"] == 3 and options["connect_args"] == {"prepare_threshold": None}
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite3")
    assert config._pool_options() == {}
