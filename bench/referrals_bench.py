"""Referrals benchmark: creating and working referrals through the operations, and dashboards at scale.

On a fresh SQLite database (a temporary directory, migrated with the application's migrations):

1. creation: ``operations.start_draft`` + ``save_draft`` (every answer) + ``apply(send)``, one referral per
   transaction, as the web pages and the API do: referrals a second;
2. transitions: accept, assign, book, record_session and complete on those referrals, one step per transaction:
   steps a second;
3. dashboards: ``size`` referrals (100,000 by default) bulk-inserted straight into the tables, spread over 12
   probation regions, 40 provider organisations and 400 offender managers, in every state; then
   ``operations.dashboard_counts`` + ``dashboard_page`` (first tab, and a search by CRN) timed for an offender
   manager and a provider manager: median and p95. When the referral dashboard page (GET /referrals) exists,
   it is timed too, in process with the test client. The query plans (SQLite EXPLAIN QUERY PLAN) of the
   dashboard queries are recorded, so a missing index shows as a SCAN of referrals.

The set-up (users, organisations, a few published services) uses tests/factories.py: the same objects the test
suite builds. Progress goes to stderr; the table to stdout; the figures to bench/results/referrals-<date>.json.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search_bench  # noqa: E402  (percentiles and the progress bar)
from directory_bench import RESULTS, make_app, migrate, note  # noqa: E402

SEED = 4
REGIONS_USED = 12
PROVIDERS = 40
SERVICES_PER_PROVIDER = 2
OFFENDER_MANAGERS = 400
BATCH = 5_000
# How a large, settled portal's referrals are spread over the states
STATE_MIX = {"draft": 4, "sent": 6, "accepted": 3, "declined": 8, "assigned": 4, "booked": 5, "in_progress": 15,
             "completed": 40, "withdrawn": 8, "ended": 7}


@dataclass
class Options:
    size: int = 100_000
    created: int = 300  # referrals created through the operations
    repeats: int = 40  # timings per dashboard measurement
    quick: bool = False


@dataclass
class Result:
    creation: dict = field(default_factory=dict)
    transitions: dict = field(default_factory=dict)
    bulk_insert: dict = field(default_factory=dict)
    dashboards: list[dict] = field(default_factory=list)
    http: list[dict] = field(default_factory=list)
    plans: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- Set-up -------------------------------------------------------------------------------------------------

def _people(size_hint: int):
    """Provider organisations with services, their managers and caseworkers, and offender managers."""
    from sqlalchemy import select

    from portal.accounts import credentials
    from portal.accounts.roles import OrgRole, Role
    from portal.extensions import db
    from portal.reference.models import ProbationRegion
    from tests import factories

    hashed = credentials.hash_password(factories.PASSWORD)  # hash once: the benchmark is not about sign-in
    factories.credentials = type("Cached", (), {"hash_password": staticmethod(lambda password: hashed)})
    regions = [r.slug for r in db.session.scalars(select(ProbationRegion).order_by(ProbationRegion.id))]
    regions = regions[:REGIONS_USED]
    progress = search_bench.Progress("set-up: providers", PROVIDERS)
    providers = []
    for n in range(PROVIDERS):
        manager = factories.user(role=Role.PROVIDER, org_role=OrgRole.MANAGER, name=f"Manager {n}")
        worker = factories.user(role=Role.PROVIDER, organisation_=manager.organisation,
                                org_role=OrgRole.CASEWORKER, name=f"Caseworker {n}")
        services = [factories.referrable_service(organisation_=manager.organisation,
                                                 sector="public" if n % 4 == 0 else "voluntary-community")
                    for _ in range(SERVICES_PER_PROVIDER)]
        providers.append((manager, worker, services))
        progress(n + 1)
    progress = search_bench.Progress("set-up: offender managers", OFFENDER_MANAGERS)
    referrers = []
    for n in range(OFFENDER_MANAGERS):
        referrers.append(factories.user(role=Role.OFFENDER_MANAGER, probation_region=regions[n % len(regions)],
                                        name=f"Offender Manager {n}"))
        if (n + 1) % 50 == 0:
            progress(n + 1)
    return providers, referrers


def _answers(rng: random.Random) -> dict:
    from tests import factories

    return {**factories.COMPLETE_ANSWERS, "crn": f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(10**6):06d}",
            "date_of_birth": date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            "consent_date": date.today() - timedelta(days=1)}


# --- 1 and 2: through the operations -------------------------------------------------------------------------

def measure_operations(app, options: Options, providers, referrers, result: Result) -> None:
    from portal.database import utcnow
    from portal.extensions import db
    from portal.referrals import operations
    from portal.referrals.operations import StepInput

    rng = random.Random(SEED)  # noqa: S311 - repeatable test data, not secrets
    made = []
    if True:  # inside main's request context
        progress = search_bench.Progress("create + send", options.created)
        samples = []
        started = time.perf_counter()
        from portal.accounts.models import User
        from portal.directory.models import Service

        for n in range(options.created):
            db.session.expunge_all()  # a fresh session's worth of objects, as in one web request
            manager_id, worker_id, _, service_ids = providers[n % len(providers)]
            referrer = db.session.get(User, referrers[n % len(referrers)][0])
            service = db.session.get(Service, service_ids[n % len(service_ids)])
            one = time.perf_counter()
            referral = operations.start_draft(referrer, service)
            operations.save_draft(referrer, referral, _answers(rng))
            operations.apply(referrer, referral, "send")
            db.session.commit()
            samples.append((time.perf_counter() - one) * 1000)
            made.append((referral.id, manager_id, worker_id))
            progress(n + 1)
        seconds = time.perf_counter() - started
        result.creation = {"referrals": options.created, "seconds": round(seconds, 2),
                           "per_s": round(options.created / seconds, 1), "latency": search_bench.latency(samples)}

        from portal.referrals.models import Referral

        steps = ["accept", "assign", "book", "record_session", "complete"]
        progress = search_bench.Progress("accept .. complete", len(made) * len(steps))
        per_step: dict[str, list[float]] = {step: [] for step in steps}
        started = time.perf_counter()
        done = 0
        for referral_id, manager_id, worker_id in made:
            db.session.expunge_all()
            referral = db.session.get(Referral, referral_id)
            manager, worker = db.session.get(User, manager_id), db.session.get(User, worker_id)
            now = utcnow()
            inputs = {"accept": (manager, StepInput()), "assign": (manager, StepInput(caseworker=worker)),
                      "book": (worker, StepInput(appointment_at=now + timedelta(days=2))),
                      "record_session": (worker, StepInput(session_at=now - timedelta(hours=1),
                                                           attendance="attended", notes="Went well")),
                      "complete": (worker, StepInput(achievements=["achieved"], report="Housed."))}
            for step in steps:
                actor, data = inputs[step]
                one = time.perf_counter()
                operations.apply(actor, referral, step, data)
                db.session.commit()
                per_step[step].append((time.perf_counter() - one) * 1000)
                done += 1
                progress(done)
        seconds = time.perf_counter() - started
        result.transitions = {"steps": done, "seconds": round(seconds, 2), "per_s": round(done / seconds, 1),
                              "latency": {step: search_bench.latency(ms) for step, ms in per_step.items()}}


# --- 3: bulk insert and dashboards ----------------------------------------------------------------------------

def bulk_insert(app, size: int, providers, referrers, result: Result) -> None:
    """`size` referrals written straight into the tables (the operations would take hours): realistic rows."""
    from sqlalchemy import func, insert, select, text

    from portal.database import new_public_id, utcnow
    from portal.extensions import db
    from portal.referrals.models import Referral, ReferralPerson, new_reference

    rng = random.Random(SEED)  # noqa: S311 - repeatable test data, not secrets
    states = rng.choices(list(STATE_MIX), weights=list(STATE_MIX.values()), k=size)
    first_names = ["Jordan", "Sam", "Alex", "Chris", "Jamie", "Morgan", "Taylor", "Casey", "Robin", "Lee"]
    last_names = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan"]
    now = utcnow()
    taken = set(db.session.scalars(select(Referral.reference)))
    references = []
    while len(references) < size:  # unique, as the portal's own look-before-taking makes them
        reference = new_reference()
        if reference not in taken:
            taken.add(reference)
            references.append(reference)
    if True:  # inside main's request context
        next_id = (db.session.scalar(select(func.max(Referral.id))) or 0) + 1
        progress = search_bench.Progress(f"bulk insert {size:,}", size)
        started = time.perf_counter()
        for start in range(0, size, BATCH):
            referrals, people = [], []
            for i in range(start, min(size, start + BATCH)):
                manager_id, worker_id, organisation_id, service_ids = providers[rng.randrange(len(providers))]
                referrer_id, region_id = referrers[rng.randrange(len(referrers))]
                state = states[i]
                created = now - timedelta(days=rng.uniform(0, 720))
                sent = None if state == "draft" else created + timedelta(hours=rng.uniform(1, 72))
                responded = sent + timedelta(days=rng.uniform(0.1, 9)) if sent and state not in (
                    "sent", "withdrawn") else None
                open_or_later = state in ("assigned", "booked", "in_progress", "completed", "ended")
                concluded = (responded or sent) + timedelta(days=rng.uniform(1, 120)) if state in (
                    "completed", "withdrawn", "ended", "declined") and (responded or sent) else None
                referral_id = next_id + i
                referrals.append({
                    "id": referral_id, "public_id": new_public_id(), "reference": references.pop(), "state": state,
                    "service_id": service_ids[rng.randrange(len(service_ids))],
                    "organisation_id": organisation_id, "created_by_id": referrer_id,
                    "probation_region_id": region_id,
                    "desired_outcomes": [{"text": "Settled accommodation", "notes": "",
                                          "achievement": rng.choice(["achieved", "partly", "not-achieved"])
                                          if state == "completed" else None}],
                    "risk_level": "low", "mappa": False, "risk_summary": "No concerns.", "consent_given": True,
                    "consent_date": created.date(), "consent_method": "in-person", "additional_information": "",
                    "sent_at": sent, "sent_by_id": referrer_id if sent else None, "responded_at": responded,
                    "responded_by_id": manager_id if responded else None,
                    "decline_reason": "full" if state == "declined" else None,
                    "assigned_to_id": worker_id if open_or_later and rng.random() < 0.8 else (
                        manager_id if open_or_later else None),
                    "assigned_at": responded if open_or_later else None,
                    "concluded_at": concluded, "end_of_service_report": "Done." if state == "completed" else "",
                    "version": 1, "created_at": created, "updated_at": concluded or responded or sent or created,
                })
                people.append({
                    "referral_id": referral_id, "first_name": rng.choice(first_names),
                    "last_name": rng.choice(last_names), "date_of_birth": date(1960 + rng.randrange(40), 1, 1),
                    "crn": f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(10**6):06d}", "gender": "male",
                    "in_custody": False, "postcode_district": "LS1", "phone": "07700 900982",
                    "interpreter_language": "", "disability_needs": "", "caring_responsibilities": "",
                    "availability": "", "arson_conviction": False, "sexual_offence_conviction": False,
                })
            db.session.execute(insert(Referral.__table__), referrals)
            db.session.execute(insert(ReferralPerson.__table__), people)
            db.session.commit()
            progress(min(size, start + BATCH))
        seconds = time.perf_counter() - started
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    result.bulk_insert = {"referrals": size, "seconds": round(seconds, 1), "per_s": round(size / seconds)}


def _busiest(db, column, candidates):
    from sqlalchemy import func, select

    counts = dict(db.session.execute(select(column, func.count()).where(column.in_(candidates)).group_by(column)
                                     ).all())
    best = max(candidates, key=lambda c: counts.get(c, 0))
    return best, counts.get(best, 0)


def measure_dashboards(app, options: Options, providers, referrers, result: Result) -> None:
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.referrals import operations
    from portal.referrals.models import Referral

    if True:  # inside main's request context
        # The offender manager whose region holds the most referrals, and the busiest provider's manager
        db.session.expunge_all()
        region_id, in_region = _busiest(db, Referral.probation_region_id, list({r for _, r in referrers}))
        referrer = db.session.get(User, next(user_id for user_id, r in referrers if r == region_id))
        org_id, in_org = _busiest(db, Referral.organisation_id, [org for _, _, org, _ in providers])
        manager = db.session.get(User, next(m for m, _, org, _ in providers if org == org_id))
        crn = db.session.scalar(select(Referral).where(Referral.organisation_id == org_id).limit(1)).person.crn
        total = db.session.scalar(select(func.count()).select_from(Referral))
        for who, user_id, scope in (("offender manager", referrer.id, in_region),
                                    ("provider manager", manager.id, in_org)):
            user = db.session.get(User, user_id)
            tab = next(iter(operations.dashboard_tabs(user)))
            measures = {
                "counts": lambda u=user: operations.dashboard_counts(u),
                "first tab page": lambda u=user, t=tab: operations.dashboard_page(u, t),
                "counts + page": lambda u=user, t=tab: (operations.dashboard_counts(u),
                                                        operations.dashboard_page(u, t)),
                "search by CRN": lambda u=user, t=tab: operations.dashboard_page(u, t, text=crn),
            }
            for name, run in measures.items():
                run()  # warm the caches
                db.session.rollback()
                samples = []
                progress = search_bench.Progress(f"{who}: {name}", options.repeats)
                for n in range(options.repeats):
                    started = time.perf_counter()
                    run()
                    samples.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()  # the list view's audit row: not kept
                    progress(n + 1)
                result.dashboards.append({"user": who, "visible_referrals": scope, "total_referrals": total,
                                          "measure": name, "latency": search_bench.latency(samples)})
        result.plans = query_plans(db, referrer, manager)
        measure_http(app, options, referrer.id, manager.id, result)


def query_plans(db, referrer, manager) -> dict[str, list[str]]:
    """SQLite's plan for each dashboard query: a 'SCAN referrals' is a whole-table read."""
    from sqlalchemy import func, select, text

    from portal import policy
    from portal.referrals import operations
    from portal.referrals.models import Referral, ReferralPerson

    plans = {}
    for who, user in (("offender manager", referrer), ("provider manager", manager)):
        filters = operations._tab_filters()[operations.dashboard_side(user)]
        for tab, (_, where) in filters.items():
            count = select(func.count()).select_from(where(policy.visible_referrals(user), user).subquery())
            page = (where(policy.visible_referrals(user).join(ReferralPerson), user)
                    .order_by(Referral.updated_at.desc(), Referral.id.desc()).limit(25))
            for kind, query in (("count", count), ("page", page)):
                compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
                rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                plans[f"{who} / {tab} / {kind}"] = [row[-1] for row in rows]
    return plans


