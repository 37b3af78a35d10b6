"""Donations end to end against a real localstripe server: the donor's form, the PaymentIntent (with an
idempotency key derived from the donation), the signed webhook, a declined card, a refund, replayed and
out-of-order events, and the payment page's Content-Security-Policy.

The Payment Element's JavaScript cannot run against localstripe in a browser, so the tests play the donor's card
by confirming the PaymentIntent server-side with localstripe's test payment methods (pm_card_visa succeeds,
pm_card_chargeCustomerFail is declined), exactly what Stripe.js would ask Stripe to do.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

import pytest
import stripe
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole
from portal.funding import payments
from portal.funding.models import Donation, LedgerEntry, StripeEvent
from tests.funding import factories as funding
from tests.funding.conftest import WEBHOOK_SECRET
from tests.html import error_summary, field_error, h1, page


def _charity(make):
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    funding.donations_on(owner.organisation)
    return owner.organisation, owner


def _donate(client, organisation, **answers):
    return client.post(f"/organisations/{organisation.public_id}/donate", data={"amount": "25.00", **answers})


def _donation(db, public_id=None) -> Donation:
    db.session.rollback()  # a fresh snapshot: the webhook was applied by another connection
    query = select(Donation)
    if public_id:
        query = query.where(Donation.public_id == public_id)
    return db.session.scalars(query.order_by(Donation.id.desc())).first()


def _wait_for(db, public_id: str, *states: str, seconds: float = 15) -> Donation:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        donation = _donation(db, public_id)
        if donation.state in states:
            return donation
        time.sleep(0.2)
    events = [(e.type, e.donation_id) for e in db.session.scalars(select(StripeEvent))]
    raise AssertionError(f"donation still {donation.state}, expected {states}; events {events}")


def _pay(app, donation: Donation, card: str) -> None:
    """What Stripe.js does when the donor presses Pay: attach the card and confirm the PaymentIntent."""
    with app.app_context():
        client = payments.client()
        client.v1.payment_intents.update(donation.payment_intent_id, params={"payment_method": card})
        try:
            client.v1.payment_intents.confirm(donation.payment_intent_id)
        except stripe.CardError:
            pass  # declined: Stripe.js shows the message; the webhook tells the portal


def _ledger(db, organisation) -> list[int]:
    db.session.rollback()  # a fresh snapshot: the webhook was applied by another connection
    return list(db.session.scalars(select(LedgerEntry.amount_pence).where(
        LedgerEntry.organisation_id == organisation.id).order_by(LedgerEntry.id)))


def test_a_donation_is_paid_and_recorded_once_through_the_signed_webhook(app, client, db, make, stripe_on):
    organisation, _ = _charity(make)
    response = _donate(client, organisation, gift_aid="y", name="Margaret Okonjo-Hale",
                       address="14 Acacia Avenue\nLeeds", postcode="ls6 2ab", taxpayer="y")
    assert response.status_code == 302
    donation = _donation(db)
    assert response.headers["Location"].endswith(f"/donations/{donation.public_id}/pay")
    assert donation.amount_pence == 2500 and donation.state == "pending" and donation.payment_intent_id
    assert donation.gift_aid and donation.gift_aid_postcode == "LS6 2AB"

    # Every request that creates something at Stripe carries the key derived from the donation.
    creates = [headers for method, url, headers in stripe_on.sent
               if method == "post" and url.endswith("/v1/payment_intents")]
    assert len(creates) == 1
    assert creates[0]["Idempotency-Key"] == f"donation-{donation.public_id}-payment-intent"
    # The Gift Aid details never go to Stripe.
    intent = payments_retrieve(app, donation.payment_intent_id)
    assert "Okonjo" not in json.dumps(intent.to_dict()) and intent.metadata["donation"] == donation.public_id

    # The payment page carries the client secret and Stripe's script, allowed there alone.
    pay_page = client.get(f"/donations/{donation.public_id}/pay")
    assert pay_page.status_code == 200
    form = page(pay_page).find("form", id="payment-form")
    assert form["data-client-secret"].startswith(donation.payment_intent_id + "_secret_")

    _pay(app, donation, "pm_card_visa")
    paid = _wait_for(db, donation.public_id, "paid")
    assert paid.paid_at is not None
    assert _ledger(db, organisation) == [2500]
    receipt = client.get(f"/donations/{donation.public_id}/receipt")
    assert "Thank you for your donation" in page(receipt).get_text()


def payments_retrieve(app, payment_intent_id):
    with app.app_context():
        return payments.retrieve_payment_intent(payment_intent_id)


def _signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> dict:
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def _events(app, kind: str) -> list[dict]:
    with app.app_context():
        return [e.to_dict() for e in payments.client().v1.events.list(params={"type": kind}).data]


def test_a_declined_card_a_refund_and_replayed_events(app, client, db, make, stripe_on, login_as):
    organisation, owner = _charity(make)
    _donate(client, organisation, amount="40")
    donation = _donation(db)

    # A declined card: the donation is marked declined and nothing reaches the ledger.
    _pay(app, donation, "pm_card_chargeCustomerFail")
    declined = _wait_for(db, donation.public_id, "failed")
    assert declined.failure_message == "The card was declined"
    assert _ledger(db, organisation) == []
    assert "did not go through" in page(client.get(f"/donations/{donation.public_id}/receipt")).get_text()

    # The donor starts again and pays with a good card. (Real Stripe lets the same PaymentIntent be confirmed
    # again with another card, which the payment page offers; localstripe cannot re-confirm a declined one.)
    _donate(client, organisation, amount="40")
    donation = _donation(db)
    _pay(app, donation, "pm_card_visa")
    _wait_for(db, donation.public_id, "paid")
    assert _ledger(db, organisation) == [4000]

    # The finance staff refund £15: the refund goes to Stripe with its own key and the ledger shows it.
    login_as(owner)
    response = client.post(f"/funding/donations/{donation.public_id}/refund", data={"amount": "15.00"})
    assert response.status_code == 302
    refunded = _donation(db, donation.public_id)
    assert refunded.state == "partly_refunded" and refunded.refunded_pence == 1500
    assert _ledger(db, organisation) == [4000, -1500]
    dashboard = page(client.get("/funding")).get_text(" ", strip=True)  # sums of pence read back as whole pence
    assert "£25.00 received after refunds" in dashboard
    refunds = [h for m, u, h in stripe_on.sent if m == "post" and u.endswith("/v1/refunds")]
    assert [h["Idempotency-Key"] for h in refunds] == [f"donation-{donation.public_id}-refund-1"]

    # A refund of more than is left is refused, naming the field, and nothing changes.
    response = client.post(f"/funding/donations/{donation.public_id}/refund", data={"amount": "30.00"})
    assert response.status_code == 400
    assert field_error(response, "amount") == "Enter an amount between £0.01 and £25.00"
    assert _ledger(db, organisation) == [4000, -1500]

    # A replayed event (the genuine payment_intent.succeeded, re-sent with a fresh signature) arriving after the
    # refund, twice: out of order and duplicated, it changes nothing.
    succeeded = next(e for e in _events(app, "payment_intent.succeeded")
                     if e["data"]["object"]["id"] == donation.payment_intent_id)
    body = json.dumps(succeeded).encode()
    for _ in range(2):
        response = client.post("/api/stripe/webhook", data=body, headers=_signed(body))
        assert response.status_code == 200
    again = _donation(db, donation.public_id)
    assert again.state == "partly_refunded" and again.refunded_pence == 1500
    assert _ledger(db, organisation) == [4000, -1500]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent).where(
        StripeEvent.event_id == succeeded["id"])) == 1

    # A refund made in Stripe's dashboard arrives as a charge.refunded event: it is reflected once.
    with app.app_context():
        payments.client().v1.refunds.create(params={"payment_intent": donation.payment_intent_id, "amount": 2500})
    charge_refunded = {"id": "evt_dashboard_refund_1", "object": "event", "type": "charge.refunded",
                       "created": int(time.time()), "api_version": "2020-08-27",
                       "data": {"object": {"id": "ch_x", "object": "charge",
                                           "payment_intent": donation.payment_intent_id}}}
    body = json.dumps(charge_refunded).encode()
    for _ in range(2):
        assert client.post("/api/stripe/webhook", data=body, headers=_signed(body)).status_code == 200
    final = _donation(db, donation.public_id)
    assert final.state == "refunded" and final.refunded_pence == 4000
    assert sorted(_ledger(db, organisation)) == [-2500, -1500, 4000]


def test_an_unsigned_or_wrongly_signed_webhook_changes_nothing(app, client, db, make, stripe_on):
    organisation, _ = _charity(make)
    donation = funding.donation(organisation, state="pending")
    event = {"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded", "created": int(time.time()),
             "data": {"object": {"id": donation.payment_intent_id, "object": "payment_intent"}}}
    body = json.dumps(event).encode()
    unsigned = client.post("/api/stripe/webhook", data=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400
    assert client.post("/api/stripe/webhook", data=body,
                       headers=_signed(body, secret="whsec_someone_else")).status_code == 400
    assert _donation(db, donation.public_id).state == "pending"
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_gift_aid_needs_name_address_postcode_and_taxpayer_confirmation(client, db, make, stripe_on):
    organisation, _ = _charity(make)
    response = _donate(client, organisation, amount="ten pounds", gift_aid="y")
    assert response.status_code == 400
    assert error_summary(response) == [
        "Enter an amount in pounds and pence, like 1,250.00", "Enter your full name for Gift Aid",
        "Enter your home address for Gift Aid", "Enter your postcode for Gift Aid",
        "Confirm that you are a UK taxpayer to add Gift Aid"]
    assert field_error(response, "amount") == "Enter an amount in pounds and pence, like 1,250.00"
    assert _donation(db) is None
    assert _donate(client, organisation, amount="0.50").status_code == 400
    assert _donation(db) is None


def test_the_payment_page_alone_may_load_stripe(client, db, make, stripe_on):
    organisation, _ = _charity(make)
    _donate(client, organisation)
    donation = _donation(db)
    pay = client.get(f"/donations/{donation.public_id}/pay")
    csp = pay.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "https://js.stripe.com" in csp
    assert "frame-src https://js.stripe.com https://hooks.stripe.com" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = [s.get("src") for s in page(pay).find_all("script") if s.get("src")]
    assert "https://js.stripe.com/v3/" in scripts
    assert all(s.startswith("/") or s == "https://js.stripe.com/v3/" for s in scripts)
    assert all(s.get("nonce") == nonce for s in page(pay).find_all("script") if not s.get("src"))
    # Every other page (the donate form, the receipt, the organisation's page) loads nothing from another host.
    for path in (f"/organisations/{organisation.public_id}/donate", f"/donations/{donation.public_id}/receipt",
                 f"/organisations/{organisation.public_id}", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "stripe" not in response.headers["Content-Security-Policy"], path
        for tag, attr in (("script", "src"), ("link", "href"), ("iframe", "src"), ("img", "src")):
            for element in page(response).find_all(tag):
                assert not re.match(r"^(https?:)?//", element.get(attr) or ""), (path, element)


def test_the_organisation_page_has_a_donate_button_only_when_donations_are_on(client, db, make, stripe_on):
    organisation, _ = _charity(make)
    link = page(client.get(f"/organisations/{organisation.public_id}")).find("a", string=re.compile("Donate"))
    assert link["href"] == f"/organisations/{organisation.public_id}/donate"
    other = make.organisation()
    assert page(client.get(f"/organisations/{other.public_id}")).find("a", string=re.compile("Donate")) is None
    assert client.get(f"/organisations/{other.public_id}/donate").status_code == 404


def test_without_stripe_keys_donations_are_switched_off_with_a_clear_message(client, db, make, login_as, stripe_off):
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    funding.donations_on(owner.organisation)
    response = client.get(f"/organisations/{owner.organisation.public_id}/donate")
    assert response.status_code == 404
    assert "Donations are switched off: the portal has no payment service configured" in page(response).get_text()
    assert page(client.get(f"/organisations/{owner.organisation.public_id}")).find(
        "a", string=re.compile("Donate")) is None
    login_as(owner)
    settings = client.get("/funding/donations")
    assert h1(settings) == "Donations"
    assert "the portal has no payment service (Stripe) configured" in page(settings).get_text()


def test_switching_donations_on_without_keys_is_refused(client, db, make, login_as, stripe_off):
    owner = funding.finance_user(org_role=OrgRole.OWNER)
    login_as(owner)
    response = client.post("/funding/donations", data={"enabled": "yes"})
    assert response.status_code == 400
    assert field_error(response, "enabled").startswith("Donations cannot be switched on: the portal has no Stripe keys")


def test_a_donor_sees_only_their_own_receipt(app, client, db, make, stripe_on):
    organisation, _ = _charity(make)
    _donate(client, organisation)
    mine = _donation(db)
    assert client.get(f"/donations/{mine.public_id}/receipt").status_code == 200
    stranger = app.test_client()
    assert stranger.get(f"/donations/{mine.public_id}/receipt").status_code == 404
    assert stranger.get(f"/donations/{mine.public_id}/pay").status_code == 404
    caseworker = funding.finance_user(organisation, org_role=OrgRole.CASEWORKER)
    make.sign_in(stranger, caseworker)
    assert stranger.get(f"/donations/{mine.public_id}/receipt").status_code == 404


@pytest.mark.parametrize("org_role, status", [(OrgRole.FINANCE, 200), (OrgRole.MANAGER, 200),
                                               (OrgRole.CASEWORKER, 403)])
def test_donations_list_is_for_finance_staff(client, db, login_as, stripe_on, org_role, status):
    user = funding.finance_user(org_role=org_role)
    login_as(user)
    assert client.get("/funding/donations").status_code == status
