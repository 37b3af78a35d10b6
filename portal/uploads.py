"""One checked path for every uploaded file: read with a size limit, recognised by its content (never its name), and
ZIP-based documents (DOCX, ODT) inspected by streaming, with limits, before anything is unpacked.

An office document is a ZIP archive, and a small archive can unpack to gigabytes (a "zip bomb"). Nothing here ever
inflates a whole member in memory: the archive's directory is read first (member count, declared sizes, ratio of
unpacked to packed size) and refused when beyond the limits; the few bytes a check needs are then read in chunks
with a cap, so a member that lies about its size cannot make us unpack more than the cap either.

Use `check_upload(file_storage, kinds=..., max_bytes=..., field=...)` from a view or operation; supply-chain
evidence, campus pictures and any future upload (grant documents) share it.
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from portal.errors import DomainError


@dataclass(frozen=True)
class ZipLimits:
    """What an honest office document stays well inside. A 10 MB DOCX full of text unpacks to 50 to 100 MB at
    most; its members number in the tens (hundreds with many pictures)."""

    max_members: int = 1_000
    max_total_bytes: int = 200 * 1024 * 1024  # everything unpacked, as the archive declares it
    max_ratio: int = 100  # unpacked / packed, over the whole archive and for each large member
    ratio_floor: int = 1024 * 1024  # members unpacking to less than this are not held to the ratio


ZIP_LIMITS = ZipLimits()
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    extension: str  # ".pdf"
    content_type: str
    label: str  # what the user calls it, in messages


KINDS = {
    "pdf": Kind(".pdf", "application/pdf", "PDF"),
    "doc": Kind(".doc", "application/msword", "DOC"),
    "docx": Kind(".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "odt": Kind(".odt", "application/vnd.oasis.opendocument.text", "ODT"),
    "png": Kind(".png", "image/png", "PNG"),
    "jpeg": Kind(".jpg", "image/jpeg", "JPG"),
}
EXTENSIONS = {".pdf": "pdf", ".doc": "doc", ".docx": "docx", ".odt": "odt", ".png": "png", ".jpg": "jpeg",
              ".jpeg": "jpeg"}
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
PICTURES = frozenset({"png", "jpeg"})
PIL_FORMATS = {"PNG": "png", "JPEG": "jpeg"}


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    kind: str
    data: bytes
    sha256: str


class TooLarge(DomainError):
    """The upload is over its limit (a field message, not the server's 413)."""


def clean_filename(name: str) -> str:
    """The name to show: no folders, no control characters, at most 150 characters (keeping the extension)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem, dot, extension = name.rpartition(".")
    if dot and len(name) > 150:
        name = f"{stem[:150 - len(extension) - 1]}.{extension}"
    return name[:150]


def read_limited(stream: BinaryIO | None, max_bytes: int, field: str, too_big: str) -> bytes:
    """Read at most max_bytes from the stream, in chunks; one byte more is refused with `too_big`."""
    if stream is None:
        return b""
    buffer = io.BytesIO()
    while chunk := stream.read(min(CHUNK, max_bytes + 1 - buffer.tell())):
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise TooLarge(too_big, field)
    return buffer.getvalue()


def megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def check_upload(upload, *, kinds: tuple[str, ...], max_bytes: int, field: str = "file",
                 messages: dict[str, str] | None = None, zip_limits: ZipLimits = ZIP_LIMITS,
                 max_pixels: int = 4000 * 4000) -> CheckedFile:
    """The one checked path for an uploaded file (a Werkzeug FileStorage, or None when nothing was chosen).

    `kinds` are keys of KINDS the field accepts. `messages` may replace "missing", "too_big" and "wrong_type"
    (and "not_real", formatted with {label} and {extension}) with the field's own wording."""
    filename = getattr(upload, "filename", "") or ""
    stream = getattr(upload, "stream", None) if upload is not None else None
    return check_bytes(filename, None, stream=stream, kinds=kinds, max_bytes=max_bytes, field=field,
                       messages=messages, zip_limits=zip_limits, max_pixels=max_pixels)


def check_bytes(filename: str, data: bytes | None, *, kinds: tuple[str, ...], max_bytes: int, field: str = "file",
                messages: dict[str, str] | None = None, stream: BinaryIO | None = None,
                zip_limits: ZipLimits = ZIP_LIMITS, max_pixels: int = 4000 * 4000) -> CheckedFile:
    """As check_upload, for bytes already read (CLI imports, tests) or a stream.

    Documents are recognised by their extension and then must really be that kind; pictures (when every kind
    accepted is a picture) by their content alone, with at most `max_pixels` pixels."""
    labels = [KINDS[k].label for k in kinds]
    words = {
        "missing": "Select a file to upload",
        "too_big": f"The selected file must be smaller than {megabytes(max_bytes)}",
        "wrong_type": f"The selected file must be a {', '.join(labels[:-1])} or {labels[-1]}" if len(labels) > 1
                      else f"The selected file must be a {labels[0]}",
        "not_real": "The selected file is not a real {label} file. Check it opens, save it again as {extension} "
                    "and upload it again",
        "unpacks_too_big": "The selected file is too large when unpacked (a document can hold at most "
                           f"{zip_limits.max_members:,} parts and unpack to {megabytes(zip_limits.max_total_bytes)}"
                           "). Save it again without embedded files, or as a PDF, and upload it again",
        "too_many_pixels": f"The picture must be at most {max_pixels:,} pixels",
        **(messages or {}),
    }
    if data is None:
        data = read_limited(stream, max_bytes, field, words["too_big"])
    name = clean_filename(filename)
    if not data or not (name or set(kinds) <= PICTURES):
        raise DomainError(words["missing"], field)
    if set(kinds) <= PICTURES:
        if len(data) > max_bytes:
            raise TooLarge(words["too_big"], field)
        kind = _picture_kind(data, kinds, max_pixels, field, words)
        return CheckedFile(name, KINDS[kind].content_type, kind, data, hashlib.sha256(data).hexdigest())
    extension = os.path.splitext(name)[1].lower()
    kind = EXTENSIONS.get(extension)
    if kind not in kinds:
        raise DomainError(words["wrong_type"], field)
    if len(data) > max_bytes:
        raise TooLarge(words["too_big"], field)
    if kind in ("docx", "odt"):
        inspect_zip(data, field, zip_limits, words["unpacks_too_big"])
    if not _looks_like(kind, data):
        raise DomainError(words["not_real"].format(label=KINDS[kind].label, extension=extension), field)
    return CheckedFile(name, KINDS[kind].content_type, kind, data, hashlib.sha256(data).hexdigest())


# --- ZIP archives, inspected without unpacking them ---

def inspect_zip(data: bytes, field: str, limits: ZipLimits = ZIP_LIMITS,
                message: str = "The selected file is too large when unpacked") -> None:
    """Refuse an archive whose directory declares too many members, too much unpacked data or too high a ratio.
    Reads the central directory only; nothing is inflated. (An archive that is not readable at all passes here
    and is refused by the content check as "not a real ... file".)"""
    if not data.startswith(b"PK\x03\x04"):
        return
    declared = declared_member_count(data)
    if declared is not None and declared > limits.max_members:
        raise TooLarge(message, field)  # before building an object per member
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return
    if len(members) > limits.max_members:
        raise TooLarge(message, field)
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.max_total_bytes:
            raise TooLarge(message, field)
        if member.file_size > limits.ratio_floor and member.file_size > limits.max_ratio * max(member.compress_size,
                                                                                                 1):
            raise TooLarge(message, field)
    if total > limits.ratio_floor and total > limits.max_ratio * len(data):
        raise TooLarge(message, field)


def declared_member_count(data: bytes) -> int | None:
    """The number of members the archive's end record declares (ZIP64 too), or None when there is no such record."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or len(data) < at + 22:
        return None
    count = int.from_bytes(data[at + 10:at + 12], "little")
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        record = int.from_bytes(data[locator + 8:locator + 16], "little")
        if data[record:record + 4] == b"PK\x06\x06":
            count = int.from_bytes(data[record + 32:record + 40], "little")
    return count


def read_member(archive: zipfile.ZipFile, name: str, cap: int) -> bytes | None:
    """At most `cap` bytes of one member, read in chunks (None when it is missing or unreadable)."""
    try:
        with archive.open(name) as member:
            return member.read(cap)  # ZipExtFile inflates only what it hands back (plus one buffer)
    except (KeyError, zipfile.BadZipFile, RuntimeError, ValueError, EOFError, OSError, NotImplementedError):
        return None


def _looks_like(kind: str, data: bytes) -> bool:
    if kind == "pdf":
        return data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
    if kind == "doc":
        return data.startswith(OLE_MAGIC)
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if kind == "docx":
                return "[Content_Types].xml" in names and "word/document.xml" in names
            # The first member of an OpenDocument file is `mimetype`, stored, holding exactly the type
            mimetype = read_member(archive, "mimetype", len(ODT_MIMETYPE) + 2)
            return mimetype is not None and mimetype.strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, ValueError, EOFError, OSError):
        return False


def _picture_kind(data: bytes, kinds: tuple[str, ...], max_pixels: int, field: str, words: dict) -> str:
    """Which picture this is, by its content; its size is read from its header, before any pixel is decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data), formats=list(PIL_FORMATS)) as image:
            kind = PIL_FORMATS.get(image.format or "")
            if kind not in kinds:
                raise DomainError(words["wrong_type"], field)
            if image.width * image.height > max_pixels:
                raise DomainError(words["too_many_pixels"], field)
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(words["wrong_type"], field) from None
    return kind
