"""The built wheel is the portal: installed on its own (no checkout beside it), it migrates a database and serves
pages with their templates and static assets, because templates, static files, migrations and data files are in it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_holds_everything_the_portal_needs_and_runs_from_it(tmp_path):
    # From a clean copy of the source, as the Dockerfile builds it (a build/ folder left in a checkout keeps
    # modules that have since been removed)
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "instance", "*.egg-info", "__pycache__", ".test-results", ".pytest_cache"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("resettlement_portal-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("portal/_files/templates/base.html", "portal/_files/static/app.css",
                   "portal/_files/migrations/env.py", "portal/_files/migrations/alembic.ini",
                   "portal/_files/migrations/versions/0001_foundation.py", "portal/accounts/common-passwords.txt.gz",
                   "portal/directory/data/uk-outcodes.csv", "search/settings/services.json"):
        assert needed in names, f"{needed} is not in the wheel"
    assert not any(name.startswith(("tests/", "bench/", "instance/")) for name in names)

    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                                "--disable-pip-version-check", "--target", str(site), str(wheel)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-2000:]
    run_dir = tmp_path / "run"  # no checkout here: only the installed package
    run_dir.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "INSTANCE_", "STORAGE_"))},
           "PYTHONPATH": str(site), "SECRET_KEY": "wheel-test", "DATABASE_URL": f"sqlite:///{run_dir / 'p.sqlite3'}"}
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "portal:create_app", "db", "upgrade"],
                             cwd=run_dir, env=env, capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    check = subprocess.run([sys.executable, "-c", """
import portal
from portal import create_app
assert "/site/" in portal.__file__, portal.__file__
client = create_app().test_client()
home, css, ready = client.get("/"), client.get("/static/app.css"), client.get("/readyz")
assert home.status_code == 200 and b"Resettlement" in home.data, home.status_code
assert css.status_code == 200 and ready.status_code == 200, (css.status_code, ready.get_json())
print("served from", portal.__file__)
"""], cwd=run_dir, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]
    assert (run_dir / "instance").is_dir()  # the instance folder is where it runs, not inside the package
