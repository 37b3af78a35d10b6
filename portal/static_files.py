"""Static files (GOV.UK Frontend, the portal's own CSS and scripts) that browsers keep instead of fetching again.

Every address `url_for('static', filename=...)` builds carries `v`, a hash of the file's content, so a changed
file gets a new address: an address with the file's current hash may be kept for a year without asking again.
Other addresses (the fonts and images GOV.UK Frontend's stylesheet names, whose file names carry their own hashes)
may be kept for an hour. Static files hold nothing personal, so this holds for signed-in people too; their pages
stay `no-store` (portal/security.py).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from stat import S_ISREG

from flask import Flask, request
from werkzeug.security import safe_join

VERSIONED_MAX_AGE = 365 * 24 * 3600
UNVERSIONED_MAX_AGE = 3600


class StaticVersions:
    """The content hash of each static file, worked out once per version of the file (its size and mtime)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._hashes: dict[str, tuple[tuple[int, int], str]] = {}

    def of(self, filename: str) -> str | None:
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not S_ISREG(stat.st_mode):  # a folder (the assets path GOV.UK Frontend's macros build on)
            return None
        key = (stat.st_size, stat.st_mtime_ns)
        known = self._hashes.get(filename)
        if known and known[0] == key:
            return known[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        self._hashes[filename] = (key, digest)
        return digest


def init_app(app: Flask) -> None:
    versions = StaticVersions(app.static_folder or "")

    @app.url_defaults
    def version_static_addresses(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            if version := versions.of(values["filename"]):
                values["v"] = version

    def max_age(filename: str | None) -> int:
        current = versions.of(filename) if filename else None
        return VERSIONED_MAX_AGE if current and request.args.get("v") == current else UNVERSIONED_MAX_AGE

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]
