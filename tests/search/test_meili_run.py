"""`SEARCH=meilisearch make run` (issue #17): the portal on a local Meilisearch, started and stopped with it and
indexed on start. The launcher runs here as `make run` runs it, with the demo seed and a search through the portal
in place of the server (which would serve until stopped)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]

CHECK = textwrap.dedent("""
    import os, requests
    from portal import create_app
    from portal.search_index import backend
    app = create_app()
    with app.app_context():
        print("portal documents", backend().count("services"))
    client = app.test_client()
    page = client.get("/services?q=hostel", base_url=os.environ["BASE_URL"])
    print("status", page.status_code, "hostel found", "Hostel" in page.get_data(as_text=True))
    print("meili url", os.environ["MEILI_URL"])
    key = {"Authorization": "Bearer " + os.environ["MEILI_KEY"]}
    hits = requests.post(os.environ["MEILI_URL"] + "/indexes/services/search", json={"q": "hostel"}, headers=key,
                         timeout=10).json()
    print("meili hits", hits.get("estimatedTotalHits", 0) > 0)
    stats = requests.get(os.environ["MEILI_URL"] + "/indexes/services/stats", headers=key, timeout=10).json()
    print("meili documents", stats["numberOfDocuments"])
""")


@pytest.mark.sqlite_pass  # a few minutes, on a database of its own: the PostgreSQL pass of make test leaves it out
@pytest.mark.timeout(1500)
def test_the_launcher_runs_the_portal_on_meilisearch_indexed_on_start_and_stops_it(meili_binary, tmp_path):
    (tmp_path / "check.py").write_text(CHECK)
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEILI_", "TEST_DATABASE"))}
    env.update({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
                "BASE_URL": "http://127.0.0.1:5000", "FLASK_APP": "app", "MAIL_SERVER": "",
                "MAIL_DIRECTORY": str(tmp_path / "mail"), "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": ""})
    script = f"{bin_dir}/flask db upgrade && {bin_dir}/flask seed --demo && {sys.executable} {tmp_path / 'check.py'}"
    result = subprocess.run([sys.executable, "-m", "search.meili_run", "--", "sh", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1200)
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert "Meilisearch answers on http://127.0.0.1:" in out
    assert "Indexing" in out and "services searchable" in out  # the seed filled the empty index
    counts = {line.split()[0]: int(line.split()[-1]) for line in out.splitlines() if line.endswith(
        tuple("0123456789")) and " documents " in line}
    assert counts["portal"] == counts["meili"] > 2000  # the portal counts what Meilisearch holds
    assert "status 200 hostel found True" in out and "meili hits True" in out
    assert out.rstrip().endswith("Meilisearch stopped.")
    url = next(line.split()[-1] for line in out.splitlines() if line.startswith("meili url"))
    with pytest.raises(requests.ConnectionError):  # stopped with the command
        requests.get(f"{url}/health", timeout=2)


def test_make_run_takes_the_launcher_only_when_asked(meili_binary):
    """`make -n run` prints the recipe and still runs its sub-make, so with SEARCH=meilisearch the launcher really
    starts Meilisearch around a dry run of the serving steps, then stops it."""
    def dry_run(search: str) -> str:
        result = subprocess.run(["make", "-n", "--no-print-directory", "-o", "venv", "run", f"SEARCH={search}"],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
        return result.stdout + result.stderr

    meili = dry_run("meilisearch")
    assert "-m search.meili_run -- make" in meili and "Meilisearch answers on http://127.0.0.1:" in meili
    assert meili.index("Meilisearch answers") < meili.index("flask seed --demo") < meili.index("Meilisearch stopped.")
    embedded = dry_run("embedded")
    assert "flask seed --demo" in embedded and "flask run --host 127.0.0.1" in embedded
    assert "meili" not in embedded.lower()
    assert "SEARCH must be embedded (the default) or meilisearch, not 'elastic'" in dry_run("elastic")
