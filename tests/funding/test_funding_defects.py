"""Funding defects of issue #17, each seen as a user sees it: a documents link that is a link, percentages and
money written the same way everywhere, the contract's cap on outcome payments applied and shown, and a payment
marked met recorded as income once."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.funding.models import CohortResult, LedgerEntry, Requirement
from tests.funding import factories as funding
from tests.html import field_error, page
from tests.supply_chain.factories import PDF


def _summary(response) -> dict[str, str]:
    return {dt.get_text(strip=True): dt.find_next_sibling("dd")
            for dt in page(response).select(".govuk-summary-list__key")}


def test_the_documents_link_is_a_link_not_html_shown_as_text(client, db, login_as):
    user = funding.finance_user()
    grant = funding.agreement(user.organisation, documents_url="https://files.example.org/grant?id=1&v=2")
    login_as(user)
    cell = _summary(client.get(f"/funding/agreements/{grant.public_id}"))["Documents"]
    link = cell.select_one("a.govuk-link")
    assert link is not None and link["href"] == "https://files.example.org/grant?id=1&v=2"
    assert "<a" not in cell.get_text()


def test_a_ten_percent_threshold_shows_as_10_percent_and_the_contracts_cap_applies(client, db, login_as):
    user = funding.finance_user()
    contract = funding.agreement(user.organisation, kind="contract", amount_pence=18_000_000,
                                 fee_for_service_pence=14_400_000, outcome_payments_pence=3_600_000)
    login_as(user)
    assert client.post(f"/funding/agreements/{contract.public_id}/measures/new", data={
        "kind": "frequency", "name": "Reconviction events", "baseline": "1.7", "threshold": "10",
        "price": "2,000"}).status_code == 302
    db.session.rollback()
    measure = contract.measures[0]
    text = page(client.get(f"/funding/agreements/{contract.public_id}")).get_text(" ", strip=True)
    assert "paid only for a fall of at least 10%;" in text and "1E+1" not in text
    # 1,000 people expected to reoffend 1,700 times did so 1,500 times: 200 avoided x £2,000 = £400,000, but the
    # contract's outcome payments are at most £36,000.
    url = f"/funding/measures/{measure.public_id}/results/new"
    response = client.post(url, data={"cohort": "Cohort 1", "cohort_size": "1,000", "outcomes": "1500"})
    assert response.status_code == 302
    db.session.rollback()
    first = db.session.scalar(select(CohortResult))
    assert first.payment_pence == 3_600_000 and first.calculation["uncapped_pence"] == 40_000_000
    shown = page(client.get(f"/funding/agreements/{contract.public_id}"))
    warning = shown.select_one(".govuk-summary-card .govuk-warning-text").get_text(" ", strip=True)
    assert "Capped: the working came to £400,000.00" in warning and "£36,000.00 at most" in warning
    assert "Payment due: £36,000.00" in shown.get_text()
    # Nothing is left for a second cohort, and the working says why.
    assert client.post(url, data={"cohort": "Cohort 2", "cohort_size": "1000", "outcomes": "1500"}).status_code == 302
    db.session.rollback()
    second = db.session.scalar(select(CohortResult).where(CohortResult.cohort == "Cohort 2"))
    assert second.payment_pence == 0
    assert any(step.startswith("Capped at £0.00: the contract's outcome payments are at most £36,000.00")
               for step in second.calculation["steps"])


def test_marking_a_payment_met_records_the_income_once(client, db, login_as):
    user = funding.finance_user()
    grant = funding.agreement(user.organisation)
    login_as(user)
    assert client.post(f"/funding/agreements/{grant.public_id}/requirements/new", data={
        "kind": "payment", "title": "Second instalment", "due_date": "30/6/2026", "amount": "12,125"}
    ).status_code == 302
    db.session.rollback()
    payment = db.session.scalar(select(Requirement))
    url = f"/funding/requirements/{payment.public_id}"
    assert client.post(url, data={"status": "partly_met", "version": "1"}).status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0  # nothing yet: not all paid
    assert client.post(url, data={"status": "met", "version": "2"}).status_code == 302
    assert client.post(url, data={"status": "met", "version": "3"}).status_code == 400  # met is final
    db.session.rollback()
    (entry,) = db.session.scalars(select(LedgerEntry)).all()
    assert (entry.direction, entry.planned, entry.amount_pence) == ("income", False, 1_212_500)
    rows = page(client.get(f"/funding/agreements/{grant.public_id}")).select("table.govuk-table tbody tr")
    assert any("Received: Second instalment" in row.get_text() and "£12,125.00" in row.get_text() for row in rows)


def _upload(client, agreement, data: bytes, filename: str, title: str = ""):
    return client.post(f"/funding/agreements/{agreement.public_id}/documents/new",
                       data={"title": title, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_grant_documents_are_uploaded_through_the_checked_upload_path(client, db, login_as, app, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path))
    user = funding.finance_user()
    grant = funding.agreement(user.organisation)
    login_as(user)
    # A file that is not what its name says is refused by content, naming the field, and nothing is kept.
    response = _upload(client, grant, b"MZ\x90\x00 not a pdf", "agreement.pdf")
    assert response.status_code == 400
    assert field_error(response, "file").startswith("The selected file is not a real PDF file")
    assert list(tmp_path.iterdir()) == []
    response = _upload(client, grant, PDF, "Grant agreement.pdf", title="Signed agreement")
    assert response.status_code == 302
    shown = page(client.get(f"/funding/agreements/{grant.public_id}"))
    link = next(a for a in shown.select("a.govuk-link") if a.get_text(strip=True) == "Signed agreement")
    download = client.get(link["href"])
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    # Another organisation's finance staff cannot open it.
    login_as(funding.finance_user())
    assert client.get(link["href"]).status_code == 404