def measure_http(app, options: Options, referrer_id: int, manager_id: int, result: Result) -> None:
    from portal.accounts.models import User
    from portal.extensions import db
    from tests import factories

    rule = next((r for r in app.url_map.iter_rules() if r.rule == "/referrals" and "GET" in r.methods), None)
    if rule is None:
        result.notes.append("GET /referrals (the dashboard page) does not exist in this build: only the "
                            "operations were timed")
        return
    for who, user_id in (("offender manager", referrer_id), ("provider manager", manager_id)):
        client = app.test_client()
        factories.sign_in(client, db.session.get(User, user_id))
        # Each request in a fresh context, as in a server (the benchmark holds a request context open, whose `g`
        # would otherwise carry Flask-Login's cached user into the client's requests)
        def get(path: str = "/referrals", client=client):
            return contextvars.Context().run(client.get, path)

        first = get()
        status = first.status_code
        if status != 200:
            result.notes.append(f"GET /referrals as the {who}: {status} to {first.headers.get('Location')}")
        samples = []
        progress = search_bench.Progress(f"{who}: GET /referrals", options.repeats)
        for n in range(options.repeats):
            started = time.perf_counter()
            status = get().status_code
            samples.append((time.perf_counter() - started) * 1000)
            progress(n + 1)
        result.http.append({"user": who, "status": status, "latency": search_bench.latency(samples)})


