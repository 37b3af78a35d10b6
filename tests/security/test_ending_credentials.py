"""Issue #12: API tokens kept working after a password change, a password reset, "sign out everywhere" and
disabling the account. Each of these now ends every credential the user holds, tokens included; the user may
then create a new token."""
from __future__ import annotations

import pytest

from portal.accounts import operations
from portal.accounts.roles import Role
from tests import factories
from tests.html import page
from tests.mail import last_link


def _api(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _password_changed(app, client, user):
    factories.sign_in(client, user)
    assert client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                   "new_password": "a whole new passphrase"}).status_code == 302


def _password_reset(app, client, user):
    client.post("/forgot-password", data={"email": user.email})
    response = client.post(last_link(user.email), data={"password": "a whole new passphrase"})
    assert response.status_code == 302


def _signed_out_everywhere(app, client, user):
    factories.sign_in(client, user)
    response = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "signed out on every device" in response.get_data(as_text=True)


def _disabled(app, client, user):
    operations.disable_user(user, factories.user(role=Role.ADMIN), "left the organisation")
    factories.db.session.commit()


@pytest.mark.parametrize("event", [_password_changed, _password_reset, _signed_out_everywhere, _disabled],
                         ids=["password changed", "password reset", "signed out everywhere", "disabled"])
def test_every_api_token_stops_working(app, client, db, event):
    user = factories.user(role=Role.PROVIDER)
    tokens = [factories.api_token(user, "case system"), factories.api_token(user, "script")]
    other = factories.api_token(factories.user(role=Role.PROVIDER))
    assert all(_api(app.test_client(), token).status_code == 200 for token in tokens)
    event(app, client, user)
    assert [_api(app.test_client(), token).status_code for token in tokens] == [401, 401]
    assert _api(app.test_client(), other).status_code == 200  # nobody else's


def test_after_signing_out_everywhere_the_user_may_create_a_new_token(app, client, db):
    user = factories.user(role=Role.PROVIDER)
    old = factories.api_token(user)
    _signed_out_everywhere(app, client, user)
    factories.db.session.refresh(user)
    factories.sign_in(client, user)
    created = client.post("/account/tokens/new", data={"name": "new case system"})
    assert created.status_code == 200
    new = page(created).find(id="new-token").get_text(strip=True)
    assert _api(app.test_client(), new).status_code == 200
    assert _api(app.test_client(), old).status_code == 401


def test_plain_sign_out_keeps_the_users_tokens(app, client, db):
    """Signing out of a browser is not a reason to break the systems that use the user's tokens."""
    user = factories.user(role=Role.PROVIDER)
    token = factories.api_token(user)
    factories.sign_in(client, user)
    client.post("/sign-out")
    assert _api(app.test_client(), token).status_code == 200
