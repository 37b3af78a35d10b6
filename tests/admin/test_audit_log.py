"""The administrators' audit log viewer: filters (who, what, which record, when), paging, CSV export, and
every look at the log is itself in the log."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from portal import audit
from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.extensions import db
from tests import factories
from tests.html import field_error, h1, page


def actions_shown(response) -> list[str]:
    return [code.get_text(strip=True) for code in page(response).select("#audit-events code")]


def test_filters_by_who_what_record_and_when_and_is_itself_audited(client, app):
    admin = factories.user(role=Role.ADMIN)
    officer = factories.user(role=Role.OFFENDER_MANAGER, email="officer@justice.test")
    with app.test_request_context():
        audit.record("referral.viewed", "referral", "abc123", actor=officer, subject_ref="RF-AAAA-BBBB")
        audit.record("referral.amended", "referral", "abc123", actor=officer, subject_ref="RF-AAAA-BBBB")
        audit.record("referral.viewed", "referral", "zzz999", actor=admin, subject_ref="RF-CCCC-DDDD")
        old = audit.record("listing.approved", "service", "svc1", actor=admin)
        old.at = utcnow() - timedelta(days=40)
        db.session.commit()
    factories.sign_in(client, admin)
    everything = client.get("/admin/audit-log")
    assert everything.status_code == 200 and h1(everything) == "Audit log"

    by_email = client.get("/admin/audit-log?who=officer@justice.test")
    assert by_email.status_code == 302 and "officer" not in by_email.headers["Location"]  # no email in the URL
    mine = client.get(by_email.headers["Location"])
    assert actions_shown(mine) == ["referral.amended", "referral.viewed"]

    assert actions_shown(client.get("/admin/audit-log?action=referral.viewed&record=RF-CCCC-DDDD")) == [
        "referral.viewed"]
    assert actions_shown(client.get("/admin/audit-log?record=abc123")) == ["referral.amended", "referral.viewed"]
    since = (utcnow() - timedelta(days=41)).date()
    until = (utcnow() - timedelta(days=39)).date()
    dated = client.get(f"/admin/audit-log?since-day={since.day}&since-month={since.month}&since-year={since.year}"
                       f"&until-day={until.day}&until-month={until.month}&until-year={until.year}")
    assert actions_shown(dated) == ["listing.approved"]
    # the date boxes keep what was typed, and the next pages keep the dates
    boxes = page(dated)
    assert boxes.find("input", {"name": "since-day"})["value"] == str(since.day)
    assert boxes.find("input", {"name": "until-year"})["value"] == str(until.year)
    assert f"since-year={since.year}" in boxes.find("a", string="Download these events as CSV")["href"]

    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log.viewed",
                                                        AuditEvent.actor_id == admin.id).order_by(AuditEvent.id)).all()
    assert len(views) == 5 and views[1].details["filters"] == ["who"]
    assert "officer@justice.test" not in str([v.details for v in views])  # names of filters, never their values


def test_wrong_filters_say_which_field_and_what_to_do(client):
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    response = client.get("/admin/audit-log?who=nobody@example.test&since-day=31&since-month=2&since-year=2026"
                          "&until-day=1&until-month=1")
    assert response.status_code == 400
    assert field_error(response, "who") == "No user has that email address: check it, or leave ‘Who’ empty"
    assert field_error(response, "since") == "The ‘From’ date must be a real date"
    assert field_error(response, "until") == "The ‘To’ date must include a year"
    # the error summary links to the first box that is wrong; only that box is marked
    summary = page(response).select_one(".govuk-error-summary")
    assert summary.find("a", string="The ‘To’ date must include a year")["href"] == "#until-year"
    assert "govuk-input--error" in page(response).find("input", {"name": "until-year"})["class"]
    assert "govuk-input--error" not in page(response).find("input", {"name": "until-day"})["class"]

    backwards = client.get("/admin/audit-log?since-day=2&since-month=1&since-year=2026"
                           "&until-day=1&until-month=1&until-year=2026")
    assert backwards.status_code == 400
    assert field_error(backwards, "until") == "‘To’ must be the same as or after ‘From’"
    short_year = client.get("/admin/audit-log?since-day=2&since-month=1&since-year=26")
    assert field_error(short_year, "since") == "The ‘From’ date must include a year with 4 numbers"
    letters = client.get("/admin/audit-log?since-day=first&since-month=1&since-year=2026")
    assert field_error(letters, "since") == "The ‘From’ date must be a real date"


def test_pages_of_fifty_newest_first(client, app):
    admin = factories.user(role=Role.ADMIN)
    with app.test_request_context():
        for n in range(60):
            audit.record("test.event", "thing", f"t{n:02d}", actor=admin)
        db.session.commit()
    factories.sign_in(client, admin)
    first = client.get("/admin/audit-log?action=test.")
    assert len(actions_shown(first)) == 50
    assert page(first).select_one("#audit-events tbody tr").find("a", string="t59")
    second = client.get("/admin/audit-log?action=test.&page=2")
    assert len(actions_shown(second)) == 10
    assert page(second).select("#audit-events tbody tr")[-1].find("a", string="t00")


def test_csv_export_is_formula_safe_and_audited(client, app):
    admin = factories.user(role=Role.ADMIN)
    with app.test_request_context():
        audit.record("referral.erased", "referral", "r1", actor=admin, reason="=HYPERLINK(\"http://x\")")
        db.session.commit()
    factories.sign_in(client, admin)
    response = client.get("/admin/audit-log.csv?action=referral.erased")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["When (UTC)", "Who", "Role", "Action"]
    assert rows[1][3] == "referral.erased" and rows[1][7] == "'=HYPERLINK(\"http://x\")"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_log.exported"))


def test_only_administrators_see_the_audit_log(client):
    for role in (Role.OFFENDER_MANAGER, Role.PROVIDER):
        factories.sign_in(client, factories.user(role=role))
        assert client.get("/admin/audit-log").status_code == 403
        assert client.get("/admin/audit-log.csv").status_code == 403
