"""Stripe's webhooks arrive late, twice, out of order and at the same moment: each donation still ends in the state
Stripe holds and is in the ledger exactly once (one line for the payment, one per refund).

Against a real localstripe server of the test's own (no webhook registered with it, so the test alone decides
which event reaches the portal when). Payment events are localstripe's genuine ones (`/v1/events`); localstripe
sends no refund events, so those are built as Stripe would send them (`charge.refunded`). Every event is
signed with the webhook secret, as Stripe signs. Concurrent deliveries go over HTTP to the app served by a
threaded server, as Stripe delivers in parallel."""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import stripe
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.accounts.roles import OrgRole
from portal.extensions import db as _db
from portal.funding import payments
from portal.funding.models import Donation, LedgerEntry, StripeEvent
from tests.faults import servers
from tests.funding import factories as funding
from tests.funding.conftest import LOCALSTRIPE
from tests.processes import stop

pytestmark = pytest.mark.faults
SECRET = "whsec_fault_tests"


@pytest.fixture(scope="module")
def own_localstripe():
    port = servers.free_port()
    process = subprocess.Popen([sys.executable, "-c", LOCALSTRIPE, str(port)],  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).read()  # noqa: S310 - loopback
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.skip("localstripe did not start (is the localstripe package installed?)")
            time.sleep(0.1)
    yield base
    stop(process)


@pytest.fixture
def stripe_quiet(app, db, own_localstripe, monkeypatch):
    """Stripe configured against our localstripe; webhooks reach the app only when the test sends them."""
    _stripe_config(app, own_localstripe, monkeypatch)


def _stripe_config(app, base: str, monkeypatch) -> None:
    for key, value in (("STRIPE_SECRET_KEY", "sk_test_faults"), ("STRIPE_PUBLISHABLE_KEY", "pk_test_faults"),
                       ("STRIPE_WEBHOOK_SECRET", SECRET), ("STRIPE_API_BASE", base)):
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, "stripe_http_client", stripe.RequestsClient(timeout=20))


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, own_localstripe, monkeypatch, tmp_path):
    """The app over HTTP on a threaded server, for deliveries at the same moment: on the test database
    (SQLite), and on a private PostgreSQL cluster, where concurrent transactions really overlap."""
    if request.param == "sqlite":
        app = request.getfixturevalue("app")
        request.getfixturevalue("db")  # the app context, emptied afterwards
        _stripe_config(app, own_localstripe, monkeypatch)
        with _serving(app) as url:
            yield app, url
        return
    if reason := servers.postgres_unavailable():
        pytest.skip(reason)
    from flask_migrate import upgrade

    from portal import create_app
    from tests.conftest import IsolatedClient

    with servers.private_postgres() as pg:
        app = create_app({"TESTING": True, "SECRET_KEY": "fault-test", "INSTANCE_PATH": str(tmp_path),
                          "SQLALCHEMY_DATABASE_URI": pg.url, "MAIL_SERVER": "", "MEILI_URL": "", "REDIS_URL": "",
                          "MAIL_DIRECTORY": str(tmp_path / "mail"), "SEARCH_SQLITE_PATH": str(tmp_path / "s.db"),
                          "RATELIMIT_STORAGE_URI": "memory://", "SERVER_NAME": "portal.test",
                          "WTF_CSRF_ENABLED": False})
        app.test_client_class = IsolatedClient
        _stripe_config(app, own_localstripe, monkeypatch)
        with app.app_context():
            upgrade(directory=str(servers.ROOT / "migrations"))
            with _serving(app) as url:
                yield app, url
            _db.session.remove()
            _db.engine.dispose()


@contextlib.contextmanager
def _serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/stripe/webhook"
    finally:
        server.shutdown()
        thread.join(5)


def _signed(event: dict) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    stamp = int(time.time())
    signature = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def _deliver(client, event: dict) -> int:
    body, headers = _signed(event)
    return client.post("/api/stripe/webhook", data=body, headers=headers).status_code


def _genuine(app, kind: str, payment_intent_id: str) -> dict:
    with app.app_context():
        events = [e.to_dict() for e in payments.client().v1.events.list(params={"type": kind}).data]
    (event,) = [e for e in events if e["data"]["object"]["id"] == payment_intent_id]
    return event


def _older(event: dict, kind: str, status: str) -> dict:
    """An earlier event about the same PaymentIntent (localstripe sends only succeeded and payment_failed): what
    Stripe sends for `payment_intent.created` and the like, carrying the object as it was then."""
    obj = {**event["data"]["object"], "status": status}
    return {**event, "id": f"evt_{kind}_{obj['id']}", "type": kind, "created": event["created"] - 60,
            "data": {"object": obj}}


def _refunded_event(payment_intent_id: str, n: int, created: int) -> dict:
    return {"id": f"evt_refund_{payment_intent_id}_{n}", "object": "event", "type": "charge.refunded",
            "created": created, "api_version": "2020-08-27",
            "data": {"object": {"id": f"ch_{payment_intent_id}", "object": "charge",
                                "payment_intent": payment_intent_id}}}


def _start(client, organisation, pounds: str) -> Donation:
    assert client.post(f"/organisations/{organisation.public_id}/donate", data={"amount": pounds}).status_code == 302
    _db.session.rollback()
    return _db.session.scalars(select(Donation).order_by(Donation.id.desc())).first()


def _pay(app, donation: Donation, card: str) -> None:
    """What Stripe.js does when the donor presses Pay."""
    with app.app_context():
        stripe_client = payments.client()
        stripe_client.v1.payment_intents.update(donation.payment_intent_id, params={"payment_method": card})
        try:
            stripe_client.v1.payment_intents.confirm(donation.payment_intent_id)
        except stripe.CardError:
            pass


