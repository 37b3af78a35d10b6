"""Open data that the standards' own tools accept, made from grants and contracts entered through the pages.

OCDS: the Open Contracting Partnership's data review library (lib-cove-ocds, with its additional checks and
codelist checks) and ocdskit's merge, before and after a change. 360Giving: the standard's schema, and its
spreadsheet form read back by flattentool (what 360Giving's tools use) into the same grants. All offline: see
tests/funding/standards.py. Invalid data is reported field by field and nothing is written.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import select

from portal.accounts.models import OrganisationIdentifier
from portal.accounts.roles import OrgKind, OrgRole, Role
from portal.extensions import db as _db
from portal.funding import opendata
from portal.funding.models import Agreement, Requirement
from tests import factories
from tests.funding import factories as funding
from tests.funding.standards import merge_ocds, quality_360, review_ocds, unflatten_360giving
from tests.html import error_summary, field_error, page

GRANT = {"kind": "grant", "title": "Through the Gate mentoring", "counterparty_name": "The Northern Trust",
         "counterparty_identifier": "GB-CHC-1999002", "programme": "Fresh Starts", "amount": "£48,500.50",
         "award_date": "1/3/2026", "start_date": "1/4/2026", "end_date": "31/3/2027",
         "description": "Mentors meet people at the prison gate."}


def _with_identifiers(user, *pairs):
    for scheme, number in pairs:
        user.organisation.identifiers.append(OrganisationIdentifier(scheme=scheme, identifier=number))
    _db.session.commit()
    return user


def _post(client, url: str, data: dict) -> None:
    response = client.post(url, data=data)
    assert response.status_code == 302, error_summary(response)


def _newest(db, title: str) -> Agreement:
    db.session.rollback()
    return db.session.scalar(select(Agreement).where(Agreement.title == title))


def _supply_chain(client, db, login_as):
    """A lead provider's lead contract with the Ministry of Justice and a charity's sub-contract under it (with a
    payment due and a delivery milestone), shared with the lead provider, all entered through the pages."""
    lead = _with_identifiers(funding.finance_user(role=Role.LEAD_PROVIDER), ("GB-COH", "19990002"))
    lead.organisation.kind = OrgKind.LEAD_PROVIDER
    lead.organisation.website = "https://unity.example.org"
    provider = _with_identifiers(funding.finance_user(), ("GB-CHC", "1999001"), ("GB-COH", "19990001"))
    login_as(lead)
    _post(client, "/funding/agreements/new", {
        "kind": "contract", "contract_role": "lead_provider", "title": "North East resettlement services",
        "counterparty_name": "Ministry of Justice", "counterparty_identifier": "GB-GOR-D18",
        "amount": "1,200,000", "award_date": "1/1/2026", "start_date": "1/2/2026", "end_date": "31/1/2029",
        "contract_package_area": "northumbria"})
    lead_contract = _newest(db, "North East resettlement services")
    login_as(provider)
    _post(client, "/funding/agreements/new", {
        "kind": "contract", "contract_role": "sub_contractor", "title": "Accommodation support sub-contract",
        "counterparty_name": lead.organisation.name, "amount": "180,000", "fee_for_service": "144,000",
        "outcome_payments": "36,000", "award_date": "1/2/2026", "start_date": "1/3/2026", "end_date": "28/2/2028",
        "lead_agreement": lead_contract.public_id, "description": "Finding and keeping a home after release."})
    sub = _newest(db, "Accommodation support sub-contract")
    _post(client, f"/funding/agreements/{sub.public_id}/requirements/new",
          {"kind": "payment", "title": "First instalment", "due_date": "31/3/2026", "amount": "15,000"})
    _post(client, f"/funding/agreements/{sub.public_id}/requirements/new",
          {"kind": "milestone", "title": "Service live", "due_date": "1/3/2026"})
    _post(client, f"/funding/agreements/{sub.public_id}/share", {"share": "yes"})
    return lead, provider, _newest(db, "North East resettlement services"), _newest(db, sub.title)


def _clean(review: dict) -> None:
    """What the Data Review Tool would show: nothing at all."""
    assert review["validation_errors"] == []
    assert review["additional_checks"] == {}, review["additional_checks"]  # empty fields, among others
    assert review["additional_closed_codelist_values"] == {}
    assert review["additional_open_codelist_values"] == {}
    assert review["additional_fields"] == [], review["additional_fields"]
    assert review["deprecated_fields"] == []


def _ocds(client) -> dict:
    response = client.get("/funding/exports/ocds.json")
    assert response.status_code == 200, page(response).get_text()[:500]
    return json.loads(response.get_data(as_text=True))


def test_ocds_passes_the_data_review_tool_and_merges_before_and_after_a_change(client, db, login_as, app):
    lead, provider, lead_contract, sub = _supply_chain(client, db, login_as)
    before = _ocds(client)
    _clean(review_ocds(before))
    assert _ocds(client)["releases"][0]["id"] == before["releases"][0]["id"]  # same content, same id

    # The payment arrives: marking it met records the income, and the contract's release changes.
    payment = db.session.scalar(select(Requirement).where(Requirement.title == "First instalment"))
    _post(client, f"/funding/requirements/{payment.public_id}", {"status": "met", "version": "1"})
    after = _ocds(client)
    _clean(review_ocds(after))
    (old,), (new,) = before["releases"], after["releases"]
    assert new["ocid"] == old["ocid"] and new["id"] != old["id"]
    assert new["contracts"][0]["implementation"]["transactions"][0]["value"] == {"amount": 15000, "currency": "GBP"}
    compiled = merge_ocds(before, after)  # "non-unique ocid and id" would raise here
    assert len(compiled) == 1 and compiled[0]["contracts"][0]["implementation"]["transactions"]

    # Identity: the ocid prefix is the configured one; parties carry org-id identifiers.
    assert new["ocid"] == f"{app.config['OCDS_PREFIX']}-{sub.public_id}"
    parties = {p["id"]: p for p in new["parties"]}
    assert parties["GB-CHC-1999001"]["identifier"] == {"scheme": "GB-CHC", "id": "1999001",
                                                        "legalName": provider.organisation.name}
    assert parties["GB-CHC-1999001"]["additionalIdentifiers"] == [{"scheme": "GB-COH", "id": "19990001"}]
    assert parties["GB-COH-19990002"]["roles"] == ["buyer", "payer"]  # the lead provider buys the sub-contract
    assert new["relatedProcesses"] == [{"id": f"parent-{lead_contract.public_id}", "relationship": ["parent"],
                                        "scheme": "ocid", "identifier": f"{app.config['OCDS_PREFIX']}-"
                                        f"{lead_contract.public_id}", "title": lead_contract.title}]
    assert after["license"] and after["publicationPolicy"].endswith("/open-data/publication-policy")
    assert after["uri"] == f"{app.config['BASE_URL']}/open-data/{provider.organisation.public_id}/ocds.json"

    # The lead provider's own release: the same party id for it, the buyer from the GB-GOR list, and a link back.
    login_as(lead)
    lead_package = _ocds(client)
    _clean(review_ocds(lead_package))
    (lead_release,) = lead_package["releases"]
    assert {p["id"] for p in lead_release["parties"]} == {"GB-GOR-D18", "GB-COH-19990002"}
    assert lead_release["relatedProcesses"][0]["relationship"] == ["subContract"]
    assert lead_release["relatedProcesses"][0]["identifier"] == new["ocid"]
    _clean(review_ocds(merge_package := {**after, "releases": [*after["releases"], lead_release]}))
    assert len(merge_ocds(merge_package)) == 2


def test_360giving_one_file_per_funder_in_json_and_csv(client, db, login_as):
    user = _with_identifiers(funding.finance_user(), ("GB-CHC", "1999001"))
    login_as(user)
    _post(client, "/funding/agreements/new", GRANT)
    _post(client, "/funding/agreements/new", {**GRANT, "title": "Family ties", "amount": "12,000",
                                              "contract_package_area": "northumbria"})
    _post(client, "/funding/agreements/new", {**GRANT, "title": "=HYPERLINK(\"http://x.invalid\")",
                                              "counterparty_name": "Tyneside Community Foundation",
                                              "counterparty_identifier": "", "description": "-5 tips, O'Brien's"})
    exports = page(client.get("/funding/exports"))
    links = [a["href"] for a in exports.select("a[href*='/funding/exports/funders/']")]
    assert len(links) == 4  # two funders, JSON and CSV each
    northern = json.loads(client.get("/funding/exports/funders/GB-CHC-1999002/360giving.json").get_data(as_text=True))
    assert opendata.problems("360giving", northern) == []
    assert [g["title"] for g in northern["grants"]] == ["Through the Gate mentoring", "Family ties"]
    assert {g["fundingOrganization"][0]["id"] for g in northern["grants"]} == {"GB-CHC-1999002"}
    first = northern["grants"][0]
    assert first["recipientOrganization"][0]["id"] == "GB-CHC-1999001"
    assert first["recipientOrganization"][0]["charityNumber"] == "1999001"
    assert first["recipientOrganization"][0]["location"] == [
        {"geoCode": "E12000001", "geoCodeType": "RGN", "name": "North East", "countryCode": "GB"}]
    assert first["amountAwarded"] == 48500.5 and first["dataSource"].endswith("/360giving.json")
    assert northern["grants"][1]["beneficiaryLocation"][0] == {"name": "Northumbria", "countryCode": "GB"}
    assert northern["license"].startswith("https://")

    # A funder without a registered identifier: one 360G- id, the same across grants and exports.
    key = next(link.split("/")[-2] for link in links if "tyneside" in link)
    tyneside = json.loads(client.get(f"/funding/exports/funders/{key}/360giving.json").get_data(as_text=True))
    assert tyneside["grants"][0]["fundingOrganization"][0]["id"] == "360G-rpp-funder-tyneside-community-foundation"
    everything = json.loads(client.get("/funding/exports/360giving.json").get_data(as_text=True))
    assert {g["fundingOrganization"][0]["id"] for g in everything["grants"]} == {
        "GB-CHC-1999002", "360G-rpp-funder-tyneside-community-foundation"}
    # 360Giving's quality checks: nothing in a funder's file; the recipient's own listing across funders has, by
    # design, the one finding a file for several funders gets.
    assert quality_360(northern)["quality"] == {} and quality_360(tyneside)["quality"] == {}
    assert set(quality_360(everything)["quality"]) == {"MoreThanOneFundingOrg"}

    # The spreadsheet: read back by flattentool with the standard's schema, it is the same grants; only a value
    # that would run as a formula gains an apostrophe.
    text = client.get("/funding/exports/360giving.csv").get_data(as_text=True)
    rows = {row["Funding Org:Name"] + ": " + row["Amount Awarded"]: row for row in csv.DictReader(io.StringIO(text))}
    typed = rows["Tyneside Community Foundation: 48500.5"]
    assert typed["Title"] == "'=HYPERLINK(\"http://x.invalid\")" and typed["Description"] == "'-5 tips, O'Brien's"
    plain = rows["The Northern Trust: 48500.5"]
    assert plain["Title"] == "Through the Gate mentoring"
    assert plain["Description"] == "Mentors meet people at the prison gate."
    unflattened = unflatten_360giving(text)
    assert opendata.problems("360giving", {"grants": unflattened, "version": "1.4"}) == []
    plain_grants = [g for g in everything["grants"] if not g["title"].startswith("=")]
    assert [g for g in unflattened if not g["title"].startswith("'")] == plain_grants

    # dateModified moves when something is recorded against a grant, and only for that grant.
    grant = _newest(db, "Family ties")
    _post(client, f"/funding/agreements/{grant.public_id}/entries/new", {
        "direction": "income", "planned": "actual", "amount": "6,000", "on": "1/5/2026", "description": "First half"})
    later = json.loads(client.get("/funding/exports/funders/GB-CHC-1999002/360giving.json").get_data(as_text=True))
    assert later["grants"][1]["dateModified"] > northern["grants"][1]["dateModified"]
    assert later["grants"][0]["dateModified"] == northern["grants"][0]["dateModified"]
    assert later["grants"][1]["amountDisbursed"] == 6000


def test_an_identifier_with_an_unknown_prefix_is_refused_and_nothing_is_saved(client, db, login_as):
    login_as(funding.finance_user())
    response = client.post("/funding/agreements/new", data={**GRANT, "counterparty_identifier": "GB-MOJ-D18"})
    assert response.status_code == 400
    assert field_error(response, "counterparty_identifier").startswith(
        "Enter an organisation identifier that starts with a list code from org-id.guide")
    # A charity or company number of the wrong shape would be a critical finding of 360Giving's checks
    response = client.post("/funding/agreements/new", data={**GRANT, "counterparty_identifier": "GB-CHC-12345678"})
    assert field_error(response, "counterparty_identifier") == (
        "Enter the charity number after GB-CHC- as 6 or 7 digits, like GB-CHC-1123456")
    response = client.post("/funding/agreements/new", data={**GRANT, "counterparty_identifier": "GB-COH-1234"})
    assert field_error(response, "counterparty_identifier").startswith("Enter the company number after GB-COH-")
    db.session.rollback()
    assert db.session.scalar(select(Agreement)) is None
    # A known list code is kept, its code in capitals.
    _post(client, "/funding/agreements/new", {**GRANT, "counterparty_identifier": "gb-gor-D18"})
    assert _newest(db, GRANT["title"]).counterparty_identifier == "GB-GOR-D18"


def test_published_files_are_public_licensed_and_show_nothing_unpublished(client, db, login_as, app):
    lead, provider, lead_contract, sub = _supply_chain(client, db, login_as)
    org = provider.organisation
    anonymous = app.test_client()
    assert anonymous.get(f"/open-data/{org.public_id}/ocds.json").status_code == 404  # not published yet
    response = client.post("/funding/exports", data={"publish": "yes"})
    assert response.status_code == 302
    public = anonymous.get(f"/open-data/{org.public_id}/ocds.json")
    assert public.status_code == 200 and public.headers["Access-Control-Allow-Origin"] == "*"
    package = json.loads(public.get_data(as_text=True))
    assert package["license"] == opendata.LICENCES["ogl"][1]
    assert package["uri"] == f"{app.config['BASE_URL']}/open-data/{org.public_id}/ocds.json"
    listing = page(anonymous.get("/open-data"))
    assert org.name in listing.get_text() and lead.organisation.name not in listing.get_text()
    assert anonymous.get("/open-data/publication-policy").status_code == 200

    # The lead provider publishes: its public release links to the sub-contract only while that is published.
    lead_url = f"/open-data/{lead.organisation.public_id}/ocds.json"
    login_as(lead)
    assert client.post("/funding/exports", data={"publish": "yes"}).status_code == 302
    lead_public = json.loads(anonymous.get(lead_url).get_data(as_text=True))
    assert lead_public["releases"][0]["relatedProcesses"][0]["identifier"].endswith(sub.public_id)
    login_as(provider)
    assert client.post("/funding/exports", data={"publish": "no"}).status_code == 302
    assert anonymous.get(f"/open-data/{org.public_id}/ocds.json").status_code == 404
    lead_public = json.loads(anonymous.get(lead_url).get_data(as_text=True))
    assert "relatedProcesses" not in lead_public["releases"][0]
    assert sub.public_id not in json.dumps(lead_public)


def test_choosing_nothing_or_publishing_nothing_says_what_to_do(client, db, login_as):
    login_as(funding.finance_user())
    response = client.post("/funding/exports", data={})
    assert response.status_code == 400 and field_error(response, "publish") == "Select yes or no"
    response = client.post("/funding/exports", data={"publish": "yes"})
    assert response.status_code == 400
    assert error_summary(response) == ["There are no grants or contracts to publish yet"]


def test_invalid_data_is_reported_field_by_field_and_nothing_is_written(app, client, db, login_as, tmp_path):
    user = funding.finance_user()
    funding.agreement(user.organisation, title="Through the Gate mentoring", counterparty_identifier="GB-CHC-1999002")
    grant = db.session.scalar(select(Agreement))
    grant.currency = "ZZZ"  # not an ISO 4217 code: only possible by editing the database, as here
    db.session.commit()
    login_as(user)
    response = client.get("/funding/exports/360giving.json")
    assert response.status_code == 400
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    items = [li.get_text(" ", strip=True) for li in page(response).select(".govuk-error-summary li")]
    assert items and items[0].startswith("grants/0/currency: ")
    assert page(response).title.get_text().startswith("Error: ")
    # Publishing is refused for the same reason, and nothing becomes public.
    assert client.post("/funding/exports", data={"publish": "yes"}).status_code == 400
    assert app.test_client().get(f"/open-data/{user.organisation.public_id}/360giving.json").status_code == 404
    # The command line says the same, and writes no file.
    target = tmp_path / "grants.json"
    result = app.test_cli_runner().invoke(args=["funding", "export", user.organisation.public_id, str(target)])
    assert result.exit_code == 1 and "grants/0/currency" in result.output
    assert not target.exists()


def test_the_command_line_writes_one_funders_file(app, db, tmp_path):
    user = funding.finance_user()
    funding.agreement(user.organisation, title="Through the Gate mentoring", counterparty_identifier="GB-CHC-1999002")
    funding.agreement(user.organisation, title="Family ties", counterparty_name="Tyneside Community Foundation")
    target = tmp_path / "grants.csv"
    result = app.test_cli_runner().invoke(args=["funding", "export", user.organisation.public_id, str(target),
                                                "--format", "360giving-csv", "--funder", "GB-CHC-1999002"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["Title"] for r in rows] == ["Through the Gate mentoring"]


def test_nothing_to_export_says_so(client, db, login_as):
    login_as(funding.finance_user())
    response = client.get("/funding/exports/ocds.json")
    assert response.status_code == 400
    assert "There are no contracts to export yet" in page(response).get_text()


def test_lead_provider_sees_its_own_role_on_a_shared_sub_contract(client, db, login_as):
    sub, lead_org = funding.sub_contract(shared=True)
    login_as(funding.finance_user(lead_org, org_role=OrgRole.FINANCE, role=Role.LEAD_PROVIDER))
    rows = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
            for dt in page(client.get(f"/funding/agreements/{sub.public_id}")).select(".govuk-summary-list__key")}
    assert rows["Your role"] == "Lead provider"
    assert rows[f"{sub.organisation.name}'s role"] == "Sub-contractor"


def test_organisations_identifiers_come_from_one_place(db):
    org = factories.organisation()
    org.identifiers.append(OrganisationIdentifier(scheme="GB-COH", identifier="19990001"))
    org.identifiers.append(OrganisationIdentifier(scheme="GB-CHC", identifier="1999001"))
    db.session.commit()
    assert opendata.organisation_id(org, "360G-rpp-org") == "GB-CHC-1999001"  # the charity number first
    bare = factories.organisation()
    assert opendata.organisation_id(bare, "360G-rpp-org") == f"360G-rpp-org-{bare.public_id}"


def _json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, page(response).get_text()[:500]
    return json.loads(response.get_data(as_text=True))


def test_a_charity_number_recorded_later_shows_in_the_next_exports_which_stay_clean(client, db, login_as, app):
    """The journey end to end through the pages: an organisation registered without numbers records a grant and
    a contract; its exports pass the standards' tools; its owner then records the charity and company numbers;
    the next exports carry them (a new OCDS release id and 360Giving dateModified) and still pass: lib-cove-ocds
    with no finding, ocdskit merges both, the 360Giving schema and its quality checks find nothing critical."""
    owner = login_as(funding.finance_user(org_role=OrgRole.OWNER))
    org = owner.organisation
    org.website = "https://new-leaf.example.org"
    db.session.commit()
    _post(client, "/funding/agreements/new", {**GRANT, "contract_package_area": "northumbria"})
    _post(client, "/funding/agreements/new", {
        "kind": "contract", "contract_role": "direct", "title": "Housing advice in HMP Durham",
        "counterparty_name": "Ministry of Justice", "counterparty_identifier": "GB-GOR-D18", "amount": "96,000",
        "award_date": "1/2/2026", "start_date": "1/3/2026", "end_date": "28/2/2027",
        "description": "Housing advice for people in their last twelve weeks before release."})
    funder_file = "/funding/exports/funders/GB-CHC-1999002/360giving.json"
    grants_before, ocds_before = _json(client, funder_file), _ocds(client)
    assert opendata.problems("360giving", grants_before) == []
    findings = quality_360(grants_before)
    assert findings["quality"] == {}
    # Without a registered number the recipient can only have the portal's own 360G- identifier: 360Giving's
    # advice says as much, and nothing else.
    assert set(findings["usefulness"]) == {"RecipientOrg360GPrefix", "NoRecipientOrgCompanyCharityNumber"}
    _clean(review_ocds(ocds_before))

    response = client.post(f"/organisations/{org.public_id}/identifiers",
                           data={"charity_number": "1187654", "company_number": "09876543"})
    assert response.status_code == 302

    grants_after, ocds_after = _json(client, funder_file), _ocds(client)
    (before,), (after,) = grants_before["grants"], grants_after["grants"]
    assert after["id"] == before["id"]
    assert after["recipientOrganization"][0]["id"] == "GB-CHC-1187654"
    assert after["recipientOrganization"][0]["charityNumber"] == "1187654"
    assert after["recipientOrganization"][0]["companyNumber"] == "09876543"
    assert after["dateModified"] > before["dateModified"]
    assert grants_after["publisher"]["identifier"] == "GB-CHC-1187654"
    assert opendata.problems("360giving", grants_after) == []
    assert quality_360(grants_after) == {"quality": {}, "usefulness": {}}
    # The spreadsheet form says the same once flattentool reads it back.
    csv_text = client.get("/funding/exports/funders/GB-CHC-1999002/360giving.csv").get_data(as_text=True)
    assert quality_360({"grants": unflatten_360giving(csv_text)}) == {"quality": {}, "usefulness": {}}

    (old,), (new,) = ocds_before["releases"], ocds_after["releases"]
    assert new["ocid"] == old["ocid"] and new["id"] != old["id"] and new["date"] > old["date"]
    supplier = next(p for p in new["parties"] if "supplier" in p["roles"])
    assert supplier["id"] == "GB-CHC-1187654"
    assert supplier["identifier"] == {"scheme": "GB-CHC", "id": "1187654", "legalName": org.name}
    assert supplier["additionalIdentifiers"] == [{"scheme": "GB-COH", "id": "09876543"}]
    assert ocds_after["publisher"] == {"name": org.name, "scheme": "GB-CHC", "uid": "1187654",
                                       "uri": "https://new-leaf.example.org"}
    _clean(review_ocds(ocds_after))
    (compiled,) = merge_ocds(ocds_before, ocds_after)  # "non-unique ocid and id" would raise here
    assert compiled["id"].startswith(f"{new['ocid']}-") and compiled["date"] == new["date"]
    # ocdskit merges parties by id, so the compiled release keeps the earlier party beside the new one
    assert {"GB-CHC-1187654", f"rpp-org-{org.public_id}"} <= {p["id"] for p in compiled["parties"]}

    # Unchanged numbers, unchanged files: the same release id and the same dateModified.
    assert _ocds(client)["releases"][0]["id"] == new["id"]
    assert _json(client, funder_file)["grants"][0]["dateModified"] == after["dateModified"]


def test_the_360giving_quality_checks_find_what_they_look_for():
    """The checks written again in tests/funding/standards.py, on one grant with the problems they name."""
    grant = {
        "id": "360G-rpp-x\n1", "title": "Mentoring", "description": "Mentoring", "currency": "GBP",
        "amountAwarded": 0, "awardDate": "2099-01-01",
        "plannedDates": [{"startDate": "2026-05-01", "endDate": "2026-04-01"}],
        "recipientOrganization": [{"id": "GB-CHC-12", "name": "New Leaf", "charityNumber": "12",
                                   "companyNumber": "123"}],
        "fundingOrganization": [{"id": "XX-NOPE-1", "name": "The Northern Trust"}],
    }
    other = {**grant, "id": "360G-rpp-2", "description": "Write to grants@trust.example.org",
             "fundingOrganization": [{"id": "GB-CHC-1999002", "name": "The Northern Trust"}]}
    found = quality_360({"grants": [grant, other]}, today=date(2026, 12, 3))
    assert set(found["quality"]) == {
        "ZeroAmountTest", "PostDatedAwardDates", "PlannedStartDateBeforeEndDate", "OrganizationIdLooksInvalid",
        "RecipientOrgCharityNumber", "RecipientOrgCompanyNumber", "FundingOrgUnrecognisedPrefix",
        "GrantIdUnexpectedChars", "MoreThanOneFundingOrg", "MultiFundingNamesForOrgId", "LooksLikeEmail"}
    assert set(found["usefulness"]) == {
        "TitleDescriptionSame", "NoGrantProgramme", "NoBeneficiaryLocation", "NoLastModified", "NoDataSource",
        "PlannedDurationNotPresent", "IncompleteRecipientOrg"}
    assert found["quality"]["LooksLikeEmail"] == ["grants/1/description"]
