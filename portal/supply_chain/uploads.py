"""Evidence files: which files are accepted, checked by their content (not their name), and where they are kept.

Files live under the instance folder (`SUPPLY_CHAIN_UPLOAD_DIR`, by default `<instance>/uploads/supply_chain/`),
never under static/, each under a random name with no extension; the original name is kept in the database only
to be shown and offered when downloading. Only `views.download_document`, after the access policy, serves them.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

from portal import uploads as checked_upload

MAX_BYTES = 10 * 1024 * 1024
ALLOWED_DESCRIPTION = "PDF, Word (.doc or .docx) or OpenDocument (.odt) files"
KINDS = ("pdf", "doc", "docx", "odt")
CheckedFile = checked_upload.CheckedFile
clean_filename = checked_upload.clean_filename


def upload_folder() -> Path:
    configured = current_app.config.get("SUPPLY_CHAIN_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "supply_chain"


def check(filename: str, data: bytes, field: str = "file") -> CheckedFile:
    """Refuse anything that is not a PDF, Word or OpenDocument text file of 10 MB or less, by content (ZIP-based
    documents inspected by streaming, with limits: see portal.uploads)."""
    return checked_upload.check_bytes(filename, data, kinds=KINDS, max_bytes=MAX_BYTES, field=field, messages={
        "wrong_type": f"The selected file must be a {ALLOWED_DESCRIPTION.replace(' files', '')}",
        "too_big": "The selected file must be smaller than 10 MB"})


STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def store(data: bytes) -> str:
    """Write the file under a new random name (written in full, then renamed) and return that name."""
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    partial = folder / f".{stored_name}.part"
    partial.write_bytes(data)
    partial.chmod(0o600)
    partial.replace(folder / stored_name)
    return stored_name


def path_of(stored_name: str) -> Path:
    if not STORED_NAME.match(stored_name):  # never a path someone could steer
        raise ValueError("not a stored file name")
    return upload_folder() / stored_name


def delete(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)
