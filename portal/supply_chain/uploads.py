"""Evidence files: which files are accepted, checked by their content (not their name), and where they are kept.

Files are kept by the storage module (portal/storage.py: a local folder outside static/ or shared object
storage) under the key `supply_chain/<random name>`, with no extension; the original name is kept in the database only
to be shown and offered when downloading. Only `views.download_document`, after the access policy, serves them.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from portal.errors import DomainError
from portal.storage import storage

MAX_BYTES = 10 * 1024 * 1024
ALLOWED_DESCRIPTION = "PDF, Word (.doc or .docx) or OpenDocument (.odt) files"

# extension -> (MIME type, kind of content it must be)
TYPES = {
    ".pdf": ("application/pdf", "pdf"),
    ".doc": ("application/msword", "ole"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ".odt": ("application/vnd.oasis.opendocument.text", "odt"),
}
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def clean_filename(name: str) -> str:
    """The name to show: no folders, no control characters, at most 150 characters (keeping the extension)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem, dot, extension = name.rpartition(".")
    if dot and len(name) > 150:
        name = f"{stem[:150 - len(extension) - 1]}.{extension}"
    return name[:150]


def check(filename: str, data: bytes, field: str = "file") -> CheckedFile:
    """Refuse anything that is not a PDF, Word or OpenDocument text file of 10 MB or less, by content."""
    name = clean_filename(filename)
    if not name or not data:
        raise DomainError("Select a file to upload", field)
    extension = os.path.splitext(name)[1].lower()
    if extension not in TYPES:
        raise DomainError(f"The selected file must be a {ALLOWED_DESCRIPTION.replace(' files', '')}", field)
    if len(data) > MAX_BYTES:
        raise DomainError("The selected file must be smaller than 10 MB", field)
    content_type, kind = TYPES[extension]
    if not _looks_like(kind, data):
        raise DomainError(f"The selected file is not a real {extension[1:].upper()} file. Check it opens, save it "
                          f"again as {extension} and upload it again", field)
    return CheckedFile(name, content_type, data, hashlib.sha256(data).hexdigest())


def _looks_like(kind: str, data: bytes) -> bool:
    if kind == "pdf":
        return data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-") and b"%%EOF" in data[-2048:]
    if kind == "ole":
        return data.startswith(OLE_MAGIC)
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if kind == "docx":
                return "[Content_Types].xml" in names and "word/document.xml" in names
            return ("mimetype" in names and archive.read("mimetype").strip()
                    == b"application/vnd.oasis.opendocument.text")
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError):
        return False


STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
AREA = "supply_chain"


def store(data: bytes, content_type: str = "application/octet-stream") -> str:
    """Keep the file under a new random name and return that name."""
    stored_name = secrets.token_hex(16)
    storage().put(f"{AREA}/{stored_name}", data, content_type)
    return stored_name


def read(stored_name: str) -> bytes | None:
    """The file's content, or None when it is missing."""
    return storage().get(_key(stored_name))


def _key(stored_name: str) -> str:
    if not STORED_NAME.match(stored_name):  # never a path someone could steer
        raise ValueError("not a stored file name")
    return f"{AREA}/{stored_name}"


def delete(stored_name: str) -> None:
    storage().delete(_key(stored_name))
