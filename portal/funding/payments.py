"""Stripe, through its official client: PaymentIntents for donations, refunds, and signed webhooks.

Every request that creates something carries an idempotency key derived from the donation (its public id and
the purpose), so a retried request can never take or return money twice. The secret key and the webhook secret
come from the environment and are never logged.
"""
from __future__ import annotations

import stripe
from flask import Flask, current_app

# The one Stripe host a payment page may load script from, frame, and talk to.
STRIPE_JS = "https://js.stripe.com"


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return all(config.get(key) for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"))


def client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        http_client=current_app.extensions.get("stripe_http_client") or stripe.RequestsClient(timeout=20),
        max_network_retries=2,
    )


def idempotency_key(donation, purpose: str) -> str:
    """The key for one request about one donation: the same donation and purpose always give the same key."""
    return f"donation-{donation.public_id}-{purpose}"


def create_payment_intent(donation) -> stripe.PaymentIntent:
    return client().v1.payment_intents.create(
        params={"amount": donation.amount_pence, "currency": donation.currency.lower(),
                "metadata": {"donation": donation.public_id}},
        options={"idempotency_key": idempotency_key(donation, "payment-intent")},
    )


def retrieve_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    return client().v1.payment_intents.retrieve(payment_intent_id)


def refunds_of(payment_intent_id: str) -> list[stripe.Refund]:
    return list(client().v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100}).data)


def create_refund(donation, amount_pence: int) -> stripe.Refund:
    return client().v1.refunds.create(
        params={"payment_intent": donation.payment_intent_id, "amount": amount_pence,
                "metadata": {"donation": donation.public_id}},
        options={"idempotency_key": idempotency_key(donation, f"refund-{donation.refund_requests}")},
    )


def construct_event(payload: bytes, signature: str) -> stripe.Event:
    """Verify the signature on the raw body; raises ValueError or stripe.SignatureVerificationError."""
    return stripe.Webhook.construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])


def content_security_policy(nonce: str) -> str:
    """The payment page's policy: the portal's own, plus Stripe's script, frames and API, and nothing else."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' {STRIPE_JS}",
        "style-src 'self'",
        "img-src 'self' data: https://*.stripe.com",
        "font-src 'self'",
        f"connect-src 'self' https://api.stripe.com {STRIPE_JS}",
        f"frame-src {STRIPE_JS} https://hooks.stripe.com",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
