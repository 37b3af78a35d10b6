"""Directory benchmark: import, full reindex, in-process search latency and HTTP under concurrent load.

For each size, services come from ``demo_data.generate_services`` (the demo directory's generator, so the
documents, organisations and places are realistic) and go through the application's own code:

1. import: ``operations.import_services`` into a fresh SQLite database, and into a scratch PostgreSQL
   database ``bench`` (dropped and created again) when a server answers on 127.0.0.1:5432;
2. reindex: ``operations.rebuild_search_index`` (what ``flask search reindex`` runs) into the embedded
   backend, and into Meilisearch when ``search.meili_server`` can start one;
3. search in process: bench/search_bench.py's fixed query mix (text, text with filters and facets, facets
   only, distance) against each backend, timed one query at a time;
4. HTTP: gunicorn on 127.0.0.1 against the imported SQLite database and each backend, driven by a thread
   pool in this process with a fixed number of requests (and a time limit) to ``/services?q=`` and
   ``/api/oruk/services?search=``; requests a second, and latency percentiles.

Progress goes to stderr; the table to stdout; the figures to bench/results/directory-<date>.json.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
import search_bench  # noqa: E402  (the search library's benchmark: its query mix, percentiles and progress bar)

from search import SearchQuery  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "bench"
SEED = 1
TARGETS = {"import_per_s": 1_000, "embedded_p95_ms": 80.0, "meili_p95_ms": 25.0}
HTTP_ENDPOINTS = {"/services": "q", "/api/oruk/services": "search"}


@dataclass
class Options:
    sizes: list[int]
    quick: bool = False
    postgres: bool = True
    meili: bool = True
    http: bool = True
    workers: int = 3
    concurrency: int = 8
    requests: int = 400  # per endpoint and backend
    http_seconds: float = 120.0  # at most, per endpoint and backend
    queries_per_kind: int = search_bench.QUERIES_PER_KIND


@dataclass
class SizeResult:
    size: int
    generate_s: float = 0.0
    imports: list[dict] = field(default_factory=list)
    search: list[dict] = field(default_factory=list)
    http: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def note(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


# --- The application on a scratch database ---------------------------------------------------------

def make_app(database_url: str, instance: Path, search: dict[str, str]):
    from portal import create_app

    app = create_app({
        "TESTING": False, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_SERVER": "", "MAIL_DIRECTORY": str(instance / "mail"),
        "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://", "SEARCH_SQLITE_PATH": str(instance / "search.sqlite3"),
        "MEILI_URL": "", "MEILI_KEY": "", **search,
        # One process holds the benchmark's session and its in-process requests: transactions begin deferred
        # (as in the tests); the served runs (gunicorn) use the portal's default.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "execution_options": {"sqlite_begin": "DEFERRED"}},
    })
    logging.disable(logging.INFO)  # create_app turns INFO on; migrations would fill the screen
    return app


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 1).close()
    except OSError:
        return False
    return True


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database ``bench`` (not the test suite's ``test``): dropped and created, dropped after."""
    import psycopg

    admin = f"{PG_SERVER.replace('+psycopg', '')}/postgres"

    def run(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    run(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    run(f"CREATE DATABASE {PG_DATABASE}")
    try:
        yield f"{PG_SERVER}/{PG_DATABASE}"
    finally:
        with contextlib.suppress(Exception):
            run(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def measure_import(app, records: list[dict], label: str) -> dict:
    from portal.directory import operations
    from portal.extensions import db

    progress = search_bench.Progress(f"{label} import", len(records))
    with app.app_context():
        started = time.perf_counter()
        result = operations.import_services(records, progress=progress)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    assert result.created == len(records), result
    return {"database": label, "services": len(records), "seconds": round(seconds, 1),
            "per_s": round(len(records) / seconds)}


# --- Search: reindex and in-process latency ---------------------------------------------------------

def measure_search(app, backend_name: str, size: int, queries_per_kind: int) -> dict:
    from portal import search_index
    from portal.directory import operations
    from portal.extensions import db

    with app.app_context():
        backend = search_index.backend()
        backend.ensure_index("services")
        started = time.perf_counter()
        operations.rebuild_search_index(progress=search_bench.Progress(f"{backend_name} reindex", size))
        reindex_s = time.perf_counter() - started
        indexed = backend.count("services")
        db.session.remove()
    search_bench.QUERIES_PER_KIND = queries_per_kind
    mix = search_bench.query_mix()
    started = time.perf_counter()
    backend.search("services", SearchQuery(text="housing", facets=["pathway"]))
    first_ms = (time.perf_counter() - started) * 1000
    for _, query in mix[:search_bench.WARM_UP_QUERIES]:
        backend.search("services", query)
    samples: dict[str, list[float]] = {}
    progress = search_bench.Progress(f"{backend_name} queries", len(mix))
    for n, (kind, query) in enumerate(mix, 1):
        started = time.perf_counter()
        backend.search("services", query)
        samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        progress(n)
    return {
        "backend": backend_name, "documents": indexed, "reindex_s": round(reindex_s, 1),
        "first_search_ms": round(first_ms, 1), "queries": len(mix),
        "latency": {"all": search_bench.latency([ms for kind in samples.values() for ms in kind])}
        | {kind: search_bench.latency(ms) for kind, ms in samples.items()},
    }


# --- HTTP ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """The application under gunicorn on a free loopback port; stopped (its own process group) afterwards."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers",
             str(workers), "--timeout", "120", "--log-level", "warning", "app:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {process.returncode}: {log.read_text()[-2000:]}")
                with contextlib.suppress(requests.RequestException):  # refused, or still booting
                    if requests.get(f"{base}/api/oruk/", timeout=10).ok:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s")
                time.sleep(0.2)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def http_paths(endpoint: str, parameter: str, count: int) -> list[str]:
    texts = search_bench.TEXT_QUERIES
    return [f"{endpoint}?{urlencode({parameter: texts[i % len(texts)]})}" for i in range(count)]


def drive(base: str, paths: list[str], concurrency: int, seconds: float, label: str) -> dict:
    """Send ``paths`` with ``concurrency`` threads (each its own keep-alive session), stopping at ``seconds``."""
    local = threading.local()
    deadline = time.monotonic() + seconds

    def fetch(path: str) -> tuple[int, float] | None:
        if time.monotonic() > deadline:
            return None
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        started = time.perf_counter()
        try:
            status = session.get(base + path, timeout=60).status_code
        except requests.RequestException:
            status = 0
        return status, (time.perf_counter() - started) * 1000

    progress = search_bench.Progress(label, len(paths))
    results: list[tuple[int, float]] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for n, future in enumerate(as_completed([pool.submit(fetch, p) for p in paths]), 1):
            if (outcome := future.result()) is not None:
                results.append(outcome)
            progress(n)
    wall = time.perf_counter() - started
    ok = [ms for status, ms in results if status == 200]
    return {
        "requests": len(results), "errors": len(results) - len(ok), "seconds": round(wall, 1),
        "req_per_s": round(len(ok) / wall, 1) if wall else 0.0,
        "latency": search_bench.latency(ok) if ok else None,
        "statuses": sorted({status for status, _ in results}),
    }


def measure_http(database_url: str, instance: Path, search_env: dict[str, str], backend_name: str,
                 options: Options) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "SEARCH_SQLITE_PATH": str(instance / "search.sqlite3"), "MEILI_URL": "", "MEILI_KEY": "",
           "REDIS_URL": "", "MAIL_SERVER": "", "MAIL_DIRECTORY": str(instance / "mail"), **search_env}
    result: dict[str, Any] = {"backend": backend_name, "workers": options.workers,
                              "concurrency": options.concurrency, "endpoints": {}}
    with gunicorn(env, options.workers, instance / f"gunicorn-{backend_name}.log") as base:
        for endpoint, parameter in HTTP_ENDPOINTS.items():
            # Warm up every worker (the embedded backend builds its in-memory state on a worker's first search).
            drive(base, http_paths(endpoint, parameter, options.workers * 4), options.workers, 300,
                  f"{backend_name} {endpoint} warm-up")
            result["endpoints"][endpoint] = drive(
                base, http_paths(endpoint, parameter, options.requests), options.concurrency,
                options.http_seconds, f"{backend_name} {endpoint}")
    return result


# --- One size -------------------------------------------------------------------------------------------

def run_size(size: int, options: Options, stack: ExitStack, meili_server) -> SizeResult:
    from portal.directory import demo_data

    result = SizeResult(size)
    note(f"\n== {size:,} services ==")
    started = time.perf_counter()
    progress = search_bench.Progress("generate", size)
    records = []
    for record in demo_data.generate_services(size, seed=SEED):
        records.append(record)
        if len(records) % 1000 == 0 or len(records) == size:
            progress(len(records))
    result.generate_s = round(time.perf_counter() - started, 1)

    instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"directory-bench-{size}-")))
    sqlite_url = f"sqlite:///{instance / 'portal.sqlite3'}"
    app = make_app(sqlite_url, instance, {})
    migrate(app)
    result.imports.append(measure_import(app, records, "sqlite"))
    if options.postgres:
        if postgres_reachable():
            try:
                with postgres_database() as pg_url:
                    pg_app = make_app(pg_url, instance, {})
                    migrate(pg_app)
                    result.imports.append(measure_import(pg_app, records, "postgresql"))
            except Exception as exc:  # a benchmark reports what it could not measure and carries on
                result.notes.append(f"PostgreSQL import not measured: {type(exc).__name__}: {exc}")
        else:
            result.notes.append("PostgreSQL: no server on 127.0.0.1:5432")
    del records
    gc.collect()

    backends: list[tuple[str, dict[str, str]]] = [("embedded", {})]
    if meili_server is not None:
        backends.append(("meili", {"MEILI_URL": meili_server.url, "MEILI_KEY": meili_server.master_key}))
    for name, search_env in backends:
        backend_app = make_app(sqlite_url, instance, search_env)
        try:
            result.search.append(measure_search(backend_app, name, size, options.queries_per_kind))
        except Exception as exc:
            result.notes.append(f"{name} search not measured: {type(exc).__name__}: {exc}")
            continue
        if options.http:
            try:
                result.http.append(measure_http(sqlite_url, instance, search_env, name, options))
            except Exception as exc:
                result.notes.append(f"{name} HTTP not measured: {type(exc).__name__}: {exc}")
    return result


