"""Funding fixtures: a real localstripe server on a loopback port, the app served over HTTP for its webhooks,
and the Stripe configuration pointed at both."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
import stripe
from werkzeug.serving import make_server

from tests.processes import stop

WEBHOOK_SECRET = "whsec_test_funding_portal"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOCALSTRIPE = """
import sys
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """localstripe (a stateful Stripe test server) on 127.0.0.1 and a free port, for the whole session."""
    port = _free_port()
    try:
        process = subprocess.Popen([sys.executable, "-c", LOCALSTRIPE, str(port)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    except OSError as exc:
        pytest.skip(f"localstripe could not start: {exc}")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.skip("localstripe did not answer within 20 seconds (is the localstripe package installed?)")
            time.sleep(0.1)
    yield base
    stop(process)


@pytest.fixture(scope="session")
def webhook_server(app) -> Iterator[str]:
    """The session's app over HTTP on a free loopback port, for localstripe to deliver webhooks to."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="funding-webhooks", daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Recorder(stripe.RequestsClient):
    """The real HTTP client, remembering each request's method, URL and headers (to check idempotency keys)."""

    def __init__(self):
        super().__init__(timeout=20)
        self.sent: list[tuple[str, str, dict]] = []

    def request(self, method, url, headers, post_data=None):
        self.sent.append((method, url, dict(headers or {})))
        return super().request(method, url, headers, post_data)


@pytest.fixture
def stripe_on(app, db, localstripe, webhook_server, monkeypatch) -> Recorder:
    """Stripe configured against localstripe, its webhook registered to this app. Returns the request recorder."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_funding")
    monkeypatch.setitem(app.config, "STRIPE_PUBLISHABLE_KEY", "pk_test_funding")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", localstripe)
    monkeypatch.setitem(app.config, "SERVER_NAME", webhook_server)
    recorder = Recorder()
    monkeypatch.setitem(app.extensions, "stripe_http_client", recorder)
    data = f"url=http://{webhook_server}/api/stripe/webhook&secret={WEBHOOK_SECRET}".encode()
    urllib.request.urlopen(urllib.request.Request(f"{localstripe}/_config/webhooks/portal", data=data), timeout=5)
    return recorder


@pytest.fixture
def stripe_off(app, monkeypatch):
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
        monkeypatch.setitem(app.config, key, "")
