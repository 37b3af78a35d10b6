"""`make bench`: search relevance on both backends (bench/relevance.py), the directory benchmark
 (import, reindex, search latency, HTTP under load) and the referrals
benchmark (creation and step throughput, dashboards with 100,000 referrals).

    .venv/bin/python bench/run.py                          # 10,000 and 100,000 services
    .venv/bin/python bench/run.py --sizes 10000 --quick    # a quick look
    .venv/bin/python bench/run.py --no-postgres --no-meili --no-http
    .venv/bin/python bench/run.py --only referrals --referrals 100000
    .venv/bin/python bench/run.py --only speed --speed-services 10000   # ratios to a minimal Flask page

The search library's own benchmark (synthetic index documents, no database) is bench/search_bench.py.
See bench/directory_bench.py and bench/referrals_bench.py for what is measured and how.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import directory_bench  # noqa: E402
import referrals_bench  # noqa: E402
import relevance  # noqa: E402
import speed_bench  # noqa: E402


def options(argv: list[str] | None = None) -> tuple[directory_bench.Options, referrals_bench.Options,
                                                    speed_bench.Options, set[str]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="directory sizes (default 10000 100000; quick: 2000)")
    parser.add_argument("--quick", action="store_true", help="fewer queries and requests, small default size")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false", help="SQLite only")
    parser.add_argument("--no-meili", dest="meili", action="store_false", help="the embedded backend only")
    parser.add_argument("--no-http", dest="http", action="store_false", help="skip the gunicorn load test")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--requests", type=int, help="requests per endpoint and backend (default 400; quick: 60)")
    parser.add_argument("--http-seconds", type=float, default=120.0,
                        help="time limit per endpoint and backend (default 120)")
    parser.add_argument("--only", choices=["relevance", "directory", "referrals", "speed"],
                        help="run one benchmark (default: all)")
    parser.add_argument("--speed-services", type=int,
                        help="services in the speed benchmark's corpus (default 100000; quick: 2000)")
    parser.add_argument("--speed-rounds", type=int, help="alternating rounds per endpoint (default 5; quick: 2)")
    parts = sorted(speed_bench.PARTS)
    parser.add_argument("--speed-parts", nargs="+", choices=parts, default=parts,
                        help="parts of the speed benchmark to run (default: all)")
    parser.add_argument("--referrals", type=int, help="referrals in the dashboard benchmark (default 100000; "
                                                      "quick: 5000)")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.sizes or []):
        parser.error("sizes must be positive")
    directory = directory_bench.Options(
        sizes=args.sizes or ([2_000] if args.quick else [10_000, 100_000]), quick=args.quick,
        postgres=args.postgres, meili=args.meili, http=args.http, workers=args.workers,
        concurrency=args.concurrency, requests=args.requests or (60 if args.quick else 400),
        http_seconds=args.http_seconds,
        queries_per_kind=25 if args.quick else directory_bench.search_bench.QUERIES_PER_KIND,
    )
    referrals = referrals_bench.Options(size=args.referrals or (5_000 if args.quick else 100_000),
                                        created=40 if args.quick else 300, repeats=10 if args.quick else 40,
                                        quick=args.quick)
    speed = speed_bench.Options(
        services=args.speed_services or (2_000 if args.quick else 100_000), workers=2, concurrency=4,
        rounds=args.speed_rounds or (2 if args.quick else 5), burst_seconds=2.0 if args.quick else 3.0,
        meili=args.meili, referrals_created=10 if args.quick else 30, quick=args.quick,
        parts=frozenset(args.speed_parts))
    return directory, referrals, speed, ({args.only} if args.only
                                         else {"relevance", "directory", "referrals", "speed"})


if __name__ == "__main__":
    directory, referrals, speed, which = options()
    if "relevance" in which:  # labelled queries on both backends: a minute, and it needs no database
        relevance.main(meili=directory.meili)
    if "directory" in which:
        directory_bench.main(directory)
    if "referrals" in which:
        referrals_bench.main(referrals)
    if "speed" in which:
        speed_bench.main(speed)
