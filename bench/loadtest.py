"""`make loadtest`: the portal under gunicorn, driven by Locust (bench/locustfile.py) from a second process on
loopback, on PostgreSQL and on the embedded SQLite default. Bounded in time.

    .venv/bin/python bench/loadtest.py                              # both databases, 40 users, 90 s each
    .venv/bin/python bench/loadtest.py --database postgresql --users 60 --seconds 120

For each database: a fresh database, migrations, the demo data, API tokens and kiosk sessions; gunicorn; Locust
headless; then the figures (requests a second, median and 95th percentile per kind of request, errors, 5xx) and a
consistency check of every referral written during the run (each has its person, its change log matches its
state, nothing is half-written). Results go to bench/results/loadtest-DATE.json.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.faults import servers  # noqa: E402 - the same gunicorn and port helpers as the fault tests

PG_ADMIN_URL = os.environ.get("LOADTEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def log(message: str) -> None:
    print(message, flush=True)


def fresh_database(kind: str, work: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{work / 'portal.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "rpp_loadtest" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "rpp_loadtest"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database="rpp_loadtest").render_as_string(hide_password=False)


def prepare(env: dict[str, str], learners: int) -> dict:
    """Migrate, load the demo data, and make what the simulated users need. Returns Locust's settings."""
    log("  migrating...")
    servers.flask(env, "db", "upgrade")
    log("  loading demo data (2,200 services and the demo accounts)...")
    subprocess.run([str(BIN / "flask"), "seed", "--demo"], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)
    log(f"  API tokens and {learners} kiosk sessions...")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from sqlalchemy import select

        from portal import create_app
        from portal.accounts import operations as accounts
        from portal.campus import operations as campus
        from portal.demo import DEMO_DOMAIN, DEMO_PASSWORD
        from portal.directory.models import ListingState, Service
        from portal.extensions import db
        from portal.referrals.models import Referral

        app = create_app()
        with app.test_request_context():
            om = accounts.find_user_by_email(f"offender.manager@{DEMO_DOMAIN}")
            manager = accounts.find_user_by_email(f"referrals.manager@{DEMO_DOMAIN}")
            staff = accounts.find_user_by_email(f"prison.staff@{DEMO_DOMAIN}")
            _, om_token = accounts.create_api_token(om, "load test")
            _, provider_token = accounts.create_api_token(manager, "load test")
            referral_service = db.session.scalar(select(Referral).limit(1)).service.uuid
            services = list(db.session.scalars(select(Service.uuid).where(
                Service.state == ListingState.PUBLISHED).limit(500)))
            codes = []
            for n in range(learners):
                learner = campus.create_learner(staff, campus.LearnerDetails(
                    name=f"Load Learner {n}", prison_number=f"L{n:04d}TX", release_date=None, release_area="NE1"))
                _, code = campus.open_session(staff, learner, 240)
                codes.append((learner.prison_number, code))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return {"services": services, "referral_service": referral_service, "om_token": om_token,
                "provider_token": provider_token, "password": DEMO_PASSWORD,
                "provider_email": f"referrals.manager@{DEMO_DOMAIN}", "employer_email": f"employer@{DEMO_DOMAIN}",
                "kiosk_codes": codes}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_locust(base: str, settings: dict, users: int, seconds: int, work: Path) -> None:
    env = {**os.environ, "LOADTEST_SETTINGS": json.dumps(settings)}
    log(f"  Locust: {users} users for {seconds} s against {base}...")
    subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",  # noqa: S603
                    "-u", str(users), "-r", str(max(1, users // 5)), "--run-time", f"{seconds}s", "--host", base,
                    "--csv", str(work / "locust"), "--only-summary", "--stop-timeout", "10",
                    "--loglevel", "WARNING"], env=env, check=False, timeout=seconds + 180)


def read_stats(work: Path) -> dict:
    rows = list(csv.DictReader(open(work / "locust_stats.csv")))
    kinds = {}
    for row in rows:
        name = row["Name"]
        if name == "Aggregated":
            continue
        kinds[name] = {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                       "median_ms": float(row["Median Response Time"]), "p95_ms": float(row["95%"]),
                       "rps": round(float(row["Requests/s"]), 2)}
    total = next(row for row in rows if row["Name"] == "Aggregated")
    failures = list(csv.DictReader(open(work / "locust_failures.csv")))
    server_errors = sum(int(f["Occurrences"]) for f in failures if "50" in f["Error"][:40])
    return {"kinds": kinds, "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "rps": round(float(total["Requests/s"]), 1), "median_ms": float(total["Median Response Time"]),
            "p95_ms": float(total["95%"]), "server_errors": server_errors,
            "failure_samples": [f"{f['Method']} {f['Name']}: {f['Error'][:160]} x{f['Occurrences']}"
                                for f in failures[:10]]}


def check_referrals(database_url: str) -> dict:
    """Every referral the load test wrote is whole: a person, needs, and a change log that leads to its state."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("""
            SELECT r.id, r.state, p.id AS person, (SELECT count(*) FROM referral_needs n WHERE n.referral_id = r.id)
                   AS needs,
                   (SELECT e.to_state FROM referral_events e WHERE e.referral_id = r.id ORDER BY e.id DESC LIMIT 1)
                   AS last_event
            FROM referrals r LEFT JOIN referral_people p ON p.referral_id = r.id
            WHERE p.crn LIKE 'L%' OR p.id IS NULL""")).all()
    engine.dispose()
    broken = [row.id for row in rows if row.person is None or row.needs != 1
              or (row.state != "draft" and row.last_event != row.state)]
    by_state: dict[str, int] = {}
    for row in rows:
        by_state[row.state] = by_state.get(row.state, 0) + 1
    return {"referrals_written": len(rows), "inconsistent": len(broken), "by_state": by_state}


def outbox_waiting(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        waiting = connection.execute(text("SELECT count(*) FROM outbox_messages WHERE processed_at IS NULL")).scalar()
    engine.dispose()
    return waiting


def run(kind: str, users: int, seconds: int, workers: int, learners: int) -> dict:
    log(f"\n=== Load test on {'PostgreSQL' if kind == 'postgresql' else 'SQLite (embedded default)'} ===")
    with tempfile.TemporaryDirectory(prefix="rpp-load-") as tmp:
        work = Path(tmp)
        database_url = fresh_database(kind, work)
        env = servers.portal_env(work / "instance", database_url, RATELIMIT_ENABLED="false",
                                 BASE_URL="http://127.0.0.1")
        settings = prepare(env, learners)
        # The outbox relay runs beside the web server, as in `make run`: emails and search updates while loaded
        relay = subprocess.Popen([str(BIN / "flask"), "outbox", "run"], env=env, cwd=ROOT,  # noqa: S603
                                 stdout=subprocess.DEVNULL, stderr=open(work / "relay.log", "wb"))  # noqa: SIM115
        try:
            with servers.gunicorn(env, workers=workers, log=work / "gunicorn.log") as base:
                started = time.monotonic()
                run_locust(base, settings, users, seconds, work)
                elapsed = time.monotonic() - started
        finally:
            relay.terminate()
            relay.wait(30)
        kept_log = Path(tempfile.gettempdir()) / f"rpp-loadtest-{kind}-gunicorn.log"
        kept_log.write_bytes((work / "gunicorn.log").read_bytes())
        stats = read_stats(work)
        stats["server_log"] = str(kept_log)
        stats["consistency"] = check_referrals(database_url)
        stats["outbox_waiting_after"] = outbox_waiting(database_url)
        stats.update(database=kind, users=users, seconds=seconds, gunicorn_workers=workers,
                     wall_seconds=round(elapsed, 1))
        report(stats)
        return stats


def run_topology(users: int, seconds: int, learners: int) -> list[dict]:
    """The production shape (tests/topology/shape.py: nginx with TLS, two gunicorn servers of 2 workers, relays,
    schedulers, PostgreSQL, Meilisearch, Redis, S3; the production profile): Locust through the proxy against one
    server, then against both, in the same run and on the same data."""
    from tests.topology import shape as topology

    log("\n=== Load test on the production shape (PostgreSQL, Meilisearch, Redis, S3) ===")
    os.environ["RATELIMIT_ENABLED"] = "false"  # one address sends everything: the sign-in limits would stop it
    results = []
    with tempfile.TemporaryDirectory(prefix="rpp-load-topology-") as tmp:
        work = Path(tmp)
        with topology.running(work / "shape", progress=lambda line: log(f"  {line}")) as shape:
            settings = prepare(shape.env, learners)
            # Both through nginx over TLS (the production profile's Secure cookies need HTTPS): one entry point
            # in front of the first server alone, the other in front of both
            for label, base in (("one server through nginx", shape.single_url),
                                ("two servers through nginx", shape.proxy_url)):
                run_dir = work / label.split()[0]
                run_dir.mkdir()
                log(f"--- {label} ---")
                started = time.monotonic()
                run_locust(base, settings, users, seconds, run_dir)
                stats = read_stats(run_dir)
                stats["server_log"] = str(work / "shape")
                stats["consistency"] = check_referrals(shape.database_url)
                stats["outbox_waiting_after"] = outbox_waiting(shape.database_url)
                stats.update(database=f"postgresql, {label}", users=users, seconds=seconds, gunicorn_workers=2,
                             wall_seconds=round(time.monotonic() - started, 1))
                report(stats)
                results.append(stats)
    return results


def report(stats: dict) -> None:
    log(f"  {stats['requests']:,} requests, {stats['rps']} a second; median {stats['median_ms']:.0f} ms, "
        f"p95 {stats['p95_ms']:.0f} ms; failures {stats['failures']}, 5xx {stats['server_errors']}")
    log(f"  {'Request':<45} {'count':>7} {'rps':>6} {'median':>7} {'p95':>7} {'fail':>5}")
    for name, row in sorted(stats["kinds"].items()):
        log(f"  {name:<45} {row['requests']:>7} {row['rps']:>6} {row['median_ms']:>6.0f}m {row['p95_ms']:>6.0f}m "
            f"{row['failures']:>5}")
    for sample in stats["failure_samples"]:
        log(f"  failure: {sample}")
    log(f"  server log: {stats['server_log']}")
    c = stats["consistency"]
    log(f"  referrals written: {c['referrals_written']} ({c['by_state']}); inconsistent: {c['inconsistent']}; "
        f"outbox messages still waiting when the run ended: {stats['outbox_waiting_after']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both", "topology"], default="both",
                        help="topology: one server, then two servers through nginx, on the production shape")
    parser.add_argument("--users", type=int, default=40, help="simulated users (default 40)")
    parser.add_argument("--seconds", type=int, default=90, help="run time per database (default 90)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    args = parser.parse_args(argv)
    learners = max(4, args.users // 4)
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    if args.database == "topology":
        results = run_topology(args.users, args.seconds, learners)
    else:
        results = [run(kind, args.users, args.seconds, args.workers, learners) for kind in kinds]
    out = ROOT / "bench" / "results" / f"loadtest-{date.today().isoformat()}.json"
    out.write_text(json.dumps(results, indent=2))
    log(f"\nResults written to {out.relative_to(ROOT)}")
    bad = [r for r in results if r["server_errors"] or r["consistency"]["inconsistent"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
