"""Backups: the database and uploaded files in one archive, with a manifest that proves a restore is whole.

An archive (`.tar.gz`) holds:
- `database.sqlite3` (SQLite's online backup interface: a consistent copy while the portal runs) or
  `database.pgdump` (pg_dump's custom format: one consistent snapshot);
- `files/`: every stored file (supply-chain evidence, campus pictures: everything in portal/storage.py, whether
  a local folder or object storage), under its storage key;
- `manifest.json`: when, which migration, for every table its row count and a checksum of its rows, and for
  every file its SHA-256.

Restoring loads the archive into an empty database, puts the files back into the target's storage, then
recomputes every table's count and checksum and every file's checksum (read back from the storage) and compares
them with the manifest: a restore that does not match says which tables and files differ.
The secret key is not in the archive (a restored portal on a new machine signs everyone out, by design).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from portal.database import utcnow
from portal.storage import LocalStorage, Storage

FORMAT = 2  # 2: files from the storage module, each with its checksum
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Fingerprint:
    rows: int
    sha256: str


def fingerprints(engine: Engine, metadata: MetaData | None = None) -> dict[str, Fingerprint]:
    """Row count and a checksum of every row of every table, in primary-key order (of the tables in
    `metadata` when given, else of every table the database has)."""
    if metadata is None:
        metadata = MetaData()
        metadata.reflect(engine)
    out = {}
    with engine.connect() as connection:
        for table in sorted(metadata.sorted_tables, key=lambda t: t.name):
            order = list(table.primary_key.columns) or list(table.columns)
            digest, rows = hashlib.sha256(), 0
            for row in connection.execute(select(table).order_by(*order)).yield_per(2000):
                digest.update(repr(tuple(_canonical(v) for v in row)).encode())
                rows += 1
            out[table.name] = Fingerprint(rows, digest.hexdigest())
    return out


def _canonical(value):
    """The same value reads back the same way after a restore (JSON as text, dates as ISO)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _local(instance_path: Path) -> Storage:
    return LocalStorage(Path(instance_path) / "uploads")


def create_backup(database_url: str, instance_path: Path, destination: Path, progress: Progress = print,
                  storage: Storage | None = None) -> Path:
    """Write an archive of the database and every stored file to `destination` (a file path). Returns the path."""
    storage = storage or _local(instance_path)
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with tempfile.TemporaryDirectory(prefix="rpp-backup-") as work:
        work_dir = Path(work)
        if url.get_backend_name() == "sqlite":
            progress("Copying the SQLite database through its backup interface...")
            database_file = work_dir / "database.sqlite3"
            with sqlite3.connect(url.database) as source, sqlite3.connect(database_file) as target:
                source.backup(target, pages=1024, progress=lambda status, remaining, total: progress(
                    f"  {total - remaining:,} of {total:,} pages") if remaining == 0 or total > 10_000 else None)
        else:
            progress("Dumping the PostgreSQL database with pg_dump...")
            database_file = work_dir / "database.pgdump"
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",  # noqa: S603,S607
                            "--file", str(database_file), _libpq(url)], check=True, env=_pg_env(url))
        # Fingerprint the copy, not the live database: it is exactly what was saved
        copy_engine = create_engine(f"sqlite:///{database_file}") if url.get_backend_name() == "sqlite" else engine
        progress("Counting and checksumming every table...")
        tables = fingerprints(copy_engine)
        progress(f"Copying stored files from {storage.name} storage...")
        files: dict[str, str] = {}
        for key in storage.keys():
            data = storage.get(key)
            if data is None:  # deleted since it was listed
                continue
            target = work_dir / "files" / key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files[key] = hashlib.sha256(data).hexdigest()
            if len(files) % 500 == 0:
                progress(f"  {len(files):,} files")
        manifest = {
            "format": FORMAT,
            "created_at": utcnow().isoformat(),
            "database": url.get_backend_name(),
            "migration": _migration(copy_engine),
            "tables": {name: {"rows": f.rows, "sha256": f.sha256} for name, f in tables.items()},
            "files": files,
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        progress(f"Archiving {len(tables)} tables ({sum(f.rows for f in tables.values()):,} rows) "
                 f"and {len(files):,} stored files...")
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", "manifest.json")
            archive.add(database_file, database_file.name)
            for key in files:
                archive.add(work_dir / "files" / key, f"files/{key}")
        partial.replace(destination)  # never a half-written archive under the real name
    engine.dispose()
    progress(f"Backup written to {destination}")
    return destination


def restore_backup(archive_path: Path, database_url: str, instance_path: Path, progress: Progress = print,
                   storage: Storage | None = None) -> list[str]:
    """Load an archive into an empty database and the target's storage. Returns the tables (by name) and files
    (as `file <key>`) that do not match the manifest: empty when the restore is whole."""
    storage = storage or _local(instance_path)
    url = make_url(database_url)
    engine = create_engine(url)
    if inspect(engine).get_table_names():
        raise RestoreRefused("The target database is not empty. Restore into a new, empty database.")
    with tempfile.TemporaryDirectory(prefix="rpp-restore-") as work:
        work_dir = Path(work)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work_dir, filter="data")
        manifest = json.loads((work_dir / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise RestoreRefused(f"This archive has format {manifest.get('format')}; this portal reads {FORMAT}.")
        if manifest["database"] != url.get_backend_name():
            raise RestoreRefused(f"This archive holds a {manifest['database']} database; the target is "
                                 f"{url.get_backend_name()}.")
        if url.get_backend_name() == "sqlite":
            progress("Restoring the SQLite database...")
            engine.dispose()
            with sqlite3.connect(work_dir / "database.sqlite3") as source, sqlite3.connect(url.database) as target:
                source.backup(target)
        else:
            progress("Restoring the PostgreSQL database with pg_restore...")
            subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",  # noqa: S603,S607
                            "--dbname", _libpq(url), str(work_dir / "database.pgdump")], check=True,
                           env=_pg_env(url))
        files: dict[str, str] = manifest["files"]
        progress(f"Restoring {len(files):,} stored files into {storage.name} storage...")
        for n, key in enumerate(files, start=1):
            storage.put(key, (work_dir / "files" / key).read_bytes())
            if n % 500 == 0:
                progress(f"  {n:,} of {len(files):,} files")
        progress("Checking every table and file against the manifest...")
        engine = create_engine(url)
        restored = fingerprints(engine)
        engine.dispose()
    expected = manifest["tables"]
    different = sorted(name for name in set(expected) | set(restored)
                       if name not in restored or name not in expected
                       or (restored[name].rows, restored[name].sha256)
                       != (expected[name]["rows"], expected[name]["sha256"]))
    for key, sha256 in sorted(files.items()):
        data = storage.get(key)
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            different.append(f"file {key}")
    return different


class RestoreRefused(Exception):
    pass


def _libpq(url) -> str:
    """A libpq connection string from a SQLAlchemy URL, without the password (that goes in the environment,
    never on a command line other processes can read)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _pg_env(url) -> dict[str, str]:
    return {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}


def _migration(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database without migrations has no revision to report
        return None
