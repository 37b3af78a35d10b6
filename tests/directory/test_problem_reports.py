"""Problem reports after they arrive: the provider marks each resolved with a note from the listing's page;
administrators see every open (or resolved) report across the directory; an organisation's public page lists
its published services."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.roles import Role
from portal.audit import AuditEvent
from portal.database import utcnow
from portal.directory.models import ProblemReport
from portal.extensions import db
from tests.factories import sign_in
from tests.html import field_error, h1, page, title


def _report(client, service, message="The phone number no longer works."):
    response = client.post(f"/services/{service.uuid}/report-a-problem", data={"message": message, "email": ""})
    assert response.status_code == 302
    return db.session.scalars(select(ProblemReport).order_by(ProblemReport.id.desc())).first()


def test_the_provider_marks_a_report_resolved_with_a_note_and_administrators_see_it(app, make, db):
    service = make.listing(name="Harbour Housing Advice")
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    report = _report(app.test_client(), service)

    provider = app.test_client()
    sign_in(provider, owner)
    listing = provider.get(f"/provider/listings/{service.uuid}")
    link = page(listing).select_one(f"#problem-{report.uuid} a")
    assert link.get_text(" ", strip=True).startswith("Mark as resolved")
    form = provider.get(link["href"])
    assert h1(form) == "A problem reported with this listing"
    assert "The phone number no longer works." in page(form).get_text()

    empty = provider.post(link["href"], data={"note": "  "})
    assert empty.status_code == 400 and title(empty).startswith("Error: ")
    assert field_error(empty, "note") == "Enter what you did about this problem"
    too_long = provider.post(link["href"], data={"note": "x" * 1001})
    assert field_error(too_long, "note") == "What you did must be 1,000 characters or fewer"

    done = provider.post(link["href"], data={"note": "Updated the phone number."})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/provider/listings/{service.uuid}")
    after = provider.get(done.headers["Location"])
    assert page(after).select_one(f"#problem-{report.uuid}") is None  # no longer open
    resolved = page(after).select_one("#resolved-problems").get_text(" ", strip=True)
    assert "What was done: Updated the phone number." in resolved and owner.name in resolved
    # once resolved, the page shows what was done and offers no second resolution
    again = provider.post(link["href"], data={"note": "Again"})
    assert again.status_code == 200 and page(again).find("textarea") is None
    db.session.refresh(report)
    assert report.resolution_note == "Updated the phone number." and report.resolved_by_id == owner.id
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "listing.problem_resolved")).all()
    assert (event.actor_id, event.object_id) == (owner.id, report.uuid)

    admin_client = app.test_client()
    sign_in(admin_client, make.user(role=Role.ADMIN))
    open_reports = admin_client.get("/admin/problem-reports")
    assert open_reports.status_code == 200 and h1(open_reports) == "Problem reports"
    assert page(open_reports).select_one("#problem-reports") is None
    assert page(open_reports).select_one("#problem-count").get_text(strip=True) == "0 open reports"
    closed = admin_client.get("/admin/problem-reports?status=resolved")
    row = page(closed).select_one("#problem-reports tbody tr").get_text(" ", strip=True)
    assert "Harbour Housing Advice" in row and "Updated the phone number." in row


def test_administrators_page_through_open_reports_across_the_directory(app, make, db):
    first, second = make.listing(name="Alpha Employment Support"), make.listing(name="Beta Family Links")
    visitor = app.test_client()
    start = utcnow() - timedelta(days=30)
    for n in range(20):  # written directly: reports through the page are limited to 10 an hour per address
        db.session.add(ProblemReport(service=first, message=f"Problem {n}", created_at=start + timedelta(hours=n)))
    for n in range(10):
        db.session.add(ProblemReport(service=second, message=f"Other problem {n}",
                                     created_at=start + timedelta(days=1, hours=n)))
    db.session.commit()
    sign_in(visitor, make.user(role=Role.ADMIN))
    one = visitor.get("/admin/problem-reports")
    assert page(one).select_one("#problem-count").get_text(strip=True) == "30 open reports"
    rows = page(one).select("#problem-reports tbody tr")
    assert len(rows) == 25 and "Problem 0" in rows[0].get_text()  # oldest first: the longest waiting
    two = visitor.get(page(one).select_one(".govuk-pagination__next a")["href"])
    assert len(page(two).select("#problem-reports tbody tr")) == 5
    assert "Other problem 9" in page(two).select("#problem-reports tbody tr")[-1].get_text()


def test_nobody_else_resolves_reports_or_sees_the_administrators_page(app, make, db):
    service = make.listing()
    report = _report(app.test_client(), service)
    url = f"/provider/listings/{service.uuid}/problems/{report.uuid}"
    for user, status in ((make.user(role=Role.PROVIDER), 404), (make.user(role=Role.ADMIN), 404),
                         (make.user(role=Role.OFFENDER_MANAGER), 404), (make.user(role=Role.EMPLOYER), 404)):
        client = app.test_client()
        sign_in(client, user)
        assert client.post(url, data={"note": "Not mine"}).status_code == status, user.role
    db.session.refresh(report)
    assert report.resolved_at is None
    # a report of another listing cannot be reached through this one
    other = make.listing(organisation_=service.organisation)
    owner = make.user(role=Role.PROVIDER, organisation_=service.organisation)
    client = app.test_client()
    sign_in(client, owner)
    assert client.get(f"/provider/listings/{other.uuid}/problems/{report.uuid}").status_code == 404
    assert app.test_client().get("/admin/problem-reports").status_code == 302  # to sign in
    for role in (Role.PROVIDER, Role.OFFENDER_MANAGER, Role.EMPLOYER, Role.PRISON_STAFF):
        client = app.test_client()
        sign_in(client, make.user(role=role))
        assert client.get("/admin/problem-reports").status_code == 403, role


def test_an_organisations_public_page_lists_its_published_services(app, make, db):
    owner = make.user(role=Role.PROVIDER)
    organisation = owner.organisation
    make.listing(organisation, name="Zeta Mentoring")
    make.listing(organisation, name="Able Housing Advice")
    make.listing(organisation, state="draft", name="Secret Draft Service")
    response = app.test_client().get(f"/organisations/{organisation.public_id}")
    assert response.status_code == 200
    links = page(response).select("ul[aria-labelledby=services] a")
    assert [a.get_text(strip=True) for a in links] == ["Able Housing Advice", "Zeta Mentoring"]
    assert app.test_client().get(links[0]["href"]).status_code == 200
    assert "Secret Draft Service" not in page(response).get_text()
    bare = make.organisation()
    assert "has no services in the directory" in page(app.test_client().get(
        f"/organisations/{bare.public_id}")).get_text()