# --- Reporting ---------------------------------------------------------------------------------------------

def table(result: Result) -> str:
    c, t, b = result.creation, result.transitions, result.bulk_insert
    lines = [
        "Through the operations (SQLite, one transaction each)",
        f"  create + save every answer + send: {c['referrals']} referrals in {c['seconds']} s = {c['per_s']}/s "
        f"(median {c['latency']['median_ms']} ms, p95 {c['latency']['p95_ms']} ms)",
        f"  accept, assign, book, record_session, complete: {t['steps']} steps in {t['seconds']} s = {t['per_s']}/s",
    ]
    for step, figures in t["latency"].items():
        lines.append(f"    {step:<15} median {figures['median_ms']:>6} ms  p95 {figures['p95_ms']:>6} ms")
    lines += ["", f"Bulk insert: {b['referrals']:,} referrals in {b['seconds']} s ({b['per_s']:,}/s)", "",
              "Dashboards (milliseconds)",
              f"  {'user':<17} {'visible':>8} {'measure':<15} {'median':>8} {'p95':>8} {'max':>8}"]
    for d in result.dashboards:
        lat = d["latency"]
        lines.append(f"  {d['user']:<17} {d['visible_referrals']:>8,} {d['measure']:<15} {lat['median_ms']:>8} "
                     f"{lat['p95_ms']:>8} {lat['max_ms']:>8}")
    for h in result.http:
        lat = h["latency"]
        lines.append(f"  {h['user']:<17} {'':>8} {'GET /referrals':<15} {lat['median_ms']:>8} {lat['p95_ms']:>8} "
                     f"{lat['max_ms']:>8}  (status {h['status']})")
    scans = sorted({f"{name}: {step}" for name, steps in result.plans.items() for step in steps
                    if step.startswith("SCAN") and "referrals" in step})
    lines += ["", "Query plans with a whole-table read of referrals:" if scans else
              "Query plans: every dashboard query uses an index on referrals"]
    lines += [f"  {s}" for s in scans]
    sorted_pages = sorted(name for name, steps in result.plans.items() if "USE TEMP B-TREE FOR ORDER BY" in steps)
    if sorted_pages:
        lines.append(f"  {len(sorted_pages)} page queries sort the user's matching rows (USE TEMP B-TREE FOR ORDER "
                     "BY): newest change first is not an index order")
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)


