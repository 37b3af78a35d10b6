"""Evidence documents: PDF, Word and OpenDocument only, checked by content, 10 MB at most (both stated on the
page), stored outside the web root under generated names, and served only to the organisation, administrators
and, once the entry is published, lead providers."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.config import ROOT
from portal.extensions import db
from portal.supply_chain import operations
from portal.supply_chain.models import ExpressionDocument
from tests.html import error_summary, field_error, page
from tests.supply_chain import factories as supply
from tests.supply_chain.factories import PDF


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})
DOC = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512


def upload(client, filename: str, data: bytes, kind: str = "case-study"):
    return client.post("/expression-of-interest/documents", data={
        "kind": kind, "title": "", "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(ExpressionDocument))


@pytest.fixture
def owner(login_as):
    return login_as(Role.PROVIDER)


def test_the_page_states_the_types_and_the_size_limit(client, owner):
    text = page(client.get("/expression-of-interest/documents")).find(id="upload-limits").get_text(" ", strip=True)
    assert text == "You can upload PDF, Word (.doc or .docx) or OpenDocument (.odt) files. Each file must be 10 MB " \
                   "or smaller."


@pytest.mark.parametrize("filename, data, content_type", [
    ("Case study.pdf", PDF, "application/pdf"),
    ("policy.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("policy.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("old policy.DOC", DOC, "application/msword"),
])
def test_real_documents_are_stored_outside_the_web_root_under_generated_names(client, owner, upload_folder,
                                                                             filename, data, content_type):
    response = upload(client, filename, data)
    assert response.status_code == 302
    document = db.session.scalar(select(ExpressionDocument))
    assert document.filename == filename and document.content_type == content_type and document.size == len(data)
    stored = upload_folder / document.stored_name
    assert stored.read_bytes() == data
    assert filename not in document.stored_name and "." not in document.stored_name
    assert not any((ROOT / "static").rglob(document.stored_name))
    downloaded = client.get(f"/supply-chain/documents/{document.public_id}")
    assert downloaded.status_code == 200 and downloaded.data == data
    assert downloaded.headers["Content-Type"].startswith(content_type)
    assert "attachment" in downloaded.headers["Content-Disposition"]
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert downloaded.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("filename, data, message", [
    ("report.pdf", b"<html><script>alert(1)</script></html>", "The selected file is not a real PDF file"),
    ("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, "The selected file is not a real PDF file"),
    ("policy.docx", zipped({"evil.sh": b"rm -rf /"}), "The selected file is not a real DOCX file"),
    ("policy.odt", DOCX, "The selected file is not a real ODT file"),
    ("policy.doc", PDF, "The selected file is not a real DOC file"),
    ("tool.exe", PDF, "The selected file must be a PDF, Word (.doc or .docx) or OpenDocument (.odt)"),
    ("page.html", b"<html></html>", "The selected file must be a PDF, Word (.doc or .docx) or OpenDocument (.odt)"),
    ("empty.pdf", b"", "Select a file to upload"),
])
def test_disguised_and_unsupported_files_are_refused_and_nothing_is_stored(client, owner, upload_folder, filename,
                                                                         data, message):
    response = upload(client, filename, data)
    assert response.status_code == 400
    assert field_error(response, "file").startswith(message)
    assert error_summary(response)[0].startswith(message)
    assert count() == 0
    assert not upload_folder.exists() or not any(upload_folder.iterdir())


def test_a_file_over_10_mb_is_refused_by_name(client, owner):
    big = PDF[:-6] + b"0" * (10 * 1024 * 1024) + b"%%EOF\n"
    response = upload(client, "big.pdf", big)
    assert response.status_code == 400
    assert field_error(response, "file") == "The selected file must be smaller than 10 MB"
    assert count() == 0


def test_a_request_far_over_the_limit_gets_the_too_large_page(client, owner):
    response = upload(client, "huge.pdf", b"%PDF-" + b"0" * (13 * 1024 * 1024))
    assert response.status_code == 413
    assert count() == 0


def test_a_missing_file_or_kind_is_named(client, owner):
    response = client.post("/expression-of-interest/documents", data={"kind": ""}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert field_error(response, "kind") == "Select what kind of document it is"


def test_who_may_download_a_document(client, make, login_as):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="draft")
    document = supply.document(entry, owner)
    url = f"/supply-chain/documents/{document.public_id}"
    colleague = make.user(role=Role.PROVIDER, organisation_=entry.organisation, org_role="finance")
    lead = make.user(role=Role.LEAD_PROVIDER)
    expected_before = {owner: 200, colleague: 200, make.user(role=Role.ADMIN): 200, lead: 404,
                       make.user(role=Role.PROVIDER): 404, make.user(role=Role.EMPLOYER): 404}
    for user, status in expected_before.items():
        login_as(user)
        assert client.get(url).status_code == status, user.role

    admin = make.user(role=Role.ADMIN)
    operations.submit(entry, owner)
    operations.start_review(entry.latest_version, admin)
    operations.decide(entry.latest_version, admin, "publish")
    db.session.commit()
    login_as(lead)
    assert client.get(url).status_code == 200  # published: lead providers may read the evidence
    supply.expire(entry)
    assert client.get(url).status_code == 404  # expired: no longer
    client.post("/sign-out")
    assert client.get(url).status_code == 302


def test_a_document_removed_in_a_draft_stays_with_the_published_version(client, make, login_as, upload_folder):
    owner = make.user(role=Role.PROVIDER)
    entry = supply.expression(owner, state="draft")
    kept = supply.document(entry, owner, filename="kept.pdf")
    dropped = supply.document(entry, owner, filename="dropped.pdf")
    dropped_file = upload_folder / dropped.stored_name
    login_as(owner)
    client.post(f"/expression-of-interest/documents/{dropped.public_id}/remove")
    assert count() == 1 and not dropped_file.exists()  # never published: gone

    admin = make.user(role=Role.ADMIN)
    operations.submit(entry, owner)
    operations.start_review(entry.latest_version, admin)
    operations.decide(entry.latest_version, admin, "publish")
    db.session.commit()
    client.post(f"/expression-of-interest/documents/{kept.public_id}/remove")
    db.session.refresh(entry)
    assert [d.filename for d in entry.documents_of(entry.published_version)] == ["kept.pdf"]
    assert entry.documents_of(entry.latest_version) == []
    assert Path(upload_folder / kept.stored_name).exists()
    login_as(make.user(role=Role.LEAD_PROVIDER))
    assert client.get(f"/supply-chain/documents/{kept.public_id}").status_code == 200