def start_meili(stack: ExitStack):
    from search.meili_server import BinaryUnavailable, running

    try:
        return stack.enter_context(running())
    except BinaryUnavailable as exc:
        note(f"Meilisearch not measured: {exc}")
        return None


# --- Reporting -------------------------------------------------------------------------------------------

def table(results: list[SizeResult]) -> str:
    lines = ["Import (operations.import_services, validation included)",
             f"  {'services':>9} {'database':<11} {'seconds':>8} {'services/s':>11}"]
    for r in results:
        lines += [f"  {i['services']:>9,} {i['database']:<11} {i['seconds']:>8} {i['per_s']:>11,}" for i in r.imports]
    lines += ["", "Search in process (search_bench query mix; milliseconds)",
              f"  {'services':>9} {'backend':<9} {'reindex':>8} {'kind':<12} {'median':>7} {'p95':>7} {'p99':>7} "
              f"{'max':>7}"]
    for r in results:
        for s in r.search:
            for kind, figures in s["latency"].items():
                lines.append(f"  {r.size:>9,} {s['backend']:<9} {s['reindex_s']:>7}s {kind:<12} "
                             + " ".join(f"{figures[k]:>7.1f}" for k in ("median_ms", "p95_ms", "p99_ms", "max_ms")))
    lines += ["", "HTTP under load (gunicorn on 127.0.0.1; milliseconds)",
              f"  {'services':>9} {'backend':<9} {'endpoint':<20} {'requests':>8} {'errors':>6} {'req/s':>7} "
              f"{'median':>7} {'p95':>7} {'p99':>7}"]
    for r in results:
        for h in r.http:
            for endpoint, figures in h["endpoints"].items():
                latency = figures["latency"] or {}
                lines.append(f"  {r.size:>9,} {h['backend']:<9} {endpoint:<20} {figures['requests']:>8} "
                             f"{figures['errors']:>6} {figures['req_per_s']:>7} "
                             + " ".join(f"{latency.get(k, float('nan')):>7.1f}"
                                        for k in ("median_ms", "p95_ms", "p99_ms")))
    for r in results:
        lines += [f"  note ({r.size:,}): {n}" for n in r.notes]
    return "\n".join(lines)


