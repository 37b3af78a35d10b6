"""Issue #12: anyone could lock an account for 15 minutes by failing its password, and two-factor codes were
limited per client address only, so guesses spread over several addresses got through."""
from __future__ import annotations

from portal.accounts.roles import Role
from tests import factories
from tests.html import h1
from tests.mail import inbox


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, email, password=factories.PASSWORD):
    return client.post("/sign-in", data={"email": email, "password": password})


def test_a_stranger_failing_a_password_does_not_lock_the_account_holder_out(app, db):
    user = factories.user(role=Role.PROVIDER)
    stranger = _from(app, "203.0.113.9")
    for _ in range(5):
        assert _sign_in(stranger, user.email, "wrong password here").status_code == 400
    assert _sign_in(stranger, user.email).status_code == 429  # the stranger is locked out, even with the password
    assert _sign_in(_from(app, "198.51.100.4"), user.email).status_code == 302  # the holder is not


def test_the_account_holder_is_told_by_email_when_a_lock_out_begins(app, db):
    user = factories.user(role=Role.PROVIDER)
    stranger = _from(app, "203.0.113.9")
    for _ in range(7):
        _sign_in(stranger, user.email, "wrong password here")
    [message] = inbox(user.email)  # once, however many refused attempts follow
    assert message["Subject"] == "Someone is trying to sign in to your account"
    assert "http://portal.test/forgot-password" in message.get_content()
    assert "203.0.113.9" not in message.get_content()


def test_a_lock_out_for_an_address_with_no_account_says_the_same_and_emails_nobody(app, db):
    stranger = _from(app, "203.0.113.9")
    for _ in range(5):
        _sign_in(stranger, "nobody@example.org", "wrong password here")
    blocked = _sign_in(stranger, "nobody@example.org", "wrong password here")
    assert blocked.status_code == 429 and h1(blocked) == "Too many attempts"
    assert inbox("nobody@example.org") == []


def _window_passes(granularity: str) -> None:
    """As if a rate-limit window of this length had ended: its counters (only those) are cleared."""
    from portal.extensions import limiter

    storage = limiter.storage
    for key in [key for key in list(storage.storage) if "sign-in:" in key and f"/{granularity}" in key]:
        storage.clear(key)


def test_the_lock_out_grows_with_repeated_failures(app, db):
    """5 failures lock for 15 minutes; 5 more after that, for the hour; 20 in all, for the day."""
    user = factories.user(role=Role.PROVIDER)
    stranger = _from(app, "203.0.113.9")
    for _ in range(5):
        _sign_in(stranger, user.email, "wrong password here")
    assert _sign_in(stranger, user.email).status_code == 429
    _window_passes("minute")  # 15 minutes later
    for _ in range(5):
        assert _sign_in(stranger, user.email, "wrong password here").status_code == 400
    _window_passes("minute")
    assert _sign_in(stranger, user.email).status_code == 429  # 10 in the hour: locked for the hour
    _window_passes("hour")
    assert _sign_in(stranger, user.email).status_code == 302  # the hour passed: fine again


def test_two_factor_guesses_are_limited_per_account_across_addresses(app, db):
    user = factories.user(role=Role.ADMIN)
    refused = []
    for n in range(6):
        guesser = _from(app, f"203.0.113.{n + 1}")  # a new address for every guess
        assert _sign_in(guesser, user.email).status_code == 302  # they hold the password
        refused.append(guesser.post("/sign-in/two-factor", data={"code": "000000"}).status_code)
    assert refused[:5] == [400] * 5
    assert refused[5] == 429
    # the right code from yet another address is refused too until the period ends
    last = _from(app, "203.0.113.99")
    _sign_in(last, user.email)
    assert last.post("/sign-in/two-factor", data={"code": factories.totp_code(user)}).status_code == 429
