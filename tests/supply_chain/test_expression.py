"""Provider staff write their organisation's one Expression of Interest: saved as a draft as they go, checked
field by field, sent for review only when complete, and protected from stale edits."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import OrgRole, Role
from portal.extensions import db
from portal.supply_chain.models import Expression, ExpressionVersion, VersionState
from tests.html import banner, error_summary, field_error, h1, page
from tests.mail import inbox
from tests.supply_chain.factories import COMPLETE


def banners(response) -> str:
    return " ".join(b.get_text(" ", strip=True) for b in page(response).select(".govuk-notification-banner"))


def form_data(answers: dict) -> dict:
    return {key: ("" if value is None else value) for key, value in answers.items()}


@pytest.fixture
def provider(login_as):
    return login_as(Role.PROVIDER)


def test_a_provider_starts_saves_part_of_it_and_comes_back_later(client, provider):
    start = client.get("/expression-of-interest")
    assert h1(start) == "Your expression of interest"
    assert "has not started" in page(start).get_text()
    form = client.get("/expression-of-interest/edit")
    assert page(form).find(id="organisation_name")["value"] == provider.organisation.name

    response = client.post("/expression-of-interest/edit", data={"organisation_name": "Harbour Mentoring Trust",
                                                                 "pathways": ["health"], "staff": "4"})
    assert response.status_code == 302
    overview = client.get("/expression-of-interest")
    assert "saved as a draft" in banner(overview)
    assert page(overview).find(id="status").get_text(" ", strip=True) == "Status: Draft"
    missing = [li.get_text(strip=True) for li in page(overview).select("#missing li")]
    assert "Select your sector" in missing and "Enter your organisation's name" not in missing
    assert not page(overview).find("button", string=lambda s: s and "Send for review" in s)

    again = client.get("/expression-of-interest/edit")
    assert page(again).find(id="staff")["value"] == "4"
    assert page(again).find("input", {"name": "pathways", "value": "health"}).has_attr("checked")
    assert db.session.scalar(select(func.count()).select_from(ExpressionVersion)) == 1  # the same draft, saved


@pytest.mark.parametrize("field, value, message", [
    ("staff", "a dozen", "Paid staff must be a whole number, like 12"),
    ("contact_email", "not-an-email", "Enter an email address in the correct format, like name@example.com"),
    ("charity_number", "12", "Enter a registered charity number, like 1123456"),
    ("description", "x" * 3001, "What your organisation does must be 3,000 characters or fewer"),
    ("sector", "pirate", "Select one of the options for sector"),
    ("cpas", "atlantis", "Choose contract package areas from the options shown"),
    ("organisation_name", "Harbour\r\nBcc: x@example.org", "Organisation name must be on one line, without special "
                                                           "characters"),
])
def test_bad_answers_name_the_field_and_change_nothing(client, provider, field, value, message):
    client.post("/expression-of-interest/edit", data={"organisation_name": "Before"})
    response = client.post("/expression-of-interest/edit", data={**form_data(COMPLETE), field: value})
    assert response.status_code == 400
    assert message in error_summary(response)
    assert field_error(response, field if field not in ("sector",) else field) == message or field in ("cpas",
                                                                                                        "sector")
    assert page(response).title.get_text().startswith("Error: ")
    version = db.session.scalar(select(ExpressionVersion))
    assert version.answers["organisation_name"] == "Before"


def test_a_complete_entry_is_sent_for_review_and_the_administrators_are_told(client, provider, make):
    admin = make.user(role=Role.ADMIN)
    client.post("/expression-of-interest/edit", data=form_data(COMPLETE))
    overview = client.get("/expression-of-interest")
    assert not page(overview).select("#missing")
    response = client.post("/expression-of-interest/submit")
    assert response.status_code == 302
    overview = client.get("/expression-of-interest")
    assert "sent for review" in banner(overview)
    assert page(overview).find(id="status").get_text(" ", strip=True) == "Status: Sent for review"
    [email] = inbox(admin.email)
    assert email["Subject"] == "An expression of interest is waiting for review"
    assert "Harbour" not in email.get_content()  # a link, not the details
    version = db.session.scalar(select(ExpressionVersion))
    assert version.state == VersionState.SUBMITTED and version.submitted_by_id == provider.id
    assert [d.action for d in version.decisions] == ["submit"]


def test_an_unfinished_entry_cannot_be_sent(client, provider):
    client.post("/expression-of-interest/edit", data={"organisation_name": "Harbour"})
    client.post("/expression-of-interest/submit")
    overview = client.get("/expression-of-interest")
    assert "Your entry is not finished: enter what your organisation does" in banners(overview)
    assert db.session.scalar(select(ExpressionVersion)).state == VersionState.DRAFT


def test_while_waiting_it_cannot_be_changed_until_taken_back(client, provider):
    client.post("/expression-of-interest/edit", data=form_data(COMPLETE))
    client.post("/expression-of-interest/submit")
    response = client.post("/expression-of-interest/edit", data={**form_data(COMPLETE), "staff": "9"})
    assert response.status_code == 400
    assert error_summary(response) == ["Your entry has been sent for review. Take it back from review before you "
                                       "change it"]
    client.post("/expression-of-interest/withdraw")
    assert db.session.scalar(select(ExpressionVersion)).state == VersionState.DRAFT
    assert client.post("/expression-of-interest/edit", data={**form_data(COMPLETE), "staff": "9"}).status_code == 302
    version = db.session.scalar(select(ExpressionVersion))
    assert version.answers["staff"] == 9
    assert [d.action for d in version.decisions] == ["submit", "withdraw"]


def test_a_stale_edit_is_refused_with_a_409_and_the_newer_answers_are_kept(client, provider):
    client.post("/expression-of-interest/edit", data=form_data(COMPLETE))
    opened = db.session.scalar(select(Expression)).version
    client.post("/expression-of-interest/edit", data={**form_data(COMPLETE), "staff": "20", "version": opened})
    stale = client.post("/expression-of-interest/edit", data={**form_data(COMPLETE), "staff": "30",
                                                              "version": opened})
    assert stale.status_code == 409
    assert h1(stale) == "Someone else changed this"
    assert db.session.scalar(select(ExpressionVersion)).answers["staff"] == 20


@pytest.mark.parametrize("org_role, can_edit", [(OrgRole.MANAGER, True), (OrgRole.CASEWORKER, True),
                                                (OrgRole.FINANCE, False)])
def test_colleagues_edit_by_their_role_and_finance_staff_only_look(client, make, login_as, org_role, can_edit):
    owner = make.user(role=Role.PROVIDER)
    login_as(make.user(role=Role.PROVIDER, organisation_=owner.organisation, org_role=org_role))
    assert client.get("/expression-of-interest").status_code == 200
    assert client.get("/expression-of-interest/edit").status_code == (200 if can_edit else 403)


@pytest.mark.parametrize("role", [Role.LEAD_PROVIDER, Role.EMPLOYER, Role.OFFENDER_MANAGER, Role.ADMIN])
def test_only_service_providers_have_an_expression_of_interest(client, login_as, role):
    login_as(role)
    assert client.get("/expression-of-interest").status_code == 403
    assert client.post("/expression-of-interest/edit", data=form_data(COMPLETE)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Expression)) == 0


def test_signed_out_visitors_are_asked_to_sign_in(client, db):
    response = client.get("/expression-of-interest")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
