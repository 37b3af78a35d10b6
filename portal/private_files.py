"""Files and folders only the portal's own user may read: the instance folder (SQLite database, secret key,
uploads), the mail folder (it holds live reset links) and what is written into them."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url


def private_directory(path: str | Path) -> Path:
    """Create `path` (and missing parents) as 0700, and make an existing one 0700."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def write_private(path: str | Path, data: bytes) -> None:
    """Write `data` into a file created 0600 (never readable by others, not even for a moment)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def private_sqlite_file(database_uri: str) -> None:
    """Create a SQLite database file 0600 before SQLite does (it would follow the umask, usually 0644); SQLite
    gives its -wal and -shm files the database file's permissions. An existing file is made 0600."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    private_directory(path.parent) if not path.parent.exists() else None
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
