"""Issue #17: administrators' screens for what needed the command line: invite offender managers, prison staff
and administrators (who set their own password and enrol their second factor through the emailed link), disable
and re-enable users (ending their sessions and tokens), reset a second factor (re-enrolled by an emailed link),
and each user's sign-in history. Every action is audited; other roles get 403."""
from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit import AuditEvent
from tests import factories
from tests.html import error_summary, field_error, h1, page
from tests.mail import inbox, last_link


def actions(user) -> list[str]:
    return list(factories.db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == user.public_id).order_by(AuditEvent.id)))


def test_an_administrator_invites_a_prison_officer_who_sets_a_password_and_enrols(app, client, login_as):
    admin = login_as(Role.ADMIN)
    sent = client.post("/admin/users/new", data={"name": "Sam Okoro", "email": "Sam.Okoro@justice.example",
                                                 "role": "prison_staff", "prison": "LEI"})
    assert sent.status_code == 302
    officer = factories.db.session.scalar(select(User).where(User.email == "sam.okoro@justice.example"))
    assert officer.password_hash is None and officer.prison.code == "LEI"
    [message] = inbox("sam.okoro@justice.example")
    assert message["Subject"] == "Set up your account"

    newcomer = app.test_client()
    link = last_link("sam.okoro@justice.example")
    secret = page(newcomer.get(link)).find(id="totp-secret").get_text(strip=True)
    no_password = newcomer.post(link, data={"code": pyotp.TOTP(secret).now()})
    assert no_password.status_code == 400 and field_error(no_password, "password") == "Enter a password"
    done = newcomer.post(link, data={"password": "granite harbour lantern", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and h1(done) == "Your recovery codes"
    signed_in = newcomer.post("/sign-in", data={"email": "sam.okoro@justice.example",
                                                "password": "granite harbour lantern"})
    assert signed_in.headers["Location"].endswith("/sign-in/two-factor")
    assert "user.invited" in actions(officer) and "user.mfa_enabled" in actions(officer)
    invited_by = select(AuditEvent.actor_id).where(AuditEvent.action == "user.invited")
    assert factories.db.session.scalar(invited_by) == admin.id


def test_an_administrator_invites_offender_managers_into_a_probation_delivery_unit(client, login_as):
    login_as(Role.ADMIN)
    form = page(client.get("/admin/users/new"))
    options = [o.get_text(strip=True) for o in form.find(id="probation_delivery_unit").find_all("option")]
    assert "Leeds (Yorkshire and the Humber)" in options and "Cardiff and Vale (Wales)" in options
    for email, scope in (("om@justice.example", "unit"), ("lead@justice.example", "region")):
        sent = client.post("/admin/users/new", data={"name": "Sam Okoro", "email": email, "role": "offender_manager",
                                                     "probation_delivery_unit": "leeds", "scope": scope})
        assert sent.status_code == 302
        shown = page(client.get(sent.headers["Location"])).get_text(" ", strip=True)
        assert "Probation delivery unit Leeds" in shown and "Probation region Yorkshire and the Humber" in shown
    officer = factories.db.session.scalar(select(User).where(User.email == "om@justice.example"))
    lead = factories.db.session.scalar(select(User).where(User.email == "lead@justice.example"))
    assert (officer.probation_delivery_unit.slug, officer.probation_region.slug, officer.sees_whole_region) == (
        "leeds", "yorkshire-humber", False)
    assert lead.sees_whole_region is True


def test_an_administrator_moves_an_offender_manager_to_another_unit_or_makes_them_a_regional_lead(client, login_as):
    login_as(Role.ADMIN)
    officer = factories.user(role=Role.OFFENDER_MANAGER, probation_delivery_unit="leeds")
    url = f"/admin/users/{officer.public_id}/probation-team"
    shown = page(client.get(f"/admin/users/{officer.public_id}"))
    assert shown.find(id="probation-team").find("option", selected=True)["value"] == "leeds"
    wrong = client.post(url, data={"probation_delivery_unit": "", "scope": "unit"})
    assert wrong.status_code == 400
    assert field_error(wrong, "probation_delivery_unit") == "Select their probation delivery unit"
    moved = client.post(url, data={"probation_delivery_unit": "sheffield", "scope": "region"})
    assert moved.status_code == 302
    factories.db.session.refresh(officer)
    assert (officer.probation_delivery_unit.slug, officer.probation_region.slug, officer.sees_whole_region) == (
        "sheffield", "yorkshire-humber", True)
    assert "user.probation_team_changed" in actions(officer)
    not_om = factories.user(role=Role.PRISON_STAFF)
    assert client.post(f"/admin/users/{not_om.public_id}/probation-team",
                       data={"probation_delivery_unit": "leeds"}).status_code == 400


@pytest.mark.parametrize("answers, field, message", [
    ({"role": "prison_staff", "prison": ""}, "prison", "Select the prison they work in"),
    ({"role": "offender_manager", "probation_delivery_unit": ""}, "probation_delivery_unit",
     "Select their probation delivery unit"),
    ({"role": "offender_manager", "probation_delivery_unit": "atlantis"}, "probation_delivery_unit",
     "Not a valid choice"),
    ({"role": "provider"}, "role", "Not a valid choice"),
    ({"email": ""}, "email", "Enter their work email address"),
])
def test_bad_invitations_name_the_field_and_change_nothing(client, login_as, answers, field, message):
    login_as(Role.ADMIN)
    data = {"name": "Sam Okoro", "email": "sam@justice.example", "role": "admin", **answers}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 400
    assert message in field_error(response, field) and error_summary(response)
    assert factories.db.session.scalar(select(User).where(User.email == "sam@justice.example")) is None


def test_disabling_ends_sessions_and_tokens_and_re_enabling_keeps_old_tokens_dead(app, client, login_as):
    login_as(Role.ADMIN)
    manager = factories.user(role=Role.OFFENDER_MANAGER)
    token = factories.api_token(manager)
    their_browser = app.test_client()
    factories.sign_in(their_browser, manager)
    assert client.post(f"/admin/users/{manager.public_id}/disable", data={"disable-reason": ""}).status_code == 400
    done = client.post(f"/admin/users/{manager.public_id}/disable", data={"disable-reason": "left the service"})
    assert done.status_code == 302
    assert their_browser.get("/dashboard").status_code == 302
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert client.post(f"/admin/users/{manager.public_id}/enable").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401  # ended for good
    assert {"user.disabled", "user.credentials_ended", "user.enabled"} <= set(actions(manager))


def test_resetting_a_second_factor_makes_the_user_re_enrol_by_email(app, client, login_as):
    login_as(Role.ADMIN)
    officer = factories.user(role=Role.PRISON_STAFF)
    done = client.post(f"/admin/users/{officer.public_id}/reset-two-factor", data={"reset-reason": "lost phone"})
    assert done.status_code == 302
    factories.db.session.refresh(officer)
    assert officer.mfa_enabled_at is None and officer.totp_secret is None
    [message] = inbox(officer.email)
    assert message["Subject"] == "Set up two-factor authentication"
    assert "user.mfa_reset" in actions(officer)


def test_sign_in_history_shows_successes_and_failures_never_passwords(app, client, login_as):
    login_as(Role.ADMIN)
    provider = factories.user(role=Role.PROVIDER)
    other = app.test_client()
    other.post("/sign-in", data={"email": provider.email, "password": "not my password at all"})
    other.post("/sign-in", data={"email": provider.email, "password": factories.PASSWORD})
    shown = client.get(f"/admin/users/{provider.public_id}")
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")]
            for row in page(shown).find(id="sign-in-history").find_all("tr")[1:]]
    assert [what for _, what in rows] == ["Signed in", "Wrong password"]
    assert "not my password" not in shown.get_data(as_text=True)
    assert "user.sign_in_history_viewed" in actions(provider)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_other_roles_cannot_reach_the_user_screens(client, login_as, role):
    login_as(role, mfa=False) if role == Role.LEARNER else login_as(role)
    refused = {302} if role == Role.LEARNER else {403}  # a learner outside a kiosk session goes back to sign in
    target = factories.user(role=Role.OFFENDER_MANAGER)
    assert client.get("/admin/users").status_code in refused
    assert client.post("/admin/users/new", data={"name": "X", "email": "x@example.org",
                                                 "role": "admin"}).status_code in refused
    assert client.post(f"/admin/users/{target.public_id}/disable",
                       data={"disable-reason": "no"}).status_code in refused
    factories.db.session.refresh(target)
    assert target.disabled_at is None
