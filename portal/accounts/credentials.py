"""Passwords (argon2), time-based one-time passwords, signed email links and API tokens."""
from __future__ import annotations

import gzip
import hashlib
import hmac
import secrets
from datetime import datetime
from functools import cache
from pathlib import Path

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup

from portal.accounts.roles import Role

_hasher = PasswordHasher()

MIN_LENGTH = 8
MIN_LENGTH_ADMIN = 15
MAX_LENGTH = 256
TOTP_ISSUER = "Resettlement Partnership Portal"


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def password_problem(password: str, role: str) -> str | None:
    """Why this password is not acceptable, in words for the person choosing it; None when it is fine."""
    minimum = MIN_LENGTH_ADMIN if role == Role.ADMIN else MIN_LENGTH
    if len(password) < minimum:
        return f"Password must be {minimum} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in _common_passwords() or len(set(password)) < 3:
        return "Password is too easy to guess. Choose a different one, such as three random words"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the account does not exist, so timing does not reveal which emails are registered.
    Made on first use by the hasher in use (at import it cost every process about 110 ms)."""
    return hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(_hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- Two-factor authentication (TOTP, RFC 6238) ---

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> Markup:
    """The provisioning URI as an inline SVG QR code (nothing is fetched from elsewhere).

    Marked safe here, not in a template: segno writes the whole SVG and nothing in it comes from a user.
    """
    return Markup(segno.make(uri, error="m").svg_inline(scale=5, title="QR code for your authenticator app"))  # noqa: S704


def totp_match(secret: str, code: str, last_counter: int | None) -> int | None:
    """The time step the code belongs to when it is valid and not used before (no replay); else None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now())
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return None if last_counter is not None and counter <= last_counter else counter
    return None


# --- Signed, expiring links for email verification and password reset ---

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def make_link_token(purpose: str, data: dict) -> str:
    return _serializer(purpose).dumps(data)


def read_link_token(purpose: str, token: str, max_age_seconds: int) -> dict | None:
    try:
        return _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None


def email_fingerprint(email: str) -> str:
    """A digest of an email address keyed with the app's secret, for links that must name an address without
    showing it (itsdangerous tokens are signed, not encrypted: anyone holding the link can read their payload)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, email.lower().encode(), hashlib.sha256).hexdigest()[:24]


def fingerprint(value: str | None) -> str:
    """A short digest used to make a link single-use (it changes when the password changes)."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


# --- Personal access tokens and invitation tokens: random, shown once, stored as SHA-256 ---

TOKEN_PREFIX = "rpp_"


def new_secret_token() -> tuple[str, str]:
    """A new token and the hash to store."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Two-factor recovery codes: ten, random, shown once, stored as keyed digests ---

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


def new_recovery_code() -> str:
    """Like "k7dm-q2xw-9pfa": 12 characters from 31 (about 59 bits), in groups for reading."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch in _RECOVERY_ALPHABET)


def hash_recovery_code(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, normalise_recovery_code(code).encode(), hashlib.sha256).hexdigest()
