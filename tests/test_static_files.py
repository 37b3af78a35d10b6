"""Static files are kept by browsers: an address with the file's content hash for a year, any other for an hour,
for signed-in people too, while their pages stay no-store."""
from __future__ import annotations

import re

from portal.static_files import StaticVersions


def test_a_signed_in_page_names_versioned_assets_that_browsers_keep_while_the_page_is_not_kept(client, login_as):
    login_as("provider")
    dashboard = client.get("/dashboard")
    assert dashboard.headers["Cache-Control"] == "no-store"
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{12})"', dashboard.get_data(as_text=True))
    assert {address.split("?")[0] for address in assets} >= {"/static/govuk-frontend/govuk-frontend.min.css",
                                                              "/static/app.css", "/static/app.js"}
    for address in assets:
        asset = client.get(address)
        assert asset.status_code == 200, address
        assert asset.headers["Cache-Control"] == "public, max-age=31536000", address
        assert "Set-Cookie" not in asset.headers, address


def test_an_address_without_the_current_version_is_kept_for_an_hour_only(client, login_as):
    login_as("provider")
    for address in ("/static/app.css", "/static/app.css?v=000000000000"):
        assert client.get(address).headers["Cache-Control"] == "public, max-age=3600", address


def test_the_version_follows_the_content_and_names_only_files_inside_the_folder(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "site.css"
    style.write_text("body { color: black }")
    (tmp_path.parent / "outside.css").write_text("secret")
    versions = StaticVersions(str(tmp_path))
    first = versions.of("css/site.css")
    assert first and versions.of("css/site.css") == first
    style.write_text("body { color: #0b0c0c }")
    assert versions.of("css/site.css") not in (None, first)
    assert versions.of("css") is None  # a folder
    assert versions.of("missing.css") is None
    assert versions.of("../outside.css") is None
