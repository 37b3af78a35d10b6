"""`flask backup` and `flask restore`: an archive restored into a fresh database (SQLite, or PostgreSQL when the
suite runs on it) holds the same rows, by count and checksum, and the same uploaded files."""
from __future__ import annotations

import contextlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import backup, create_app
from portal.campus import rendering
from portal.extensions import db as _db
from portal.storage import LocalStorage, storage
from tests import factories


@contextlib.contextmanager
def _fresh_database(app, tmp_path: Path):
    """An empty database of the same kind as the suite's."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"rpp_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _restore(database_url: str, instance: Path, archive: Path):
    """`flask restore ARCHIVE` on a second portal whose database is `database_url`."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance), "TESTING": True,
                        "SECRET_KEY": "restore-test", "MAIL_DIRECTORY": str(instance / "mail")})
    with other.app_context():  # the test's own app context is active: make the command see this portal
        return other.test_cli_runner().invoke(args=["restore", str(archive)])


def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(app, db, tmp_path, monkeypatch):
    """Every stored file, evidence and campus pictures alike (before, `flask backup` missed the pictures)."""
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "live-uploads"))
    with app.test_request_context():
        factories.referral(state="completed")  # JSON, dates, personal data, a chain of foreign keys
        factories.published_service(name="Harbour House", index=False)
        storage().put("supply_chain/0123456789abcdef0123456789abcdef", b"%PDF-1.4 evidence")
        storage().put(rendering.image_key("kitchen-picture"), b"\x89PNG picture")
    archive = tmp_path / "portal.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output and "Counting and checksumming" in result.output
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert {"manifest.json", "files/supply_chain/0123456789abcdef0123456789abcdef",
            "files/campus_images/kitchen-picture"} <= set(names)
    with app.app_context():
        original = backup.fingerprints(_db.engine)

    with _fresh_database(app, tmp_path) as target:
        result = _restore(target, tmp_path / "restored-instance", archive)
        assert result.exit_code == 0, result.output
        assert "every table matches" in result.output and "every file its checksum" in result.output
        engine = create_engine(target)
        restored = backup.fingerprints(engine)
        engine.dispose()
        assert restored == original
        assert restored["referrals"].rows == 1 and restored["users"].rows >= 3
        restored_files = LocalStorage(tmp_path / "restored-instance" / "uploads")
        assert restored_files.get("supply_chain/0123456789abcdef0123456789abcdef") == b"%PDF-1.4 evidence"
        assert restored_files.get("campus_images/kitchen-picture") == b"\x89PNG picture"

        # Restoring again over the now non-empty database is refused, and changes nothing
        again = _restore(target, tmp_path / "restored-instance", archive)
        assert again.exit_code == 1 and "not empty" in again.output


def test_a_restore_that_does_not_match_the_manifest_says_which_tables_and_files(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "live-uploads"))
    with app.test_request_context():
        factories.user()
        storage().put(rendering.image_key("kitchen-picture"), b"\x89PNG picture")
    archive = tmp_path / "portal.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    # Tamper with the manifest: claim one more user than was saved
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["users"]["rows"] += 1
                data = json.dumps(manifest).encode()
            elif member.name == "files/campus_images/kitchen-picture":
                data = b"\x89PNG another picture"  # the file in the archive is not the one backed up
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with _fresh_database(app, tmp_path) as target:
        result = _restore(target, tmp_path / "i2", tampered)
    assert result.exit_code == 1
    assert "does not match the backup in: users, file campus_images/kitchen-picture" in result.output


@pytest.mark.parametrize("value, expected", [({"b": 1, "a": [1]}, '{"a": [1], "b": 1}'), (3, 3)])
def test_checksums_do_not_depend_on_json_key_order(value, expected):
    assert backup._canonical(value) == expected
