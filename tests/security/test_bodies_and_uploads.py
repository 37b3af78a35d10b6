"""Bodies that are too big or broken, and files that are not what they claim to be, on every upload endpoint
(expression of interest evidence, campus pictures; funding keeps links to documents, not files).

- A form post and an API post over MAX_CONTENT_LENGTH get 413: the GOV.UK error page, or the JSON error shape
  under /api/; the upload endpoints' own limits fit inside it, so a file just under their limit is refused by
  a field message, not by the server.
- Broken multipart bodies (truncated, no boundary, a boundary that never appears, the wrong content type) get
  400, never a 500, and nothing is stored.
- Disguised files (a .pdf that is a PNG or an HTML page, a picture that is HTML, SVG or a PDF) are refused with a
  message on the field, and nothing is stored.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.accounts.roles import Role
from portal.campus import rendering
from portal.campus.models import ContentImage
from portal.extensions import db
from portal.storage import storage
from portal.supply_chain import uploads
from portal.supply_chain.models import ExpressionDocument
from tests import factories
from tests.html import error_summary, field_error, h1
from tests.supply_chain.factories import PDF

LIMIT = 12 * 1024 * 1024
MULTIPART_ALLOWANCE = 64 * 1024  # boundaries, headers and the other fields of an upload form


def png(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, "PNG")
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="4" height="4"/></svg>'


@pytest.fixture
def upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads" / "supply_chain"


@pytest.fixture
def provider(client, db, upload_folder):
    user = factories.user(role=Role.PROVIDER)
    factories.sign_in(client, user)
    return user


@pytest.fixture
def author(client, db):
    user = factories.user(role=Role.ADMIN)
    factories.sign_in(client, user)
    return user


def stored_documents(folder) -> tuple[int, list]:
    return (db.session.scalar(select(func.count()).select_from(ExpressionDocument)),
            sorted(folder.rglob("*")) if folder.exists() else [])


def stored_images() -> tuple[int, list]:
    return (db.session.scalar(select(func.count()).select_from(ContentImage)),
            sorted(key for key in storage().keys() if key.startswith(rendering.IMAGE_AREA + "/")))


# --- Size ---

def test_the_body_limit_is_configured_and_holds_every_upload_limit(app):
    assert app.config["MAX_CONTENT_LENGTH"] == LIMIT
    for limit in (uploads.MAX_BYTES, rendering.MAX_IMAGE_BYTES):
        assert limit + MULTIPART_ALLOWANCE <= app.config["MAX_CONTENT_LENGTH"]


def test_a_form_post_over_the_limit_gets_the_govuk_too_large_page(client, db):
    response = client.post("/forgot-password", data={"email": "a" * (LIMIT + 1)})
    assert response.status_code == 413
    assert h1(response) == "The file or form you sent is too large"


def test_an_upload_over_the_limit_gets_the_too_large_page_and_nothing_is_stored(client, provider, upload_folder):
    before = stored_documents(upload_folder)
    response = client.post("/expression-of-interest/documents", content_type="multipart/form-data", data={
        "kind": "case-study", "file": (io.BytesIO(b"%PDF-" + b"0" * LIMIT), "huge.pdf")})
    assert response.status_code == 413 and h1(response) == "The file or form you sent is too large"
    assert stored_documents(upload_folder) == before


def test_an_api_post_over_the_limit_gets_the_json_413(client, db):
    token = factories.api_token(factories.user(role=Role.OFFENDER_MANAGER))
    body = b'{"service": "' + b"x" * LIMIT + b'"}'
    response = client.post("/api/v1/referrals", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["status"] == 413 and error["title"] == "The file or form you sent is too large"


def test_a_body_without_a_length_is_still_held_to_the_limit(client, db):
    token = factories.api_token(factories.user(role=Role.OFFENDER_MANAGER))

    def chunks():
        for _ in range(LIMIT // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    response = client.post("/api/v1/referrals", input_stream=io.BytesIO(b"".join(chunks())),
                           headers={"Authorization": f"Bearer {token}", "Transfer-Encoding": "chunked",
                                    "Content-Type": "application/json"})
    assert response.status_code in (400, 413)
    assert response.get_json()["error"]["status"] == response.status_code


def test_a_file_just_under_the_upload_limit_is_refused_by_a_field_message_not_the_server(client, provider,
                                                                                          upload_folder):
    almost = b"%PDF-" + b"0" * (uploads.MAX_BYTES + 1)  # over the document limit, under the body limit
    response = client.post("/expression-of-interest/documents", content_type="multipart/form-data", data={
        "kind": "case-study", "file": (io.BytesIO(almost), "big.pdf")})
    assert response.status_code == 400
    assert field_error(response, "file") == "The selected file must be smaller than 10 MB"
    big_picture = b"\x89PNG\r\n\x1a\n" + b"0" * (rendering.MAX_IMAGE_BYTES + 10)
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    response = client.post("/campus/content/images", content_type="multipart/form-data", data={
        "alt_text": "A chart", "image": (io.BytesIO(big_picture), "chart.png")})
    assert response.status_code == 400
    assert field_error(response, "image") == "The picture must be smaller than 2MB"


# --- Broken multipart bodies ---

BOUNDARY = "----hostileboundary"


def _multipart(fields: dict[str, str], filename: str, data: bytes, file_field: str) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def broken_bodies(fields: dict[str, str], filename: str, data: bytes, file_field: str):
    whole = _multipart(fields, filename, data, file_field)
    multipart = f"multipart/form-data; boundary={BOUNDARY}"
    return {
        "truncated in the file": (whole[: len(whole) - len(data) // 2 - 20], multipart),
        "truncated in the headers": (whole[:30], multipart),
        "no closing boundary": (whole[: -len(f"--{BOUNDARY}--\r\n")], multipart),
        "no boundary given": (whole, "multipart/form-data"),
        "a boundary that never appears": (whole, "multipart/form-data; boundary=nothere"),
        "an empty body": (b"", multipart),
        "garbage": (b"\x00\xff" * 500, multipart),
        "the wrong content type (JSON)": (whole, "application/json"),
        "the wrong content type (URL-encoded)": (whole, "application/x-www-form-urlencoded"),
        "the wrong content type (plain text)": (whole, "text/plain"),
    }


def _post_raw(client, path: str, body: bytes, content_type: str):
    return client.post(path, data=body, headers={"Content-Type": content_type})


def test_broken_multipart_evidence_uploads_get_400_and_nothing_is_stored(client, provider, upload_folder):
    before = stored_documents(upload_folder)
    for problem, (body, content_type) in broken_bodies({"kind": "case-study", "title": "x"}, "case.pdf", PDF,
                                                       "file").items():
        response = _post_raw(client, "/expression-of-interest/documents", body, content_type)
        assert response.status_code == 400, f"{problem}: {response.status_code}"
        assert error_summary(response) or h1(response), problem
        assert stored_documents(upload_folder) == before, problem


def test_broken_multipart_picture_uploads_get_400_and_nothing_is_stored(client, author):
    before = stored_images()
    for problem, (body, content_type) in broken_bodies({"alt_text": "A blue square"}, "blue.png", png(),
                                                       "image").items():
        response = _post_raw(client, "/campus/content/images", body, content_type)
        assert response.status_code == 400, f"{problem}: {response.status_code}"
        assert stored_images() == before, problem


# --- Disguised files ---

@pytest.mark.parametrize("filename, data, message", [
    ("report.pdf", png(), "The selected file is not a real PDF file"),
    ("report.pdf", HTML, "The selected file is not a real PDF file"),
    ("report.pdf", SVG, "The selected file is not a real PDF file"),
    ("report.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "The selected file is not a real PDF file"),
    ("report.docx", png(), "The selected file is not a real DOCX file"),
    ("report.pdf.html", PDF, "The selected file must be a PDF, Word (.doc or .docx) or OpenDocument (.odt)"),
    ("report.svg", SVG, "The selected file must be a PDF, Word (.doc or .docx) or OpenDocument (.odt)"),
    ("report", PDF, "The selected file must be a PDF, Word (.doc or .docx) or OpenDocument (.odt)"),
    ("../../report.pdf", HTML, "The selected file is not a real PDF file"),
    ("report\r\nX-Injected: 1.pdf", HTML, ""),  # the part's headers break: refused, with whichever message
])
def test_disguised_evidence_is_refused_with_a_field_message(client, provider, upload_folder, filename, data, message):
    before = stored_documents(upload_folder)
    response = client.post("/expression-of-interest/documents", content_type="multipart/form-data", data={
        "kind": "case-study", "title": "", "file": (io.BytesIO(data), filename)})
    assert response.status_code == 400
    assert field_error(response, "file").startswith(message)
    assert stored_documents(upload_folder) == before


@pytest.mark.parametrize("filename, data", [
    ("picture.png", HTML),
    ("picture.png", SVG),
    ("picture.svg", SVG),
    ("picture.jpg", PDF),
    ("picture.png", b"\x89PNG\r\n\x1a\n" + HTML),  # a PNG signature in front of a web page
    ("picture.png", png()[:40]),  # a real PNG cut short
    ("picture.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
                    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"),  # a real GIF: not PNG or JPG
])
def test_disguised_pictures_are_refused_with_a_field_message(client, author, filename, data):
    before = stored_images()
    response = client.post("/campus/content/images", content_type="multipart/form-data", data={
        "alt_text": "A picture", "image": (io.BytesIO(data), filename)})
    assert response.status_code == 400
    assert field_error(response, "image") == "The picture must be a PNG or JPG"
    assert stored_images() == before
