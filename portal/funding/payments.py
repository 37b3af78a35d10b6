"""Stripe, through its official client: PaymentIntents for donations, refunds, and signed webhooks.

Every request that creates something carries an idempotency key derived from the donation (its public id and
the purpose), so a retried request can never take or return money twice. The secret key and the webhook secret
come from the environment and are never logged.

The one module that touches the SDK: it is imported on use (with aiohttp, about 190 ms that every process
importing the app paid at start), and its errors leave here as PaymentError and SignatureError.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    import stripe
    from stripe import Event as Event

# The one Stripe host a payment page may load script from, frame, and talk to.
STRIPE_JS = "https://js.stripe.com"


class PaymentError(Exception):
    """Stripe refused a request or could not be reached (raised from the SDK's StripeError; `kind` is its class
    name, for logs)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(type(cause).__name__)
        self.kind = type(cause).__name__


class SignatureError(PaymentError):
    """A webhook's signature did not verify (the SDK's SignatureVerificationError)."""


@contextmanager
def _portal_errors() -> Iterator[None]:
    import stripe

    try:
        yield
    except stripe.SignatureVerificationError as exc:
        raise SignatureError(exc) from exc
    except stripe.StripeError as exc:
        raise PaymentError(exc) from exc


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return all(config.get(key) for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"))


def client() -> stripe.StripeClient:
    import stripe

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
    """Raises PaymentError when Stripe refuses or cannot be reached; so do the three below."""
    with _portal_errors():
        return client().v1.payment_intents.create(
            params={"amount": donation.amount_pence, "currency": donation.currency.lower(),
                    "metadata": {"donation": donation.public_id}},
            options={"idempotency_key": idempotency_key(donation, "payment-intent")},
        )


def retrieve_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    with _portal_errors():
        return client().v1.payment_intents.retrieve(payment_intent_id)


def refunds_of(payment_intent_id: str) -> list[stripe.Refund]:
    with _portal_errors():
        return list(client().v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100}).data)


def create_refund(donation, amount_pence: int) -> stripe.Refund:
    with _portal_errors():
        return client().v1.refunds.create(
            params={"payment_intent": donation.payment_intent_id, "amount": amount_pence,
                    "metadata": {"donation": donation.public_id}},
            options={"idempotency_key": idempotency_key(donation, f"refund-{donation.refund_requests}")},
        )


def construct_event(payload: bytes, signature: str) -> stripe.Event:
    """Verify the signature on the raw body; raises ValueError or SignatureError."""
    import stripe

    with _portal_errors():
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
