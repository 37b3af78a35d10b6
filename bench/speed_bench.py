"""Speed benchmark (issue #15): pages and API calls as ratios of a minimal Flask page, reindex and referral
creation as ratios of the raw operations beneath them. Ratios, measured by alternating both sides in one run,
stay meaningful on a shared, busy machine where absolute figures do not.

1. pages: one gunicorn (``--workers`` sync workers) serves the portal and, beside it at ``/_minimal/``, a
   minimal Flask app rendering a small template (bench/speed_wsgi.py). For each endpoint, bursts of
   ``--burst-seconds`` against the minimal page and against the endpoint alternate ``--rounds`` times with the
   same client threads; the ratio is the median over rounds of (endpoint requests a second) / (minimal
   requests a second). Endpoints: ``/services?q=``, the Open Referral feed (``/api/oruk/services?search=``), a
   service's page, the signed-in referral list (``/referrals``) and ``GET /api/v1/referrals`` (8 referrals).
   Search goes to Meilisearch when its binary is available, else to the embedded engine.
2. reindex: ``operations.rebuild_search_index`` into Meilisearch against raw ``add_documents`` of the same
   documents in the same batch size (``search.meili.REBUILD_BATCH_SIZE``), alternated.
3. referral create and send through the API (in process, the Flask test client) against the same operations
   called directly, alternated; with the statements and commits each costs.

Progress goes to stderr; the table to stdout; the figures to bench/results/speed-<date>.json.

    .venv/bin/python bench/run.py --only speed --speed-services 10000
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import requests  # noqa: E402
import search_bench  # noqa: E402
from directory_bench import RESULTS, free_port, make_app, measure_import, migrate, note  # noqa: E402

SEED = 1
REFERRALS_LISTED = 8
TARGETS = {  # the least ratio of the minimal page's throughput each endpoint must reach
    "/services?q=": 0.15, "/api/oruk/services?search=": 0.2, "/services/<id>": 0.2, "/referrals": 0.15,
    "/api/v1/referrals": 0.15,
}
REINDEX_TARGET = 0.8  # at least, of raw add_documents
REFERRAL_API_TARGET = 1.5  # at most, times the operations
PARTS = frozenset({"pages", "reindex", "referral-api"})


@dataclass
class Options:
    services: int = 10_000
    workers: int = 2
    concurrency: int = 4
    rounds: int = 5
    burst_seconds: float = 3.0
    meili: bool = True
    referrals_created: int = 30  # per side, create + send
    quick: bool = False
    parts: frozenset[str] = PARTS  # which of the three to measure


@dataclass
class Result:
    services: int
    backend: str = "embedded"
    load_average: dict[str, list[float]] = field(default_factory=dict)
    pages: list[dict] = field(default_factory=list)
    reindex: dict = field(default_factory=dict)
    referral_api: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- Set-up -------------------------------------------------------------------------------------------

def seed_people(app) -> dict[str, Any]:
    """An offender manager with an API token, a session cookie and REFERRALS_LISTED sent referrals."""
    from portal.accounts import credentials
    from portal.extensions import db
    from tests import factories

    hashed = credentials.hash_password(factories.PASSWORD)  # hash once: the benchmark is not about sign-in

    class Cached:
        def __getattr__(self, name: str):
            return getattr(credentials, name)

        @staticmethod
        def hash_password(password: str) -> str:
            return hashed

    factories.credentials = Cached()
    with app.test_request_context():
        service = factories.referrable_service()
        referrer = factories.user(role="offender_manager", name="Bench Offender Manager")
        for _ in range(REFERRALS_LISTED):
            factories.referral(service=service, referrer=referrer, state="sent")
        token = factories.api_token(referrer)
        client = app.test_client()
        factories.sign_in(client, referrer)
        cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
        people = {"service": service.uuid, "referrer_id": referrer.id, "token": token,
                  "cookie": f"{cookie.key}={cookie.value}"}
        db.session.remove()
    return people


def service_ids(app, how_many: int) -> list[str]:
    from sqlalchemy import select

    from portal.directory.models import ListingState, Service
    from portal.extensions import db

    with app.app_context():
        ids = list(db.session.scalars(select(Service.uuid).where(Service.state == ListingState.PUBLISHED)
                                      .order_by(Service.id).limit(how_many)))
        db.session.remove()
    return ids


# --- Pages: alternating bursts against the minimal page ------------------------------------------------

@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """bench/speed_wsgi.py (the portal, and the minimal page at /_minimal/) on a free loopback port."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}", "--workers",
             str(workers), "--timeout", "120", "--log-level", "warning", "--chdir", str(ROOT),
             "--pythonpath", str(ROOT / "bench"), "speed_wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {process.returncode}: {log.read_text()[-2000:]}")
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"{base}/_minimal/", timeout=10).ok:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 90 s")
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


