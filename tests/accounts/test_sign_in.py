"""Signing in and out: passwords, two-factor codes, rate limits, session revocation, idle time-out."""
from __future__ import annotations

import time

import pytest

from portal.accounts.roles import Role
from tests import factories
from tests.html import error_summary, field_error, h1, title


def sign_in(client, email, password=factories.PASSWORD, follow=False):
    return client.post("/sign-in", data={"email": email, "password": password}, follow_redirects=follow)


def test_provider_signs_in_with_email_and_password_and_sees_their_dashboard(client, make):
    user = make.user(role=Role.PROVIDER)
    response = sign_in(client, user.email.upper(), follow=True)  # email is not case-sensitive
    assert response.status_code == 200
    assert h1(response) == "Provider staff dashboard"
    assert "Signed in as " + user.name in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message_that_does_not_say_which_part_was_wrong(client, make):
    user = make.user(role=Role.EMPLOYER)
    response = sign_in(client, user.email, "not the password")
    assert response.status_code == 400
    assert error_summary(response) == ["Enter a correct email address and password"]
    assert title(response).startswith("Error: Sign in")
    unknown = sign_in(client, "nobody@example.org", "whatever at all")
    assert error_summary(unknown) == error_summary(response)
    assert client.get("/dashboard").status_code == 302


def test_empty_and_malformed_fields_are_named(client, db):
    response = client.post("/sign-in", data={"email": "not-an-email", "password": ""})
    assert response.status_code == 400
    assert field_error(response, "email") == "Enter an email address in the correct format, like name@example.com"
    assert field_error(response, "password") == "Enter your password"


def test_unverified_email_cannot_sign_in_and_gets_a_new_link(client, make, app):
    user = make.user(role=Role.PROVIDER, verified=False)
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert "Confirm your email address before signing in" in error_summary(response)[0]
    from portal.extensions import db
    from portal.outbox import OutboxMessage
    assert db.session.query(OutboxMessage).filter_by(topic="email").count() == 1


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFENDER_MANAGER, Role.PRISON_STAFF])
def test_staff_roles_must_enter_a_two_factor_code(client, make, role):
    user = make.user(role=role)
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/two-factor")
    assert client.get("/dashboard").status_code == 302  # not signed in yet
    wrong = client.post("/sign-in/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    assert field_error(wrong, "code").startswith("The code is not right")
    ok = client.post("/sign-in/two-factor", data={"code": factories.totp_code(user)}, follow_redirects=True)
    assert ok.status_code == 200 and "dashboard" in h1(ok).lower()


def test_a_two_factor_code_cannot_be_used_twice(client, make, app):
    user = make.user(role=Role.ADMIN)
    code = factories.totp_code(user)
    sign_in(client, user.email)
    assert client.post("/sign-in/two-factor", data={"code": code}).status_code == 302
    client.post("/sign-out", data={})
    other = app.test_client()
    sign_in(other, user.email)
    replay = other.post("/sign-in/two-factor", data={"code": code})
    assert replay.status_code == 400


def test_staff_without_two_factor_set_it_up_with_a_qr_code_from_an_emailed_link(client, make):
    import pyotp
    from bs4 import BeautifulSoup

    from tests.mail import last_link

    user = make.user(role=Role.OFFENDER_MANAGER, mfa=False)
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert "We have emailed you a link" in error_summary(response)[0]
    setup = client.get(last_link(user.email))
    soup = BeautifulSoup(setup.get_data(as_text=True), "html.parser")
    assert soup.select_one(".app-qr svg") is not None
    secret = soup.find(id="totp-secret").get_text(strip=True)
    assert client.post(last_link(user.email), data={"code": "123"}).status_code == 400
    done = client.post(last_link(user.email), data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert "Two-factor authentication is set up" in done.get_data(as_text=True)


def test_providers_do_not_need_two_factor(client, make):
    user = make.user(role=Role.PROVIDER)
    assert sign_in(client, user.email).headers["Location"].endswith("/dashboard")


def test_too_many_failed_attempts_for_one_account_are_refused_even_with_the_right_password(client, make, app):
    user = make.user(role=Role.PROVIDER)
    for _ in range(5):
        assert sign_in(client, user.email, "wrong password here").status_code == 400
    blocked = sign_in(client, user.email)
    assert blocked.status_code == 429
    assert h1(blocked) == "Too many attempts"
    # another account from the same address is still fine
    other = make.user(role=Role.PROVIDER)
    assert sign_in(client, other.email).status_code == 302


def test_too_many_attempts_from_one_address_are_refused(client, make, app):
    for n in range(20):
        sign_in(client, f"guess{n}@example.org", "wrong password here")
    assert sign_in(client, "guess-final@example.org", "wrong password here").status_code == 429


def test_signing_out_ends_every_session_and_a_copied_cookie_stops_working(client, make, app):
    user = make.user(role=Role.PROVIDER)
    sign_in(client, user.email)
    other_device = app.test_client()
    sign_in(other_device, user.email)
    copied_cookie = client.get_cookie("session", domain="portal.test").value
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert "Clear-Site-Data" in response.headers
    assert other_device.get("/dashboard").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied_cookie, domain="portal.test")
    assert thief.get("/dashboard").status_code == 302


def test_changing_password_signs_out_everywhere_and_the_new_password_works(client, make, app):
    user = make.user(role=Role.EMPLOYER)
    sign_in(client, user.email)
    other_device = app.test_client()
    sign_in(other_device, user.email)
    bad = client.post("/account/password", data={"current_password": "nope", "new_password": "x"})
    assert bad.status_code == 400
    assert field_error(bad, "current_password") == "Your current password is not right"
    ok = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                "new_password": "a whole new passphrase"})
    assert ok.status_code == 302
    assert other_device.get("/dashboard").status_code == 302
    assert sign_in(client, user.email).status_code == 400
    assert sign_in(client, user.email, "a whole new passphrase").status_code == 302


def test_disabled_users_cannot_sign_in_and_lose_their_sessions(client, make, db):
    from portal.accounts import operations

    user = make.user(role=Role.PROVIDER)
    sign_in(client, user.email)
    admin = make.user(role=Role.ADMIN)
    operations.disable_user(user, admin, "left the organisation")
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert sign_in(client, user.email).status_code == 400


def test_idle_sessions_end_after_30_minutes(client, make):
    user = make.user(role=Role.PROVIDER)
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session["last_active"] = time.time() - 31 * 60
    response = client.get("/dashboard", follow_redirects=True)
    assert h1(response) == "Sign in"
    assert "You were signed out because you had done nothing for 30 minutes" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_signed_in_pages_carry_the_idle_warning_settings(client, login_as):
    login_as(Role.PROVIDER)
    from tests.html import page

    marker = page(client.get("/dashboard")).find(id="idle-timeout")
    assert marker["data-seconds"] == "1800"
    assert client.post("/session/keep-alive", headers={"X-CSRFToken": marker["data-csrf"]}).status_code == 200


def test_sign_in_redirects_only_to_pages_on_this_site(client, make):
    user = make.user(role=Role.PROVIDER)
    evil = client.post("/sign-in?next=//evil.example/steal", data={"email": user.email, "password": factories.PASSWORD})
    assert evil.headers["Location"].endswith("/dashboard")
    client.post("/sign-out")
    good = client.post("/sign-in?next=/account", data={"email": user.email, "password": factories.PASSWORD})
    assert good.headers["Location"].endswith("/account")
