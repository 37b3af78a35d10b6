"""Office documents are ZIP archives: one that unpacks to far more than it weighs (a "zip bomb") is refused from its
directory, quickly, with a message on the field, and nothing is stored; checking one never unpacks it in memory.
Every upload path goes through portal.uploads (supply-chain evidence, campus pictures)."""
from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from portal import uploads
from portal.accounts.roles import Role
from portal.campus import rendering
from portal.errors import DomainError
from portal.supply_chain import uploads as evidence
from tests import factories
from tests.html import field_error
from tests.security.test_bodies_and_uploads import png, stored_documents, stored_images

UNPACKS_TOO_BIG = "The selected file is too large when unpacked"
MB = 1024 * 1024


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


DOCX = _archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document><w:t>Hi</w:t></w:document>"})
ODT = _archive({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def odt_bomb(unpacked_mb: int = 300) -> bytes:
    """An OpenDocument file whose `mimetype` member is the right type followed by hundreds of MB of spaces: the
    old check read the member whole and, once stripped, it matched."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(_deflated("mimetype"), "w", force_zip64=True) as member:
            member.write(b"application/vnd.oasis.opendocument.text")
            block = b" " * MB
            for _ in range(unpacked_mb):
                member.write(block)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def docx_bomb(unpacked_mb: int = 300) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(_deflated("word/document.xml"), "w", force_zip64=True) as member:
            block = b"<w:t>          </w:t>" * (MB // 20)
            for _ in range(unpacked_mb):
                member.write(block)
    return buffer.getvalue()


def many_members(count: int = 12_000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(count):
            archive.writestr(f"word/media/{number}", b"")
    return buffer.getvalue()


BOMBS = {"an ODT whose mimetype unpacks to 300 MB": ("evidence.odt", odt_bomb),
         "a DOCX whose document unpacks to 300 MB": ("evidence.docx", docx_bomb),
         "a DOCX of 12,000 parts": ("evidence.docx", many_members)}


@pytest.fixture(scope="module")
def bombs():
    return {name: (filename, make()) for name, (filename, make) in BOMBS.items()}


@pytest.fixture
def provider(client, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPLY_CHAIN_UPLOAD_DIR", str(tmp_path / "uploads"))
    user = factories.user(role=Role.PROVIDER)
    factories.sign_in(client, user)
    return user


def test_the_bombs_are_small_files(bombs):
    for name, (_, data) in bombs.items():
        assert len(data) < 2 * MB, name  # well inside the 10 MB evidence limit


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_zip_bomb_is_refused_with_a_field_message_and_nothing_is_stored(client, provider, app, bombs, name):
    folder = app.config["SUPPLY_CHAIN_UPLOAD_DIR"]
    from pathlib import Path

    before = stored_documents(Path(folder))
    filename, data = bombs[name]
    response = client.post("/expression-of-interest/documents", content_type="multipart/form-data", data={
        "kind": "case-study", "title": "", "file": (io.BytesIO(data), filename)})
    assert response.status_code == 400, name
    assert field_error(response, "file").startswith(UNPACKS_TOO_BIG), name
    assert stored_documents(Path(folder)) == before


@pytest.mark.parametrize("name", list(BOMBS))
def test_checking_a_zip_bomb_never_unpacks_it_in_memory(bombs, name):
    filename, data = bombs[name]
    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as refused:
            evidence.check(filename, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.message.startswith(UNPACKS_TOO_BIG)
    assert peak < 8 * MB, f"checking {name} held {peak // MB} MB at its peak"


def test_a_bomb_hidden_behind_honest_sizes_is_read_no_further_than_the_check_needs():
    """A member whose directory entry claims a small size but whose data inflates further: zipfile stops at the
    declared size, and the mimetype check reads a few dozen bytes of it."""
    data = odt_bomb(40)
    tracemalloc.start()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            head = uploads.read_member(archive, "mimetype", 64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert head.startswith(b"application/vnd.oasis.opendocument.text")
    assert peak < 4 * MB


def test_honest_office_documents_still_pass():
    assert evidence.check("case.docx", DOCX).content_type.endswith("wordprocessingml.document")
    assert evidence.check("case.odt", ODT).content_type == "application/vnd.oasis.opendocument.text"


def test_a_large_honest_document_with_pictures_passes_the_limits():
    """Pictures are stored, not compressed, in a DOCX: a 9 MB document with 60 pictures is fine."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "<w:p><w:t>Case study text.</w:t></w:p>" * 20_000
                         + "</w:document>")
        for number in range(60):
            archive.writestr(f"word/media/image{number}.png", bytes(range(256)) * 600, zipfile.ZIP_STORED)
    data = buffer.getvalue()
    assert evidence.check("case.docx", data).kind == "docx"


def test_pictures_go_through_the_same_checked_path(client, db):
    assert rendering.check_image(png()) == "image/png"
    factories.sign_in(client, factories.user(role=Role.ADMIN))
    before = stored_images()
    response = client.post("/campus/content/images", content_type="multipart/form-data", data={
        "alt_text": "A chart", "image": (io.BytesIO(odt_bomb(5)), "chart.png")})
    assert response.status_code == 400
    assert field_error(response, "image") == "The picture must be a PNG or JPG"
    assert stored_images() == before


def test_one_reusable_function_checks_a_werkzeug_upload():
    from werkzeug.datastructures import FileStorage

    checked = uploads.check_upload(FileStorage(io.BytesIO(DOCX), "grant.docx"), kinds=("pdf", "docx"),
                                   max_bytes=5 * MB, field="document")
    assert checked.filename == "grant.docx" and checked.kind == "docx"
    with pytest.raises(DomainError) as too_big:
        uploads.check_upload(FileStorage(io.BytesIO(b"%PDF-" + b"0" * (2 * MB)), "grant.pdf"),
                             kinds=("pdf", "docx"), max_bytes=MB, field="document")
    assert (too_big.value.field, too_big.value.message) == ("document", "The selected file must be smaller than 1 MB")
    with pytest.raises(DomainError) as wrong:
        uploads.check_upload(FileStorage(io.BytesIO(DOCX), "grant.odt"), kinds=("pdf", "docx"), max_bytes=MB,
                             field="document")
    assert wrong.value.message == "The selected file must be a PDF or DOCX"