def burst(base: str, paths: list[str], headers: dict[str, str], concurrency: int, seconds: float) -> dict:
    """Requests from ``concurrency`` keep-alive threads, cycling through ``paths``, for ``seconds``."""
    deadline = time.monotonic() + seconds
    turn = count()
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]

    def worker() -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            while time.monotonic() < deadline:
                with lock:
                    path = paths[next(turn) % len(paths)]
                started = time.perf_counter()
                try:
                    ok = session.get(base + path, timeout=60, allow_redirects=False).status_code == 200
                except requests.RequestException:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"ok": len(latencies), "failed": failures[0], "per_s": len(latencies) / wall, "latencies": latencies}


def endpoints(ids: list[str], people: dict) -> list[tuple[str, list[str], dict[str, str]]]:
    texts = search_bench.TEXT_QUERIES
    return [
        ("/services?q=", [f"/services?{urlencode({'q': t})}" for t in texts], {}),
        ("/api/oruk/services?search=", [f"/api/oruk/services?{urlencode({'search': t})}" for t in texts], {}),
        ("/services/<id>", [f"/services/{uid}" for uid in ids], {}),
        ("/referrals", ["/referrals"], {"Cookie": people["cookie"]}),
        ("/api/v1/referrals", ["/api/v1/referrals"], {"Authorization": f"Bearer {people['token']}"}),
    ]


def measure_pages(base: str, ids: list[str], people: dict, options: Options, result: Result) -> None:
    minimal = ["/_minimal/"]
    plan = endpoints(ids, people)
    progress = search_bench.Progress("pages (alternating bursts)", len(plan) * options.rounds)
    done = 0
    for name, paths, headers in plan:
        burst(base, paths, headers, options.workers, 1.0)  # warm every worker (the embedded engine's state...)
        rounds = []
        for _ in range(options.rounds):
            reference = burst(base, minimal, {}, options.concurrency, options.burst_seconds)
            measured = burst(base, paths, headers, options.concurrency, options.burst_seconds)
            rounds.append((reference, measured))
            done += 1
            progress(done)
        ratios = [m["per_s"] / r["per_s"] for r, m in rounds if r["per_s"]]
        latencies = [ms for _, m in rounds for ms in m["latencies"]]
        result.pages.append({
            "endpoint": name, "target": TARGETS[name],
            "ratio": round(statistics.median(ratios), 3) if ratios else 0.0,
            "ratios": [round(x, 3) for x in ratios],
            "per_s": round(statistics.median(m["per_s"] for _, m in rounds), 1),
            "minimal_per_s": round(statistics.median(r["per_s"] for r, _ in rounds), 1),
            "failed": sum(m["failed"] for _, m in rounds),
            "latency": search_bench.latency(latencies) if latencies else None,
        })


# --- Reindex against raw add_documents ---------------------------------------------------------------------

def measure_reindex(app, meili_server, options: Options, result: Result) -> None:
    import meilisearch

    from portal import search_index
    from portal.directory import operations
    from portal.directory.indexing import build
    from portal.extensions import db
    from search.index_settings import load_settings
    from search.meili import REBUILD_BATCH_SIZE, _indexed, meili_settings

    settings = load_settings("services")
    ids = service_ids(app, options.services)
    with app.app_context():
        documents = [doc for doc in build(ids).values() if doc is not None]
        db.session.remove()
    client = meilisearch.Client(meili_server.url, meili_server.master_key, timeout=600)

    def raw() -> float:
        uid = "raw_reindex"
        with contextlib.suppress(meilisearch.errors.MeilisearchApiError):
            client.wait_for_task(client.delete_index(uid).task_uid, timeout_in_ms=600_000)
        client.wait_for_task(client.create_index(uid, {"primaryKey": "id"}).task_uid, timeout_in_ms=600_000)
        client.wait_for_task(client.index(uid).update_settings(meili_settings(settings)).task_uid,
                             timeout_in_ms=600_000)
        prepared = [_indexed(settings, doc) for doc in documents]  # as the portal sends them (with _geo)
        started = time.perf_counter()
        tasks = [client.index(uid).add_documents(prepared[i:i + REBUILD_BATCH_SIZE], "id").task_uid
                 for i in range(0, len(prepared), REBUILD_BATCH_SIZE)]
        for task in tasks:
            client.wait_for_task(task, timeout_in_ms=600_000, interval_in_ms=10)
        seconds = time.perf_counter() - started
        client.wait_for_task(client.delete_index(uid).task_uid, timeout_in_ms=600_000)
        return seconds

    def portal() -> float:
        with app.app_context():
            search_index.backend().ensure_index("services")
            started = time.perf_counter()
            operations.rebuild_search_index()
            seconds = time.perf_counter() - started
            db.session.remove()
        return seconds

    rounds = 1 if options.quick else 2
    progress = search_bench.Progress("reindex (raw, portal, alternating)", rounds * 2)
    pairs = []
    for n in range(rounds):
        raw_s = raw()
        progress(2 * n + 1)
        portal_s = portal()
        progress(2 * n + 2)
        pairs.append((raw_s, portal_s))
    ratio = statistics.median(raw_s / portal_s for raw_s, portal_s in pairs)
    result.reindex = {"documents": len(documents), "batch_size": REBUILD_BATCH_SIZE,
                      "raw_s": [round(r, 2) for r, _ in pairs], "portal_s": [round(p, 2) for _, p in pairs],
                      "ratio": round(ratio, 3), "target": REINDEX_TARGET}


