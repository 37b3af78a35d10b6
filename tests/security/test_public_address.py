"""Issue #12 (HIGH): emailed links took their host from the request, so a password reset asked for with a forged
`Host` or `X-Forwarded-Host` emailed the reset token to the attacker's host. Every link is now built on BASE_URL,
in requests and commands alike, and a request for a host the portal does not serve gets a plain 400.

These run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (`make security` runs both)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.accounts.roles import OrgStatus, Role
from portal.database import utcnow
from tests import factories
from tests.html import h1
from tests.mail import deliver, inbox

PUBLIC = "https://resettlement.example.gov.uk"


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


@pytest.fixture
def public_address(app, monkeypatch):
    """BASE_URL on another host than the one the test client talks to (portal.test, also served)."""
    monkeypatch.setitem(app.config, "BASE_URL", PUBLIC)
    return PUBLIC


def test_a_reset_asked_for_with_a_forged_host_is_refused_and_emails_nothing(client, make):
    user = make.user(role=Role.PROVIDER)
    response = client.post("/forgot-password", data={"email": user.email}, headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert h1(response) == "There is a problem with your request"
    assert "attacker.example" not in response.get_data(as_text=True)
    assert inbox(user.email) == []


@pytest.mark.parametrize("header", ["X-Forwarded-Host", "X-Forwarded-Server", "Forwarded", "X-Host"])
def test_a_forged_forwarding_header_does_not_move_the_reset_link(client, make, header):
    user = make.user(role=Role.PROVIDER)
    value = "host=attacker.example" if header == "Forwarded" else "attacker.example"
    response = client.post("/forgot-password", data={"email": user.email}, headers={header: value})
    assert response.status_code == 200
    [message] = inbox(user.email)
    [link] = links(message)
    assert link.startswith("http://portal.test/reset-password/")
    assert "attacker" not in message.get_content()


def test_links_come_from_base_url_not_from_the_host_the_request_named(client, make, public_address):
    user = make.user(role=Role.PROVIDER)
    assert client.post("/forgot-password", data={"email": user.email}).status_code == 200
    [message] = inbox(user.email)
    [link] = links(message)
    assert link.startswith(f"{PUBLIC}/reset-password/")
    # ...and the link works when followed on the portal
    assert client.get(link.removeprefix(PUBLIC)).status_code == 200


def test_every_email_with_a_link_links_to_base_url(app, client, make, login_as, public_address):
    """Verification, reset, invitation, saved list, report of a problem, organisation decision, referral and
    nomination updates, and reminders from scheduled commands: every link is on BASE_URL."""
    from tests.security.test_personal_data import plant_nomination, plant_referral

    visitor = app.test_client()
    visitor.post("/register", data={
        "organisation_name": "Zeta Housing Trust", "kind": "provider", "sector": "voluntary-community",
        "charity_number": "1187654", "company_number": "", "regions": ["north-east"],
        "contract_package_areas": ["northumbria"], "description": "Supported housing.", "name": "Zed Zeta",
        "email": "zed@zeta.example", "password": "kettle lantern orchard"})
    visitor.post("/forgot-password", data={"email": "zed@zeta.example"})
    owner = make.user(role=Role.PROVIDER)
    service = make.listing(owner.organisation)
    invitations = app.test_client()
    factories.sign_in(invitations, owner)
    assert invitations.post(f"/organisations/{owner.organisation.public_id}/invite",
                            data={"email": "colleague@example.org", "org_role": "caseworker"}).status_code == 302
    saved = make.saved_list(owner, service)
    assert invitations.post(f"/lists/{saved.uuid}/email", data={"email": "friend@example.org"}).status_code == 302
    assert visitor.post(f"/services/{service.uuid}/report-a-problem",
                        data={"message": "The phone number is wrong", "email": ""}).status_code == 302
    pending = make.organisation(status=OrgStatus.PENDING)
    make.user(role=Role.PROVIDER, organisation_=pending)
    admin = app.test_client()
    factories.sign_in(admin, make.user(role=Role.ADMIN))
    assert admin.post(f"/admin/organisations/{pending.public_id}", data={"decision": "approve"}).status_code == 302
    plant_referral(app)
    plant_nomination(app)
    service.last_checked_at = utcnow() - timedelta(days=153)  # due a freshness reminder
    factories.db.session.commit()
    result = app.test_cli_runner().invoke(args=["directory", "remind"])
    assert result.exit_code == 0, result.output

    deliver()
    from email import policy as email_policy
    from email.parser import BytesParser
    from pathlib import Path

    messages = [BytesParser(policy=email_policy.default).parsebytes(p.read_bytes())
                for p in Path(app.config["MAIL_DIRECTORY"]).glob("*.eml")]
    subjects = {m["Subject"] for m in messages}
    for expected in ("Confirm your email address", "Reset your password", "A list of resettlement services",
                     "Someone reported a problem with a listing", "Your organisation has been approved"):
        assert expected in subjects, f"the scenario sent no {expected!r} email: {sorted(subjects)}"
    assert any(s.startswith("You have been invited") for s in subjects)
    assert any(s.startswith("Referral ") for s in subjects)
    assert len(messages) >= 10
    found = [(m["Subject"], link) for m in messages for link in links(m)]
    assert len(found) >= 10
    elsewhere = [(subject, link) for subject, link in found if not link.startswith(PUBLIC + "/")]
    assert not elsewhere, f"links not on BASE_URL: {elsewhere}"


def test_a_command_links_to_base_url_whatever_server_name_says(app, db, make, public_address, monkeypatch):
    """Issue #17: reminders from scheduled commands linked to port 5000 when the portal ran on another port."""
    monkeypatch.setitem(app.config, "SERVER_NAME", "127.0.0.1:5000")
    service = make.listing()
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    service.last_checked_at = utcnow() - timedelta(days=153)
    factories.db.session.commit()
    result = app.test_cli_runner().invoke(args=["directory", "remind"])
    assert result.exit_code == 0, result.output
    [email] = inbox(owner.email)
    assert [link.split("/provider/")[0] for link in links(email)] == [PUBLIC]


def test_the_health_probes_answer_whatever_the_host(client):
    """A load balancer may probe by address; the probes carry no link."""
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200


def test_the_bad_host_page_is_plain_and_cannot_fail(client):
    response = client.get("/services", headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers
