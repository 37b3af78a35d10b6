"""The production shape, proved through the proxy (`make topology`; marked `topology`, part of `make test`).

nginx -> two gunicorn servers, two relays, two schedulers, PostgreSQL, Meilisearch, Redis and S3-compatible
storage, all started from processes on this machine (tests/topology/shape.py). The tests run in file order: the
last two stop Meilisearch and kill a web server.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from portal import import_domain_modules
from portal.scheduler import JOBS
from tests.supply_chain.factories import PDF
from tests.topology import shape as topology

pytestmark = [pytest.mark.topology, pytest.mark.timeout(900)]  # one worker runs them all (tests/conftest.py)
PASSWORD = "resettle-demo-2026"


@pytest.fixture(scope="module")
def shape(tmp_path_factory):
    if os.environ.get("TEST_DATABASE_URL") is None and os.environ.get("PYTEST_XDIST_WORKER") is None \
            and not topology.answers("127.0.0.1", 5432):
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    try:
        with topology.running(tmp_path_factory.mktemp("topology"), progress=lambda line: None) as running:
            yield running
    except topology.Unavailable as exc:
        pytest.skip(f"the topology cannot start here: {exc}")


def _token(html: str) -> str:
    return BeautifulSoup(html, "html.parser").find("input", {"name": "csrf_token"})["value"]


def _browser(shape) -> requests.Session:
    """A client like a browser: over HTTPS (trusting the run's authority) and sending a same-origin Referer with
    its form posts, which Flask-WTF requires on HTTPS (the portal's Referrer-Policy lets browsers send it)."""
    browser = requests.Session()
    browser.verify = str(shape.ca)
    browser.headers["Referer"] = f"{shape.proxy_url}/"
    return browser


def _sign_in(shape, email: str) -> requests.Session:
    browser = _browser(shape)
    form = browser.get(f"{shape.proxy_url}/sign-in", timeout=60)
    response = browser.post(f"{shape.proxy_url}/sign-in", timeout=60, allow_redirects=False,
                            data={"csrf_token": _token(form.text), "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text[:500]
    return browser


def _upstreams(responses) -> set[str]:
    return {r.headers["X-Upstream"].split(",")[-1].strip() for r in responses}


def test_the_servers_run_the_production_profile_behind_tls(shape):
    assert shape.env["PORTAL_ENV"] == "production" and shape.proxy_url.startswith("https://")
    form = _browser(shape).get(f"{shape.proxy_url}/sign-in", timeout=60)
    assert form.status_code == 200
    assert "Secure" in form.headers["Set-Cookie"]  # the session cookie only ever travels over HTTPS
    one = [requests.get(f"{shape.single_url}/healthz", timeout=60) for _ in range(3)]  # the load test's one-server door
    assert _upstreams(one) == {f"127.0.0.1:{shape.servers[0].port}"}
    with pytest.raises(requests.exceptions.SSLError):  # no public authority vouches for the run's certificate
        requests.get(f"{shape.proxy_url}/healthz", timeout=60, verify=requests.certs.where())


def test_a_signed_in_user_alternates_between_the_servers_without_being_signed_out(shape):
    browser = _sign_in(shape, "provider@demo.example.org")
    pages = [browser.get(f"{shape.proxy_url}/dashboard", timeout=60, allow_redirects=False) for _ in range(8)]
    assert [p.status_code for p in pages] == [200] * 8
    assert _upstreams(pages) == {f"127.0.0.1:{s.port}" for s in shape.servers}
    assert all("Priya Patel" in p.text or "Sign out" in p.text for p in pages)


def test_sign_in_limits_hold_across_the_servers(shape):
    statuses, answered = [], []
    for attempt in range(7):
        browser = _browser(shape)  # a new session each time, as a scripted attacker would
        form = browser.get(f"{shape.proxy_url}/sign-in", timeout=60)
        if attempt % 2:  # one more request, so nginx's round robin sends this attempt to the other server
            requests.get(f"{shape.proxy_url}/healthz", timeout=60)
        response = browser.post(f"{shape.proxy_url}/sign-in", timeout=60, allow_redirects=False, data={
            "csrf_token": _token(form.text), "email": "lead.provider@demo.example.org", "password": "a wrong guess"})
        statuses.append(response.status_code)
        answered.append(response)
    assert statuses[:5] == [400] * 5 and statuses[5:] == [429, 429], statuses
    assert len(_upstreams(answered)) == 2  # the failures were counted on both servers, in Redis


def test_a_file_uploaded_through_one_server_is_downloaded_through_the_other(shape):
    browser = _sign_in(shape, "provider@demo.example.org")
    form = browser.get(f"{shape.proxy_url}/expression-of-interest/documents", timeout=60)
    uploaded = browser.post(f"{shape.proxy_url}/expression-of-interest/documents", timeout=60,
                            allow_redirects=False, data={"csrf_token": _token(form.text), "kind": "case-study",
                                                         "title": "Topology case study"},
                            files={"file": ("topology case study.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 302, uploaded.text[:500]
    stored_name, public_id = shape.sql(
        "SELECT stored_name, public_id FROM supply_expression_documents WHERE filename = 'topology case study.pdf'")[0]
    downloads = [browser.get(f"{shape.proxy_url}/supply-chain/documents/{public_id}", timeout=60) for _ in range(4)]
    assert all(d.status_code == 200 and d.content == PDF for d in downloads)
    writer = uploaded.headers["X-Upstream"]
    assert any(d.headers["X-Upstream"] != writer for d in downloads)  # served by the server that did not store it
    assert not list(Path(shape.env["INSTANCE_PATH"]).rglob(stored_name))  # in the object store, not a local folder


def test_emailed_links_use_base_url_whatever_host_was_sent(shape):
    browser = _browser(shape)
    form = browser.get(f"{shape.proxy_url}/forgot-password", timeout=60)
    # (requests matches cookies against a Host header it is given, so the session cookie goes by hand)
    cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    sent = requests.post(f"{shape.proxy_url}/forgot-password", timeout=60,
                         headers={"Host": "attacker.example", "Cookie": cookie, "Referer": f"{shape.proxy_url}/"},
                         data={"csrf_token": _token(form.text), "email": "employer@demo.example.org"})
    if sent.status_code == 400:  # a Host the portal does not serve is refused outright: nothing is sent either
        time.sleep(5)
        assert not any("attacker.example" in p.read_text() for p in shape.mail_dir.glob("*.eml"))
        return
    assert sent.status_code == 200, sent.text[:300]
    deadline, body = time.monotonic() + 60, ""
    while time.monotonic() < deadline and not body:  # a relay delivers it (the mail folder is shared)
        for path in shape.mail_dir.glob("*.eml"):
            message = message_from_bytes(path.read_bytes())
            if message["To"] == "employer@demo.example.org" and "reset" in message["Subject"].lower():
                body = message.get_payload(decode=True).decode()
        time.sleep(0.5)
    assert body, "no password reset email was delivered"
    assert f"{shape.base_url}/reset-password/" in body and "attacker.example" not in body


def test_each_scheduled_job_runs_once_with_two_schedulers(shape):
    import_domain_modules()  # each domain registers its jobs when imported, as the schedulers' create_app did
    assert len(JOBS) > 1
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = dict(shape.sql("SELECT job, count(*) FROM scheduled_runs GROUP BY job"))
        if set(runs) >= set(JOBS):
            break
        time.sleep(1)
    time.sleep(3)  # both schedulers have looked again since
    runs = dict(shape.sql("SELECT job, count(*) FROM scheduled_runs GROUP BY job"))
    assert runs == {name: 1 for name in JOBS}
    assert all(p.poll() is None for p in shape.schedulers)
    assert not shape.sql("SELECT job FROM scheduled_runs WHERE finished_at IS NULL OR error <> ''")


def test_stopping_meilisearch_leaves_both_servers_ready_and_search_degraded_not_down(shape):
    shape.meili.kill()
    try:
        for server in shape.servers:
            ready = requests.get(f"{server.url}/readyz", timeout=60)
            assert ready.status_code == 200, ready.text
        # More searches than the proxy's max_fails for each server: a page the portal answers 503 (degraded) must
        # not take the servers out of the proxy's rotation, which would turn every other page into a 502
        for _ in range(4):
            searched = requests.get(f"{shape.proxy_url}/services", params={"q": "housing"}, timeout=60)
            text = BeautifulSoup(searched.text, "html.parser").get_text(" ", strip=True)
            assert "Search is temporarily unavailable" in text
        pages = [requests.get(f"{shape.proxy_url}/", timeout=60) for _ in range(6)]
        assert [page.status_code for page in pages] == [200] * 6
        assert {page.headers["X-Upstream"] for page in pages} == {f"127.0.0.1:{s.port}" for s in shape.servers}
        admin = _sign_in_admin(shape)
        status = admin.get(f"{shape.proxy_url}/admin/status", timeout=60)
        checks = BeautifulSoup(status.text, "html.parser").select_one("#checks").get_text(" ", strip=True)
        assert "Search Problem" in checks
    finally:
        shape.meili.start()


def _sign_in_admin(shape) -> requests.Session:
    code = shape.flask("users", "code", "admin@demo.example.org").stdout.strip()
    browser = _sign_in(shape, "admin@demo.example.org")
    form = browser.get(f"{shape.proxy_url}/sign-in/two-factor", timeout=60)
    done = browser.post(f"{shape.proxy_url}/sign-in/two-factor", timeout=60, allow_redirects=False,
                        data={"csrf_token": _token(form.text), "code": code})
    if done.status_code != 302:  # the code changed between printing and posting: one more try
        code = shape.flask("users", "code", "admin@demo.example.org").stdout.strip()
        done = browser.post(f"{shape.proxy_url}/sign-in/two-factor", timeout=60, allow_redirects=False,
                            data={"csrf_token": _token(form.text), "code": code})
    assert done.status_code == 302, done.text[:300]
    return browser


def test_killing_one_web_server_mid_load_loses_no_retryable_request(shape):
    results: list[tuple[int, str]] = []
    errors: list[str] = []
    stop = threading.Event()

    def load():
        session = requests.Session()
        while not stop.is_set():
            try:
                response = session.get(f"{shape.proxy_url}/", timeout=60)
                results.append((response.status_code, response.headers.get("X-Upstream", "")))
            except requests.RequestException as exc:
                errors.append(type(exc).__name__)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        while len(results) < 40:
            time.sleep(0.1)
        victim = shape.servers[0]
        os.killpg(victim.process.pid, signal.SIGKILL)  # the master and its workers, mid-request
        killed_at = len(results)
        while len(results) < killed_at + 60:
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)
    # Every answer was a 200 (nginx retried on the survivor what it could); the only loss allowed is a response the
    # victim had begun to send when it died (nginx may not replay it): at most one per client, at the kill.
    assert set(errors) <= {"ChunkedEncodingError"} and len(errors) <= len(threads), errors
    assert [status for status, _ in results if status != 200] == []
    survivor = f"127.0.0.1:{shape.servers[1].port}"
    assert {upstream.split(",")[-1].strip() for _, upstream in results[killed_at + 10:]} == {survivor}