# --- Referral create and send: API against the operations ---------------------------------------------------

@contextmanager
def counting(engine) -> Iterator[dict[str, int]]:
    from sqlalchemy import event

    counts = {"statements": 0, "commits": 0}

    def statement(*_args) -> None:
        counts["statements"] += 1

    def commit(*_args) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def measure_referral_api(app, people: dict, options: Options, result: Result) -> None:
    from datetime import date, timedelta

    from portal.accounts.models import User
    from portal.audit import AuditEvent
    from portal.extensions import db
    from portal.referrals import operations
    from tests import factories

    answers = {**factories.COMPLETE_ANSWERS, "date_of_birth": date(1990, 5, 17),
               "consent_date": date.today() - timedelta(days=1)}
    api_answers = {**answers, "date_of_birth": "1990-05-17", "consent_date": answers["consent_date"].isoformat()}
    headers = {"Authorization": f"Bearer {people['token']}"}
    client = app.test_client()

    def direct() -> None:
        with app.test_request_context():
            user = db.session.get(User, people["referrer_id"])
            referral = operations.start_draft(user, operations.service_for_referral(people["service"]))
            operations.save_draft(user, referral, answers)
            db.session.commit()
            operations.apply(user, referral, "send")
            db.session.commit()
            db.session.remove()

    def through_api() -> None:
        def run() -> None:
            created = client.post("/api/v1/referrals", headers=headers,
                                  json={"service_id": people["service"], "answers": api_answers})
            assert created.status_code == 201, created.get_data(as_text=True)
            sent = client.post(f"/api/v1/referrals/{created.get_json()['id']}/send", headers=headers)
            assert sent.status_code == 200, sent.get_data(as_text=True)
        contextvars.Context().run(run)  # a fresh context per request pair, as in a server

    def audit_rows() -> int:
        from sqlalchemy import func, select

        with app.app_context():
            rows = db.session.scalar(select(func.count()).select_from(AuditEvent))
            db.session.remove()
        return rows

    direct(), through_api()  # warm up both paths
    sides: dict[str, dict[str, Any]] = {"operations": {"seconds": 0.0}, "api": {"seconds": 0.0}}
    with app.app_context():
        engine = db.engine
    for side, fn in (("operations", direct), ("api", through_api)):  # statements and audit rows for one
        before = audit_rows()
        with counting(engine) as counts:
            fn()
        sides[side] |= counts | {"audit_rows": audit_rows() - before}
    progress = search_bench.Progress("referral create + send (alternating)", options.referrals_created * 2)
    for n in range(options.referrals_created):
        for side, fn in (("operations", direct), ("api", through_api)):
            started = time.perf_counter()
            fn()
            sides[side]["seconds"] += time.perf_counter() - started
        progress(2 * (n + 1))
    for side in sides.values():
        side["ms_each"] = round(side.pop("seconds") * 1000 / options.referrals_created, 1)
    result.referral_api = {**sides, "ratio": round(sides["api"]["ms_each"] / sides["operations"]["ms_each"], 2),
                           "target": REFERRAL_API_TARGET, "referrals": options.referrals_created}


# --- Running and reporting ------------------------------------------------------------------------------------