def verdicts(results: list[SizeResult]) -> list[str]:
    """The targets, met or missed, at the largest size measured."""
    largest = max(results, key=lambda r: r.size)
    found = []
    for i in largest.imports:
        met = i["per_s"] >= TARGETS["import_per_s"]
        found.append(f"import {i['database']} at {largest.size:,}: {i['per_s']:,}/s "
                     f"(target >= {TARGETS['import_per_s']:,}/s): {'met' if met else 'MISSED'}")
    for s in largest.search:
        target = TARGETS[f"{s['backend']}_p95_ms"]
        p95 = s["latency"]["all"]["p95_ms"]
        found.append(f"{s['backend']} p95 in process at {largest.size:,}: {p95} ms (target <= {target:g} ms): "
                     f"{'met' if p95 <= target else 'MISSED'}")
    return found


def write(results: list[SizeResult], options: Options, started: float) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"directory-{dt.date.today().isoformat()}{'-quick' if options.quick else ''}.json"
    out.write_text(json.dumps({
        "ran_at": dt.datetime.now().isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version()},
        "options": {k: v for k, v in vars(options).items()},
        "targets": TARGETS,
        "verdicts": verdicts(results),
        "results": [vars(r) for r in results],
    }, indent=2))
    return out


def _stop(signum: int, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds the with-blocks: gunicorn, Meilisearch and scratch databases go


def main(options: Options) -> list[SizeResult]:
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    note(f"Directory benchmark: sizes {options.sizes}, {os.cpu_count()} CPUs, load average "
         f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = []
    with ExitStack() as stack:
        meili_server = start_meili(stack) if options.meili else None
        for size in options.sizes:
            with ExitStack() as per_size:
                results.append(run_size(size, options, per_size, meili_server))
    print(table(results))
    print()
    for verdict in verdicts(results):
        print(verdict)
    out = write(results, options, started)
    print(f"\nwrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return results