def _refund_at_stripe(app, donation: Donation, pence: int) -> None:
    """A refund made in Stripe's dashboard: the portal hears of it only through a webhook."""
    with app.app_context():
        payments.client().v1.refunds.create(params={"payment_intent": donation.payment_intent_id, "amount": pence})


def _state(donation: Donation) -> tuple[str, int, list[tuple[str, int]]]:
    _db.session.rollback()
    fresh = _db.session.get(Donation, donation.id)
    ledger = [(line.external_ref, line.amount_pence) for line in _db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.donation_id == donation.id).order_by(LedgerEntry.amount_pence.desc()))]
    return fresh.state, fresh.refunded_pence, ledger


def _event_rows(event_id: str) -> int:
    return _db.session.scalar(select(func.count()).select_from(StripeEvent).where(StripeEvent.event_id == event_id))


def test_late_repeated_and_reordered_webhooks_record_each_donation_once(app, client, db, stripe_quiet):
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    funding.donations_on(owner.organisation)
    organisation = owner.organisation

    # 1. Paid, then refunded in two parts at Stripe; the portal hears nothing until the refunds are done, then
    #    hears the last refund first, the payment after it, the first refund last, and each of them again.
    first = _start(client, organisation, "25")
    _pay(app, first, "pm_card_visa")
    _refund_at_stripe(app, first, 1000)
    _refund_at_stripe(app, first, 1500)
    now = int(time.time())
    succeeded = _genuine(app, "payment_intent.succeeded", first.payment_intent_id)
    refund_1, refund_2 = (_refunded_event(first.payment_intent_id, n, now + n) for n in (1, 2))
    assert _state(first)[0] == "pending"
    for event in (refund_2, succeeded, refund_1, refund_2, succeeded, refund_1):
        assert _deliver(client, event) == 200
    state, refunded, ledger = _state(first)
    assert (state, refunded) == ("refunded", 2500)
    assert Counter(amount for _, amount in ledger) == Counter({2500: 1, -1000: 1, -1500: 1})
    assert ledger[0][0] == first.payment_intent_id
    assert {_event_rows(e["id"]) for e in (succeeded, refund_1, refund_2)} == {1}

    # 2. Paid; an older event (the PaymentIntent's creation) and a stale failure arrive after the success
    second = _start(client, organisation, "40")
    _pay(app, second, "pm_card_visa")
    succeeded = _genuine(app, "payment_intent.succeeded", second.payment_intent_id)
    assert _deliver(client, succeeded) == 200
    created = _older(succeeded, "payment_intent.created", "requires_payment_method")
    stale_failure = _older(succeeded, "payment_intent.payment_failed", "requires_payment_method")
    for event in (created, stale_failure, succeeded):
        assert _deliver(client, event) == 200
    assert _state(second) == ("paid", 0, [(second.payment_intent_id, 4000)])
    assert _db.session.get(Donation, second.id).failure_message == ""

    # 3. Declined: the failure arrives twice, then a delayed creation event; nothing reaches the ledger
    third = _start(client, organisation, "15")
    _pay(app, third, "pm_card_chargeCustomerFail")
    failed = _genuine(app, "payment_intent.payment_failed", third.payment_intent_id)
    for event in (failed, failed, _older(failed, "payment_intent.created", "requires_payment_method")):
        assert _deliver(client, event) == 200
    assert _state(third) == ("failed", 0, [])

    # The organisation's donations in the ledger: exactly the money that moved
    _db.session.rollback()
    assert sorted(_db.session.scalars(select(LedgerEntry.amount_pence).where(
        LedgerEntry.organisation_id == organisation.id))) == [-1500, -1000, 2500, 4000]


def test_webhooks_delivered_at_the_same_moment_record_the_donation_once(served):
    app, url = served
    client = app.test_client()
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    funding.donations_on(owner.organisation)
    donation = _start(client, owner.organisation, "30")
    _pay(app, donation, "pm_card_visa")
    _refund_at_stripe(app, donation, 500)
    events = [_genuine(app, "payment_intent.succeeded", donation.payment_intent_id),
              _older(_genuine(app, "payment_intent.succeeded", donation.payment_intent_id), "payment_intent.created",
                     "requires_payment_method"),
              _refunded_event(donation.payment_intent_id, 1, int(time.time()))]
    _db.session.commit()

    def post(event: dict) -> int:
        body, headers = _signed(event)
        # the portal answers only to its own host name (BASE_URL/SERVER_NAME), not to the loopback address
        headers["Host"] = app.config["SERVER_NAME"]
        return requests.post(url, data=body, headers=headers, timeout=30).status_code

    # Every event four times, all at once: Stripe's retries racing each other and the other events
    burst = [event for event in events for _ in range(4)]
    with ThreadPoolExecutor(max_workers=len(burst)) as pool:
        statuses = list(pool.map(post, burst))
    if _db.engine.dialect.name == "postgresql":  # the donation's row lock queues them: each answered at once
        assert set(statuses) == {200}, statuses
    # SQLite locks the whole file: some are told 503 "try again later", which Stripe does; never a 409 or 500
    assert set(statuses) <= {200, 503}, statuses
    for event, status in zip(burst, statuses, strict=True):  # Stripe retries whatever was not a 2xx
        if status != 200:
            assert post(event) == 200
    state, refunded, ledger = _state(donation)
    assert (state, refunded) == ("partly_refunded", 500)
    assert [amount for _, amount in ledger] == [3000, -500] and ledger[0][0] == donation.payment_intent_id
    assert {_event_rows(e["id"]) for e in events} == {1}
