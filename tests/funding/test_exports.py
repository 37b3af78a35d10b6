"""Open data: grants as 360Giving 1.4.3 JSON and CSV, contracts as an OCDS 1.1 release package, each validated
against the standard's schema; invalid data is reported field by field and nothing is written."""
from __future__ import annotations

import csv
import io
import json

from portal.funding import opendata
from tests.funding import factories as funding
from tests.html import page


def _grants(user):
    grant = funding.agreement(user.organisation, title="Through the Gate mentoring", amount_pence=4_850_050,
                              programme="Fresh Starts", counterparty_identifier="GB-CHC-1234567")
    funding.requirement(grant, title="Quarter 1 report")
    return grant


def test_grants_export_as_valid_360giving_json(client, db, login_as):
    user = funding.finance_user()
    grant = _grants(user)
    login_as(user)
    response = client.get("/funding/exports/360giving.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    package = json.loads(response.get_data(as_text=True))
    assert opendata.problems("360giving", package) == []
    item = package["grants"][0]
    assert item["id"] == f"360G-rpp-{grant.public_id}"
    assert item["amountAwarded"] == 48500.5
    assert item["fundingOrganization"] == [{"id": "GB-CHC-1234567", "name": "The Northern Trust"}]
    assert item["recipientOrganization"][0]["name"] == user.organisation.name
    assert item["grantProgramme"] == [{"title": "Fresh Starts"}]


def test_grants_export_as_360giving_csv(client, db, login_as):
    user = funding.finance_user()
    _grants(user)
    login_as(user)
    response = client.get("/funding/exports/360giving.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["Title"] == "Through the Gate mentoring"
    assert rows[0]["Amount Awarded"] == "48500.5"
    assert rows[0]["Funding Org:Identifier"] == "GB-CHC-1234567"


def test_contracts_export_as_a_valid_ocds_release_package(client, db, login_as):
    user = funding.finance_user()
    contract = funding.agreement(user.organisation, kind="contract", title="Reducing reoffending",
                                 counterparty_name="Ministry of Justice", counterparty_identifier="GB-GOV-MOJ")
    funding.requirement(contract, kind="milestone", title="Service live", status="met")
    sub, _ = funding.sub_contract()
    login_as(user)
    package = json.loads(client.get("/funding/exports/ocds.json").get_data(as_text=True))
    assert opendata.problems("ocds", package) == []
    release = package["releases"][0]
    assert release["buyer"] == {"id": "GB-GOV-MOJ", "name": "Ministry of Justice"}
    assert release["contracts"][0]["milestones"][0]["type"] == "delivery"
    assert release["contracts"][0]["milestones"][0]["status"] == "met"
    # A sub-contract names its lead contract as its parent process.
    with_parent = opendata.release(sub, contract.start_date)
    assert with_parent["relatedProcesses"][0]["identifier"] == opendata.ocid(sub.lead_agreement)
    assert opendata.problems("ocds", {**package, "releases": [with_parent]}) == []


def test_invalid_data_is_reported_field_by_field_and_nothing_is_written(app, client, db, login_as, tmp_path):
    user = funding.finance_user()
    grant = _grants(user)
    grant.currency = "ZZZ"  # not an ISO 4217 code: only possible by editing the database, as here
    db.session.commit()
    login_as(user)
    response = client.get("/funding/exports/360giving.json")
    assert response.status_code == 400
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    items = [li.get_text(" ", strip=True) for li in page(response).select(".govuk-error-summary li")]
    assert items and items[0].startswith("grants/0/currency: ")
    assert page(response).title.get_text().startswith("Error: ")
    # The command line says the same, and writes no file.
    target = tmp_path / "grants.json"
    result = app.test_cli_runner().invoke(args=["funding", "export", user.organisation.public_id, str(target)])
    assert result.exit_code == 1 and "grants/0/currency" in result.output
    assert not target.exists()


def test_the_command_line_writes_a_valid_export(app, db, tmp_path):
    user = funding.finance_user()
    _grants(user)
    target = tmp_path / "grants.csv"
    result = app.test_cli_runner().invoke(args=["funding", "export", user.organisation.public_id, str(target),
                                                "--format", "360giving-csv"])
    assert result.exit_code == 0, result.output
    assert "Through the Gate mentoring" in target.read_text()


def test_nothing_to_export_says_so(client, db, login_as):
    login_as(funding.finance_user())
    response = client.get("/funding/exports/ocds.json")
    assert response.status_code == 400
    assert "There are no contracts to export yet" in page(response).get_text()