def main(options: Options) -> Result:
    from portal.extensions import db

    started = time.monotonic()
    note(f"Referrals benchmark: {options.size:,} referrals, {os.cpu_count()} CPUs, load average "
         f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result = Result()
    with tempfile.TemporaryDirectory(prefix="referrals-bench-") as folder:
        instance = Path(folder)
        app = make_app(f"sqlite:///{instance / 'portal.sqlite3'}", instance, {})
        migrate(app)
        with app.test_request_context():  # one session throughout; operations build links with url_for
            providers, referrers = _people(options.size)
            # Plain ids from here on: each measured step starts from an empty session, like a web request
            providers = [(m.id, w.id, m.organisation.id, [s.id for s in ss]) for m, w, ss in providers]
            referrers = [(r.id, r.probation_region_id) for r in referrers]
            measure_operations(app, options, providers, referrers, result)
            bulk_insert(app, options.size, providers, referrers, result)
            measure_dashboards(app, options, providers, referrers, result)
            db.session.remove()
    print(table(result))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"referrals-{dt.date.today().isoformat()}{'-quick' if options.quick else ''}.json"
    out.write_text(json.dumps({
        "ran_at": dt.datetime.now().isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version(), "database": "sqlite"},
        "options": vars(options), **vars(result),
    }, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    return result


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    main(Options(size=5_000 if quick else 100_000, created=40 if quick else 300, repeats=10 if quick else 40,
                 quick=quick))
