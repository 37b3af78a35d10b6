"""The open-data standards' own tools, run offline on the portal's exports.

- lib-cove-ocds (the Open Contracting Partnership's Data Review Tool library) with its additional checks and the
  codelist checks, reading a copy of OCDS 1.1.5 built here from local files (`standard_zip` may be bytes: nothing
  is fetched);
- ocdskit's merge (compiled and versioned releases from many exports);
- flattentool, which 360Giving's own tools use to read the spreadsheet form back into JSON;
- 360Giving's data quality checks (`quality_360`), written again here because their library is not on PyPI.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from functools import cache
from pathlib import Path

from ocdsextensionregistry import get_versioned_release_schema

from portal.funding.opendata import SCHEMAS

CODELISTS = Path(__file__).parent / "data" / "ocds-codelists"


def _closed_codelists(schema: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(node):
        if isinstance(node, dict):
            if "codelist" in node and node.get("openCodelist") is False:
                codes = node.get("enum") or (node.get("items") or {}).get("enum") or []
                found[node["codelist"]] = [c for c in codes if c is not None]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


@cache
def ocds_standard_zip() -> bytes:
    """OCDS 1.1.5's schema folder as ocdsextensionregistry reads it from a release ZIP."""
    release = (SCHEMAS / "release-schema.json").read_text()
    root = "standard-1__1__5/schema/"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        archive.writestr(root + "release-schema.json", release)
        archive.writestr(root + "release-package-schema.json", (SCHEMAS / "release-package-schema.json").read_text())
        versioned = get_versioned_release_schema(json.loads(release), "1__1__5")
        archive.writestr(root + "versioned-release-validation-schema.json", json.dumps(versioned))
        for name, codes in _closed_codelists(json.loads(release)).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["Code", "Title", "Description"])
            writer.writerows([code, code, ""] for code in codes)
            archive.writestr(root + "codelists/" + name, text.getvalue())
        for path in sorted(CODELISTS.glob("*.csv")):
            archive.writestr(root + "codelists/" + path.name, path.read_text())
    return out.getvalue()


def review_ocds(package: dict) -> dict:
    """lib-cove-ocds' full review of a release package (what the Data Review Tool shows), offline."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"standard_zip": ocds_standard_zip(), "additional_checks": "all", "context": "api"})
    return ocds_json_output("", json_data=json.loads(json.dumps(package)), schema_version="1.1",
                            lib_cove_ocds_config=config)


def merge_ocds(*packages: dict) -> list[dict]:
    """ocdskit's merge of release packages into compiled releases (raises on two releases sharing an ocid and id
    with different content), against the local release schema."""
    from ocdskit.combine import merge

    schema = json.loads((SCHEMAS / "release-schema.json").read_text())
    return list(merge([json.loads(json.dumps(p)) for p in packages], schema=schema))


def unflatten_360giving(csv_text: str) -> list[dict]:
    """The grants flattentool reads from a 360Giving spreadsheet (CSV), column titles mapped by the standard's
    grant schema, as 360Giving's data quality tool does before checking."""
    import tempfile

    import flattentool

    with tempfile.TemporaryDirectory() as folder:
        sheets = Path(folder) / "sheets"
        sheets.mkdir()
        (sheets / "grants.csv").write_text(csv_text, encoding="utf-8")
        output = Path(folder) / "grants.json"
        flattentool.unflatten(str(sheets), output_name=str(output), input_format="csv", root_list_path="grants",
                              root_id="", id_name="id", schema=str(SCHEMAS / "360-giving-schema.json"),
                              convert_titles=True)
        return json.loads(output.read_text())["grants"]


# --- 360Giving's data quality checks ---
#
# 360Giving's Data Quality Tool runs its checks from lib360dataquality (ThreeSixtyGiving/dataquality,
# lib360dataquality/cove/threesixtygiving.py, TEST_CLASSES), which is not published on PyPI (pip: "No matching
# distribution found for lib360dataquality"; nor is a libcove360). So the checks are written again here, one
# function per check of that file, named as it names them, reading the same fields with the same limits. "quality"
# are the ones the tool lists under accuracy (the critical ones a publisher must clear); "usefulness" are its
# advice on what makes the data more useful. Checks about grants to individuals (recipientIndividual, DEI,
# postcodes as geocodes) are left out: the portal records grants to organisations only.

