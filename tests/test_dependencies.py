"""Declared dependencies match use: every package the portal imports (portal/, search/, migrations/, app.py) is
declared in pyproject.toml's runtime dependencies (not only brought in by another package, whose next release may
drop it), every runtime dependency is imported or has a stated reason not to be, and what only the tests import
stays in the dev extras."""
from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_CODE = [ROOT / "portal", ROOT / "search", ROOT / "migrations", ROOT / "app.py"]
LOCAL = {"portal", "search", "tests", "bench"}

# Runtime dependencies that no module imports by name, and why they are needed all the same
USED_WITHOUT_IMPORT = {
    "gunicorn": "the production web server (deploy/, Dockerfile) runs app:app with it",
    "redis": "Flask-Limiter's storage for REDIS_URL (limits imports it for redis:// addresses)",
    "email-validator": "WTForms' Email validator imports it when a form is validated",
    "govuk-frontend-jinja": "its macros are loaded by PackageLoader('govuk_frontend_jinja') (portal/__init__.py)",
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0]).lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _imports(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level modules imported (anywhere in a file, functions included) -> the files importing them."""
    found: dict[str, set[str]] = {}
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*.py")))]
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in LOCAL:
                    found.setdefault(top, set()).add(str(file.relative_to(ROOT)))
    return found


@functools.cache
def _installed() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distributions(module: str) -> set[str]:
    return {_name(dist) for dist in _installed().get(module, [])}


def test_every_package_the_portal_imports_is_a_declared_runtime_dependency():
    declared = {_name(requirement) for requirement in _project()["dependencies"]}
    imports = _imports(RUNTIME_CODE)
    assert "requests" in imports  # the scan sees search/meili_server.py's import (the check would be empty otherwise)
    undeclared = {module: sorted(files) for module, files in imports.items() if not _distributions(module) & declared}
    assert undeclared == {}, f"imported but not declared in [project] dependencies: {undeclared}"


def test_every_runtime_dependency_is_used():
    imported = {dist for module in _imports(RUNTIME_CODE) for dist in _distributions(module)}
    unused = {_name(requirement) for requirement in _project()["dependencies"]} - imported - set(USED_WITHOUT_IMPORT)
    assert unused == set(), f"declared but never imported (a dev extra, or a reason in USED_WITHOUT_IMPORT): {unused}"


def test_packages_only_the_tests_import_are_dev_extras():
    runtime = {_name(requirement) for requirement in _project()["dependencies"]}
    dev = {_name(requirement) for requirement in _project()["optional-dependencies"]["dev"]}
    assert "jsonschema" in dev and "jsonschema" not in runtime
    portal_uses = {dist for module in _imports(RUNTIME_CODE) for dist in _distributions(module)}
    assert not (dev - runtime) & portal_uses, "the portal imports a package declared only for development"


def test_every_declared_dependency_is_pinned_in_the_lock():
    project = _project()
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    lock = {_name(line): line.split("==", 1)[1].strip() for line in lines if "==" in line and not line.startswith("#")}
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, version = _name(requirement), requirement.split("==", 1)[1]
        assert lock.get(name) == version, f"{requirement}: the lock has {lock.get(name)}"


def _audit(monkeypatch, capsys, report: dict | None, required: bool = False) -> tuple[int, str]:
    """tools/audit_dependencies.py with pip-audit's JSON report replaced by `report` (None: pip-audit failed)."""
    import subprocess

    from tools import audit_dependencies

    def fake_run(command, **kwargs):
        if report is not None:
            Path(command[command.index("--output") + 1]).write_text(json.dumps(report))
        return subprocess.CompletedProcess(command, 1, "", "ConnectionError: the index did not answer")

    monkeypatch.setattr(audit_dependencies.subprocess, "run", fake_run)
    monkeypatch.setenv("AUDIT_REQUIRED", "1" if required else "0")
    code = audit_dependencies.main()
    return code, capsys.readouterr().out


def test_the_dependency_audit_fails_on_a_known_vulnerability(monkeypatch, capsys):
    code, out = _audit(monkeypatch, capsys, {"dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "werkzeug", "version": "3.1.9", "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["3.2.0"]}]}]})
    assert code == 1
    assert "VULNERABLE werkzeug 3.1.9: PYSEC-0000-1 (fixed in 3.2.0)" in out


def test_the_dependency_audit_never_passes_silently_when_packages_could_not_be_audited(monkeypatch, capsys):
    skipped = {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI: flask (3.1.3)"},
                                {"name": "werkzeug", "version": "3.1.9", "vulns": []}]}
    code, out = _audit(monkeypatch, capsys, skipped)
    assert code == 0 and "NOT AUDITED: 1 of 2 packages" in out and "has NOT passed" in out
    assert _audit(monkeypatch, capsys, skipped, required=True)[0] == 2
    code, out = _audit(monkeypatch, capsys, None)  # pip-audit stopped before writing its report
    assert code == 0 and "NO dependency was audited: ConnectionError" in out
    assert _audit(monkeypatch, capsys, None, required=True)[0] == 2
