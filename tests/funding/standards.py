"""The open-data standards' own tools, run offline on the portal's exports.

- lib-cove-ocds (the Open Contracting Partnership's Data Review Tool library) with its additional checks and the
  codelist checks, reading a copy of OCDS 1.1.5 built here from local files (`standard_zip` may be bytes: nothing
  is fetched);
- ocdskit's merge (compiled and versioned releases from many exports);
- flattentool, which 360Giving's own tools use to read the spreadsheet form back into JSON.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
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
