"""A copied session cookie stops working when its user changes their password (from that very session) or is
disabled, as it does on sign-out.

Also tested elsewhere: sign-out with a copied cookie (tests/accounts/test_sign_in.py::
test_signing_out_ends_every_session_and_a_copied_cookie_stops_working), other devices after a password change
(test_changing_password_signs_out_everywhere_and_the_new_password_works), disabling (
test_disabled_users_cannot_sign_in_and_lose_their_sessions), learners' kiosk sessions (tests/campus/test_sessions.py),
sign-in limits per account and per address (tests/accounts/test_sign_in.py) and across gunicorn workers through
Redis (tests/test_rate_limit_workers.py).
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import ApiToken
from portal.accounts.roles import Role
from tests import factories


def _sign_in(client, user, password=factories.PASSWORD):
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.status_code
    return client.get_cookie("session", domain="portal.test").value


def _with_cookie(app, cookie):
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="portal.test")
    return thief


def test_a_cookie_copied_before_a_password_change_stops_working(app, client, db):
    user = factories.user(role=Role.EMPLOYER)
    copied = _sign_in(client, user)
    assert _with_cookie(app, copied).get("/account").status_code == 200
    changed = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "new_password": "a whole new passphrase"})
    assert changed.status_code == 302
    response = _with_cookie(app, copied).get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _with_cookie(app, copied).post("/account/tokens/new", data={"name": "stolen"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_cookie_copied_before_sign_out_cannot_reach_the_api_token_page_or_post(app, client, db):
    user = factories.user(role=Role.PROVIDER)
    copied = _sign_in(client, user)
    client.post("/sign-out")
    thief = _with_cookie(app, copied)
    for response in (thief.get("/account/tokens/new"), thief.post("/account/tokens/new", data={"name": "stolen"})):
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_cookie_copied_before_the_user_is_disabled_stops_working(app, client, db):
    from portal.accounts import operations

    user = factories.user(role=Role.PROVIDER)
    copied = _sign_in(client, user)
    operations.disable_user(user, factories.user(role=Role.ADMIN), "left the organisation")
    db.session.commit()
    assert _with_cookie(app, copied).get("/dashboard").status_code == 302
