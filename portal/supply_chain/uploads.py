"""Evidence files: which files are accepted, checked by their content (not their name), and where they are kept.

Files are kept by the storage module (portal/storage.py: a local folder outside static/ or shared object
storage) under the key `supply_chain/<random name>`, with no extension; the original name is kept in the database only
to be shown and offered when downloading. Only `views.download_document`, after the access policy, serves them.
"""
from __future__ import annotations

import re
import secrets

from portal import uploads as checked_upload
from portal.storage import storage

MAX_BYTES = 10 * 1024 * 1024
ALLOWED_DESCRIPTION = "PDF, Word (.doc or .docx) or OpenDocument (.odt) files"
KINDS = ("pdf", "doc", "docx", "odt")
CheckedFile = checked_upload.CheckedFile
clean_filename = checked_upload.clean_filename


def check(filename: str, data: bytes, field: str = "file") -> CheckedFile:
    """Refuse anything that is not a PDF, Word or OpenDocument text file of 10 MB or less, by content (ZIP-based
    documents inspected by streaming, with limits: see portal.uploads)."""
    return checked_upload.check_bytes(filename, data, kinds=KINDS, max_bytes=MAX_BYTES, field=field, messages={
        "wrong_type": f"The selected file must be a {ALLOWED_DESCRIPTION.replace(' files', '')}",
        "too_big": "The selected file must be smaller than 10 MB"})


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