def table(result: Result) -> str:
    lines = [f"Speed ({result.services:,} services, search on {result.backend}; load average "
             + ", ".join(f"{k}: {'/'.join(str(x) for x in v)}" for k, v in result.load_average.items()) + ")",
             f"  {'endpoint':<28} {'req/s':>7} {'minimal':>8} {'ratio':>6} {'target':>7} {'p95 ms':>7} {'failed':>6}"]
    for p in result.pages:
        p95 = (p["latency"] or {}).get("p95_ms", float("nan"))
        met = "met" if p["ratio"] >= p["target"] else "MISSED"
        lines.append(f"  {p['endpoint']:<28} {p['per_s']:>7} {p['minimal_per_s']:>8} {p['ratio']:>6.3f} "
                     f">={p['target']:<5} {p95:>7.1f} {p['failed']:>6}  {met}")
    if r := result.reindex:
        met = "met" if r["ratio"] >= r["target"] else "MISSED"
        lines.append(f"  reindex into Meilisearch, {r['documents']:,} documents in batches of {r['batch_size']:,}: "
                     f"raw {r['raw_s']} s, portal {r['portal_s']} s: ratio {r['ratio']:.2f} "
                     f"(target >= {r['target']}) {met}")
    if a := result.referral_api:
        met = "met" if a["ratio"] <= a["target"] else "MISSED"
        lines.append(f"  referral create + send: operations {a['operations']['ms_each']} ms "
                     f"({a['operations']['statements']} statements, {a['operations']['commits']} commits, "
                     f"{a['operations']['audit_rows']} audit rows), API {a['api']['ms_each']} ms "
                     f"({a['api']['statements']} statements, {a['api']['commits']} commits, "
                     f"{a['api']['audit_rows']} audit rows): ratio {a['ratio']:.2f} (target <= {a['target']}) {met}")
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def run(options: Options, stack: ExitStack) -> Result:
    from portal.directory import demo_data

    result = Result(options.services)
    result.load_average["start"] = load()
    instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="speed-bench-")))
    sqlite_url = f"sqlite:///{instance / 'portal.sqlite3'}"
    progress = search_bench.Progress("generate", options.services)
    records = []
    for record in demo_data.generate_services(options.services, seed=SEED):
        records.append(record)
        if len(records) % 1000 == 0 or len(records) == options.services:
            progress(len(records))
    app = make_app(sqlite_url, instance, {})
    migrate(app)
    measure_import(app, records, "sqlite")
    del records

    search_env: dict[str, str] = {}
    meili_server = None
    if options.meili:
        from search.meili_server import BinaryUnavailable, running

        try:
            meili_server = stack.enter_context(running())
            search_env = {"MEILI_URL": meili_server.url, "MEILI_KEY": meili_server.master_key}
            result.backend = "Meilisearch"
        except BinaryUnavailable as exc:
            result.notes.append(f"Meilisearch not available ({exc}): search on the embedded engine; no reindex ratio")
    app = make_app(sqlite_url, instance, search_env)
    from portal.directory import operations
    from portal.extensions import db

    with app.app_context():
        operations.rebuild_search_index(progress=search_bench.Progress("index", options.services))
        db.session.remove()
    people = seed_people(app)
    ids = service_ids(app, 200)

    env = {**os.environ, "DATABASE_URL": sqlite_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "SEARCH_SQLITE_PATH": str(instance / "search.sqlite3"), "MEILI_URL": "", "MEILI_KEY": "",
           "REDIS_URL": "", "MAIL_SERVER": "", "MAIL_DIRECTORY": str(instance / "mail"),
           "RATELIMIT_ENABLED": "false", **search_env}
    if "pages" in options.parts:
        with gunicorn(env, options.workers, instance / "gunicorn.log") as base:
            measure_pages(base, ids, people, options, result)
        result.load_average["after pages"] = load()
    if meili_server is not None and "reindex" in options.parts:
        measure_reindex(app, meili_server, options, result)
        result.load_average["after reindex"] = load()
    if "referral-api" in options.parts:
        measure_referral_api(app, people, options, result)
    result.load_average["end"] = load()
    return result


def write(result: Result, options: Options, started: float) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"speed-{dt.date.today().isoformat()}{'-quick' if options.quick else ''}.json"
    out.write_text(json.dumps({
        "ran_at": dt.datetime.now().isoformat(timespec="seconds"), "duration_s": round(time.monotonic() - started),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "options": {k: sorted(v) if isinstance(v, frozenset) else v for k, v in vars(options).items()},
        "results": {k: v for k, v in vars(result).items()
                    if k != "pages"} | {"pages": [{k: v for k, v in p.items()} for p in result.pages]},
    }, indent=2))
    return out


def main(options: Options) -> Result:
    started = time.monotonic()
    note(f"\nSpeed benchmark: {options.services:,} services, {options.workers} gunicorn workers, "
         f"{options.concurrency} client threads, {options.rounds} rounds of {options.burst_seconds} s; "
         f"{os.cpu_count()} CPUs, load average {', '.join(str(x) for x in load())}")
    with ExitStack() as stack:
        result = run(options, stack)
    print(table(result))
    out = write(result, options, started)
    print(f"\nwrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return result
