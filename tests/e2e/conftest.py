"""Browser-test fixtures: the test app served over real HTTP, Debian's Chromium driven by Playwright, the
outbox's emails, screenshots.

The server is the session's `app` (same database as the `db` and `make` fixtures), so a test creates data with
the factories and a person sees it in the browser. Each test gets fresh browser contexts and empty tables.
"""
from __future__ import annotations

import email
import email.policy
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from portal import outbox
from tests.e2e import browsing

HERE = Path(__file__).parent
CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium")) if path and Path(path).exists()),
                None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 # Without these Chromium tries to reach Google's servers (and fails noisily offline).
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="browser tests need Chromium: install Debian's `chromium` package "
                                   "(`make browser`); /usr/bin/chromium and `chromium` on PATH are both missing")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


# --- The live server ---

@dataclass(frozen=True)
class LiveServer:
    host: str  # 127.0.0.1:PORT

    @property
    def url(self) -> str:
        return f"http://{self.host}"


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    """The test app on 127.0.0.1 and a free port, in a daemon thread, for the whole session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(f"127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_app(app, live_server, monkeypatch):
    """The app configured for the browser while a test runs: URLs (and email links) on the live server, and
    CSRF protection on, as real forms carry tokens. Put back afterwards for the unit tests sharing the app."""
    monkeypatch.setitem(app.config, "SERVER_NAME", live_server.host)
    monkeypatch.setitem(app.config, "BASE_URL", live_server.url)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


# --- The browser ---

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server, live_app, db) -> Iterator[Callable[[], Page]]:
    """Open a tab in a new browser context (its own cookies: a different person). Depends on `db`, so the
    browser is closed before the tables are emptied. Fails the test if a page it reached was never checked."""
    contexts, watches = [], []

    def open_page() -> Page:
        context = browsing.preload_axe(browser.new_context(base_url=live_server.url, locale="en-GB",
                                                           timezone_id="Europe/London",
                                                           viewport={"width": 1024, "height": 768}))
        contexts.append(context)
        page = context.new_page()
        watches.append(browsing.watch(page, live_server.host))
        return page

    yield open_page
    for context in contexts:
        context.close()
    unchecked = [url for recorder in watches for url in recorder.unchecked_documents()]
    assert not unchecked, f"pages reached without check_page (accessibility, other hosts): {unchecked}"


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


# --- Email ---

@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str

    @property
    def link(self) -> str:
        links = re.findall(r"https?://\S+", self.body)
        assert len(links) == 1, f"expected one link in the email {self.subject!r}, found {links}"
        return links[0]


class Mailbox:
    """The emails the portal sent: the outbox relay writes them as .eml files (no mail server in tests)."""

    def __init__(self, app):
        self.app = app
        self.folder = Path(app.config["MAIL_DIRECTORY"])

    def deliver(self) -> int:
        """Run the outbox relay once, as `flask outbox run` would; returns how many messages it delivered."""
        with self.app.app_context():
            return outbox.relay_once()

    def emails(self) -> list[Email]:
        files = sorted(self.folder.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
        messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files]
        return [_as_email(message) for message in messages]

    def last_to(self, address: str) -> Email:
        """Deliver what is waiting, then the last email sent to `address`."""
        self.deliver()
        received = [sent for sent in self.emails() if sent.to == address]
        assert received, f"no email to {address}; sent: {[(sent.to, sent.subject) for sent in self.emails()]}"
        return received[-1]

    def clear(self) -> None:
        for path in self.folder.glob("*.eml"):
            path.unlink()


def _as_email(message: EmailMessage) -> Email:
    return Email(to=str(message["To"]), subject=str(message["Subject"]), body=message.get_content())


@pytest.fixture
def mailbox(live_app) -> Mailbox:
    box = Mailbox(live_app)
    box.clear()
    return box


# --- Screenshots ---

@pytest.fixture(scope="session")
def screenshot_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots", numbered=False)


@pytest.fixture
def screenshot(screenshot_folder) -> Callable[[Page, str], Path]:
    """Save a full-page PNG under the session's pytest temporary folder (…/pytest-N/screenshots/)."""

    def take(page: Page, name: str) -> Path:
        path = screenshot_folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
