"""The portal's important forms fuzzed with hypothesis, each as a user who may use it.

For each form: GET its page, read the field names (and the options it offers) from the HTML, then POST values
no honest person types (huge strings, every kind of unicode, NUL and CR/LF and other control characters,
numbers out of range, dates like 31 February, nothing at all, several values for one field) with the page's CSRF
token. Never a 5xx; a 400 shows a GOV.UK error summary; a refused request (any 4xx) changes nothing in the
database (tests.security.hostile.RECORDS_ATTEMPTS lists the tables that legitimately record attempts, and why).
The examples are few and derandomised so the run is the same every time and fast enough for CI."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from portal.accounts.roles import OrgKind, OrgRole, Role
from portal.extensions import limiter
from tests import factories
from tests.campus import helpers as campus
from tests.employers import factories as alliance
from tests.funding import factories as funding
from tests.security import hostile
from tests.supply_chain import factories as supply

EXAMPLES = 8


@dataclass
class Target:
    """A page holding the form (`path`), the form's action when the page has several, and valid answers for
    some fields so that examples get past the first check and reach the rules behind it."""
    path: str
    action: str | None = None
    valid: dict = field(default_factory=dict)
    also_written: frozenset = frozenset()  # tables this role writes on every request (the learner's kiosk session)
    unavailable_ok: bool = False  # a payment service pointed nowhere answers 503 to a valid donation
    anonymous: bool = False  # a new visitor each time (a successful sign-in would change the session)


def _staff(client, role: str, **kwargs):
    user = factories.user(role=role, **kwargs)
    factories.sign_in(client, user)
    return user


# --- Anonymous ---

def register(client) -> Target:
    return Target("/register", anonymous=True, valid={"organisation_name": "Harbour Trust", "name": "Sam Jones",
                                      "email": "sam@harbour.example.org", "password": "a long enough passphrase",
                                      "kind": "provider", "sector": "voluntary-community", "regions": "north-east"})


def sign_in(client) -> Target:
    user = factories.user(role=Role.PROVIDER, email="known@example.org")
    return Target("/sign-in", anonymous=True, valid={"email": user.email, "password": factories.PASSWORD})


def forgot_password(client) -> Target:
    factories.user(role=Role.PROVIDER, email="known@example.org")
    return Target("/forgot-password", anonymous=True, valid={"email": "known@example.org"})


def report_problem(client) -> Target:
    service = factories.published_service(index=False)
    return Target(f"/services/{service.uuid}/report-a-problem",
                  valid={"message": "The phone number is wrong", "email": "someone@example.org"}, anonymous=True)


def donate(client) -> Target:
    from flask import current_app

    org = factories.organisation(kind=OrgKind.PROVIDER)
    funding.donations_on(org)
    # Configured, but pointed at a closed port: a valid donation gets the "payment service unavailable" page
    for key, value in (("STRIPE_SECRET_KEY", "sk_test_x"), ("STRIPE_PUBLISHABLE_KEY", "pk_test_x"),
                       ("STRIPE_WEBHOOK_SECRET", "whsec_x"), ("STRIPE_API_BASE", "http://127.0.0.1:9")):
        current_app.config[key] = value
    return Target(f"/organisations/{org.public_id}/donate", valid={"amount": "10"}, unavailable_ok=True,
                  anonymous=True)


# --- Offender manager ---

def _draft(client):
    manager = _staff(client, Role.OFFENDER_MANAGER)
    return factories.referral(state="draft", referrer=manager)


def referral_section(section: str) -> Callable:
    def setup(client) -> Target:
        item = _draft(client)
        return Target(f"/referrals/{item.public_id}/draft/{section}")
    setup.__name__ = f"referral_{section}"
    return setup


def referral_withdraw(client) -> Target:
    manager = _staff(client, Role.OFFENDER_MANAGER)
    item = factories.referral(state="sent", referrer=manager)
    return Target(f"/referrals/{item.public_id}/withdraw")


# --- Provider ---

def listing_edit(client) -> Target:
    user = _staff(client, Role.PROVIDER)
    service = factories.listing(user.organisation)
    return Target(f"/provider/listings/{service.uuid}/edit")


def expression_edit(client) -> Target:
    user = _staff(client, Role.PROVIDER)
    supply.expression(user, state="draft")
    return Target("/expression-of-interest/edit")


def referral_book_as_provider(client) -> Target:
    item = factories.referral(state="assigned")
    worker = item.assigned_to
    factories.sign_in(client, worker)
    return Target(f"/referrals/{item.public_id}/book")


def referral_decline_as_provider(client) -> Target:
    item = factories.referral(state="sent")
    manager = factories.user(role=Role.PROVIDER, organisation_=item.service.organisation, org_role=OrgRole.MANAGER)
    factories.sign_in(client, manager)
    return Target(f"/referrals/{item.public_id}/decline")


# --- Lead provider ---

def partner_invitation(client) -> Target:
    found = supply.expression()
    lead = _staff(client, Role.LEAD_PROVIDER)
    del lead
    return Target(f"/partners/{found.public_id}/invite")


# --- Employer ---

def join_alliance(client) -> Target:
    _staff(client, Role.EMPLOYER)
    return Target("/employer/alliance/level")


def new_opportunity(client) -> Target:
    user = alliance.employer()
    factories.sign_in(client, user)
    return Target("/employer/opportunities/new")


def nomination_step(client) -> Target:
    found = alliance.nomination()
    factories.sign_in(client, found.opportunity.organisation.memberships[0].user)
    return Target(f"/nominations/{found.public_id}/interview-offered")


# --- Prison staff ---

def new_learner(client) -> Target:
    campus_staff = campus.prison_staff()
    factories.sign_in(client, campus_staff)
    return Target("/campus/staff/learners/new")


def open_session(client) -> Target:
    learner = campus.learner()
    factories.sign_in(client, campus.staff_of(learner))
    return Target(f"/campus/staff/learners/{learner.public_id}",
                  action=f"/campus/staff/learners/{learner.public_id}/session")


def check_message(client) -> Target:
    learner = campus.learner()
    sent = campus.message(learner)
    factories.sign_in(client, campus.staff_of(learner))
    return Target(f"/campus/staff/messages/{sent.public_id}")


# --- Learner at a kiosk ---

def learner_message(client) -> Target:
    learner = campus.learner()
    org = campus.organisation()
    campus.sign_in_at_kiosk(client, learner)
    return Target(f"/campus/messages/with/{org.public_id}/write", also_written=frozenset({"campus_sessions"}))


def cv_entry(client) -> Target:
    learner = campus.learner()
    campus.sign_in_at_kiosk(client, learner)
    return Target("/campus/cv/entries/new", also_written=frozenset({"campus_sessions"}))


# --- Finance ---

def new_grant(client) -> Target:
    user = funding.finance_user()
    factories.sign_in(client, user)
    today = date.today()
    return Target("/funding/agreements/new?kind=grant", valid={
        "kind": "grant", "title": "Through the gate mentoring", "counterparty_name": "The Northern Trust",
        "amount": "25000", "award_date-day": str(today.day), "award_date-month": str(today.month),
        "award_date-year": str(today.year), "start_date-day": str(today.day), "start_date-month": str(today.month),
        "start_date-year": str(today.year), "end_date-day": "1", "end_date-month": "1",
        "end_date-year": str((today + timedelta(days=400)).year)})


FORMS = [register, sign_in, forgot_password, report_problem, donate,
         *(referral_section(s) for s in ("person", "location", "contact", "needs", "risk", "consent", "additional")),
         referral_withdraw, listing_edit, expression_edit, referral_book_as_provider, referral_decline_as_provider,
         partner_invitation, join_alliance, new_opportunity, nomination_step, new_learner, open_session,
         check_message, learner_message, cv_entry, new_grant]


@pytest.fixture
def stripe_restored(app):
    keys = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
    saved = {key: app.config.get(key) for key in keys}
    yield
    app.config.update(saved)


@pytest.mark.parametrize("setup", FORMS, ids=[f.__name__ for f in FORMS])
def test_hostile_form_posts_are_refused_cleanly(app, client, db, setup, stripe_restored, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "uploads"))
    target = setup(client)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    shown = client.get(target.path)
    assert shown.status_code == 200, f"{target.path}: {shown.status_code}"
    path = target.path.split("?")[0]
    form = hostile.the_form(shown.get_data(as_text=True), path, target.action)
    assert "csrf_token" in form.hidden, f"the form on {target.path} has no CSRF token"
    assert form.names, f"no fields found on {target.path}"
    tables = hostile.table_names()
    visitor = app.test_client() if target.anonymous else client
    nul = hostile.with_nul_in_every_text_field(form, target.valid)
    if target.anonymous:
        nul["csrf_token"] = [hostile.csrf_token(visitor.get(target.path))]
    response = visitor.post(form.action, data=hostile.encode(nul))
    assert response.status_code < 500 or (response.status_code == 503 and target.unavailable_ok), \
        f"NUL in every text field of {form.action}: {response.status_code}"

    @given(data=hostile.submissions(form, target.valid))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(data):
        limiter.reset()
        visitor = client
        if target.anonymous:
            visitor = app.test_client()
            data["csrf_token"] = [hostile.csrf_token(visitor.get(target.path))]
        before = hostile.state(target.also_written)
        response = visitor.post(form.action, data=hostile.encode(data))
        where = f"POST {form.action} with {_short(data)}"
        status = response.status_code
        if status == 503 and target.unavailable_ok:
            assert "payment service" in response.get_data(as_text=True).lower(), where
        else:
            assert status < 500, f"{where}: {status}"
        if status == 400:
            assert _error_summary(response), f"{where}: a 400 without a GOV.UK error summary: {_text(response)}"
        if status >= 400:
            changed = hostile.changed(before, hostile.state(target.also_written))
            assert not changed, f"{where} was refused ({status}) but changed {changed}"
        db.session.rollback()

    fuzz()
    assert hostile.table_names() == tables
    assert not hostile.stored_nul_characters(), "a NUL character was stored (PostgreSQL would have refused it)"


def _error_summary(response) -> bool:
    from tests.html import page

    summary = page(response).select_one(".govuk-error-summary")
    return summary is not None and bool(summary.select("li") or summary.get_text(strip=True))


def _short(data: dict) -> str:
    return repr({k: [v[:40] + ("..." if len(v) > 40 else "") for v in vs] for k, vs in data.items()
                 if k != "csrf_token"})


def _text(response) -> str:
    from tests.html import page

    main = page(response).select_one("main")
    return (main or page(response)).get_text(" ", strip=True)[:300]
