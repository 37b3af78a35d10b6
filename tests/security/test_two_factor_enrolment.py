"""Issue #12: a new privileged account enrolled its second factor on first sign-in, so whoever held the password
enrolled their own app. Enrolment now needs a one-time link sent to the account's email address, and every
two-factor user has ten single-use recovery codes (shown once, stored hashed, usable in place of a code,
regenerable)."""
from __future__ import annotations

import pyotp
from sqlalchemy import select

from portal.accounts.models import RecoveryCode
from portal.accounts.roles import Role
from tests import factories
from tests.html import page
from tests.mail import inbox, last_link


def _sign_in(client, user, password=factories.PASSWORD):
    return client.post("/sign-in", data={"email": user.email, "password": password})


def _enrol(client, user) -> list[str]:
    link = last_link(user.email)
    secret = page(client.get(link)).find(id="totp-secret").get_text(strip=True)
    done = client.post(link, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.status_code
    return [li.get_text(strip=True) for li in page(done).find(id="recovery-codes").find_all("li")]


def test_holding_the_password_is_not_enough_to_enrol_a_second_factor(client, make):
    user = make.user(role=Role.ADMIN, mfa=False)
    response = _sign_in(client, user)
    assert response.status_code == 400  # no set-up page: a link goes to the mailbox instead
    assert client.get("/sign-in/two-factor/set-up").status_code == 404
    assert client.get("/dashboard").status_code == 302
    [message] = inbox(user.email)
    assert message["Subject"] == "Set up two-factor authentication"
    assert "/enrol/" in message.get_content()
    factories.db.session.refresh(user)
    assert user.mfa_enabled_at is None


def test_the_enrolment_link_works_once(client, make):
    user = make.user(role=Role.PRISON_STAFF, mfa=False)
    _sign_in(client, user)
    link = last_link(user.email)
    _enrol(client, user)
    again = client.get(link)
    assert again.status_code == 400


def test_ten_recovery_codes_are_shown_once_and_stored_hashed(client, make):
    user = make.user(role=Role.OFFENDER_MANAGER, mfa=False)
    _sign_in(client, user)
    codes = _enrol(client, user)
    assert len(codes) == len(set(codes)) == 10
    stored = factories.db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert not any(code in page(client.get("/account")).get_text() for code in codes)


def test_a_recovery_code_signs_in_in_place_of_a_code_and_works_once(app, client, make):
    user = make.user(role=Role.OFFENDER_MANAGER, mfa=False)
    _sign_in(client, user)
    codes = _enrol(client, user)
    assert _sign_in(client, user).status_code == 302
    used = client.post("/sign-in/two-factor", data={"code": codes[0].upper()})
    assert used.status_code == 302 and used.headers["Location"].endswith("/dashboard")
    other = app.test_client()
    _sign_in(other, user)
    assert other.post("/sign-in/two-factor", data={"code": codes[0]}).status_code == 400
    assert other.post("/sign-in/two-factor", data={"code": codes[1]}).status_code == 302


def test_recovery_codes_can_be_made_again_and_the_old_ones_stop_working(app, client, make):
    user = make.user(role=Role.ADMIN, mfa=False)
    _sign_in(client, user)
    old = _enrol(client, user)
    factories.sign_in(client, user)
    remade = client.post("/account/recovery-codes")
    new = [li.get_text(strip=True) for li in page(remade).find(id="recovery-codes").find_all("li")]
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    _sign_in(other, user)
    assert other.post("/sign-in/two-factor", data={"code": old[2]}).status_code == 400
    assert other.post("/sign-in/two-factor", data={"code": new[2]}).status_code == 302