_EMAIL = re.compile(r"[\w.-]+@[\w.-]+\.[\w.-]+")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _flatten(value, path: str = ""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}/{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _flatten(item, f"{path}/{n}")
    else:
        yield path, value


def _charity_number_ok(text: str) -> bool:
    return text.isdigit() and len(text) in (6, 7)


def _company_number_ok(text: str) -> bool:
    return re.fullmatch(r"\w{8}", text) is not None


def quality_360(package: dict, today: date | None = None) -> dict[str, dict[str, list[str]]]:
    """{"quality": {check: [json paths]}, "usefulness": {...}}, only the checks that found something."""
    from portal.accounts import orgid

    today = today or date.today()
    known = sorted({*orgid.prefixes(), "360G"})
    found: dict[str, dict[str, list[str]]] = {"quality": {}, "usefulness": {}}

    def flag(kind: str, check: str, path: str) -> None:
        found[kind].setdefault(check, []).append(path)

    funder_ids: list[str] = []
    funder_names: dict[str, str] = {}
    for n, grant in enumerate(package.get("grants", [])):
        at = f"grants/{n}"
        recipients = grant.get("recipientOrganization", [])
        funders = grant.get("fundingOrganization", [])
        if grant.get("amountAwarded") == 0 or (isinstance(grant.get("amountAwarded"), int | float)
                                               and grant["amountAwarded"] < 0):
            flag("quality", "ZeroAmountTest", f"{at}/amountAwarded")
        for role, orgs in (("fundingOrganization", funders), ("recipientOrganization", recipients)):
            for m, org in enumerate(orgs):
                org_id = org.get("id", "")
                if not any(org_id.lower().startswith(p.lower()) for p in known):
                    check = "FundingOrgUnrecognisedPrefix" if role == "fundingOrganization" else \
                        "RecipientOrgUnrecognisedPrefix"
                    flag("quality", check, f"{at}/{role}/{m}/id")
                if "\n" in org_id:
                    flag("quality", "OrganizationIdUnexpectedChars", f"{at}/{role}/{m}/id")
                upper = org_id.upper()
                if (upper.startswith("GB-CHC-") and not _charity_number_ok(org_id[7:])) or (
                        upper.startswith("GB-COH-") and not _company_number_ok(org_id[7:])):
                    flag("quality", "OrganizationIdLooksInvalid", f"{at}/{role}/{m}/id")
                if org_id.lower().startswith("360g"):
                    check = "FundingOrg360GPrefix" if role == "fundingOrganization" else "RecipientOrg360GPrefix"
                    flag("usefulness", check, f"{at}/{role}/{m}/id")
        for m, org in enumerate(recipients):
            if "charityNumber" in org:
                number = str(org["charityNumber"])
                if not _charity_number_ok(number[2:] if number[:2].isalpha() else number):
                    flag("quality", "RecipientOrgCharityNumber", f"{at}/recipientOrganization/{m}/charityNumber")
            if "companyNumber" in org and not _company_number_ok(str(org["companyNumber"])):
                flag("quality", "RecipientOrgCompanyNumber", f"{at}/recipientOrganization/{m}/companyNumber")
            if not (org.get("companyNumber") or org.get("charityNumber")):
                flag("usefulness", "NoRecipientOrgCompanyCharityNumber", f"{at}/recipientOrganization/{m}/id")
            if not (org.get("postalCode") or any(loc.get("geoCode") and loc.get("geoCodeType")
                                                 for loc in org.get("location") or [])):
                flag("usefulness", "IncompleteRecipientOrg", f"{at}/recipientOrganization/{m}/id")
        if "\n" in grant.get("id", ""):
            flag("quality", "GrantIdUnexpectedChars", f"{at}/id")
        for m, org in enumerate(funders):
            if org.get("id") and org["id"] not in funder_ids:
                funder_ids.append(org["id"])
            first = funder_names.setdefault(org.get("name", ""), org.get("id", ""))
            if first != org.get("id", ""):
                flag("quality", "MultiFundingNamesForOrgId", f"{at}/fundingOrganization/{m}/id")
        for path, value in _flatten(grant, at):
            if "email" not in path and isinstance(value, str) and _EMAIL.search(value):
                flag("quality", "LooksLikeEmail", path)
        # Dates (the tool reads the first plannedDates and actualDates)
        planned = (grant.get("plannedDates") or [{}])[0]
        actual = (grant.get("actualDates") or [{}])[0]
        dates = {"awardDate": grant.get("awardDate"), "plannedDates/0/startDate": planned.get("startDate"),
                 "plannedDates/0/endDate": planned.get("endDate"), "actualDates/0/startDate": actual.get("startDate"),
                 "actualDates/0/endDate": actual.get("endDate")}
        read = {key: _date(text) for key, text in dates.items()}
        for key, text in dates.items():
            if text and read[key] is None and re.match(r"^\d{4}-\d{2}-\d{2}", text):
                flag("quality", "ImpossibleDates", f"{at}/{key}")
        if read["plannedDates/0/startDate"] and read["plannedDates/0/endDate"] and \
                read["plannedDates/0/startDate"] > read["plannedDates/0/endDate"]:
            flag("quality", "PlannedStartDateBeforeEndDate", f"{at}/plannedDates/0/startDate")
        if read["actualDates/0/startDate"] and read["actualDates/0/endDate"] and \
                read["actualDates/0/startDate"] > read["actualDates/0/endDate"]:
            flag("quality", "ActualStartDateBeforeEndDate", f"{at}/actualDates/0/startDate")
        for key in ("plannedDates/0/startDate", "plannedDates/0/endDate"):
            if read[key] and read[key] > _years_from(today, 12):
                flag("quality", "FarFuturePlannedDates", f"{at}/{key}")
        for key in ("actualDates/0/startDate", "actualDates/0/endDate"):
            if read[key] and read[key] > _years_from(today, 5):
                flag("quality", "FarFutureActualDates", f"{at}/{key}")
        for key, value in read.items():
            if value and value < _years_from(today, -25):
                flag("quality", "FarPastDates", f"{at}/{key}")
        if read["awardDate"] and read["awardDate"] > today:
            flag("quality", "PostDatedAwardDates", f"{at}/awardDate")
        # Usefulness
        if not grant.get("grantProgramme"):
            flag("usefulness", "NoGrantProgramme", f"{at}/id")
        if not grant.get("beneficiaryLocation"):
            flag("usefulness", "NoBeneficiaryLocation", f"{at}/id")
        if grant.get("title") and grant.get("title") == grant.get("description"):
            flag("usefulness", "TitleDescriptionSame", f"{at}/description")
        if len(grant.get("title", "")) > 140:
            flag("usefulness", "TitleLength", f"{at}/title")
        if not grant.get("dateModified"):
            flag("usefulness", "NoLastModified", f"{at}/id")
        if not grant.get("dataSource"):
            flag("usefulness", "NoDataSource", f"{at}/id")
        if "duration" not in planned:
            flag("usefulness", "PlannedDurationNotPresent", f"{at}/plannedDates")
    if len(funder_ids) > 1:
        found["quality"]["MoreThanOneFundingOrg"] = funder_ids
    return {kind: checks for kind, checks in found.items()}
