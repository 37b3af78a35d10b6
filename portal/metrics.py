"""Prometheus metrics: request counts and latencies by route, search latency, and, read from the database when
scraped, outbox lag and the scheduler's last runs.

`GET /metrics` answers only with `Authorization: Bearer <METRICS_TOKEN>` (404 without a token configured, 403
with a wrong one); nginx does not pass /metrics through from outside either. Under gunicorn with several workers
set PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does), so each scrape adds up every worker's counts.
Labels are route patterns (`/services/<service_uuid>`), never paths or values: nothing personal, and a bounded
number of series.
"""
from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from portal import outbox
from portal.extensions import db

REQUESTS = Counter("portal_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("portal_request_seconds", "Time to answer an HTTP request", ["route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SEARCH = Histogram("portal_search_seconds", "Time the search backend took to answer", ["index", "outcome"],
                   buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
SCHEDULER = Counter("portal_scheduler_runs_total", "Scheduled job runs made by this process", ["job", "outcome"])


class DatabaseCollector:
    """Figures every process shares, read from the database at scrape time (so any web server reports them)."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        with self.app.app_context():
            try:
                pending, lag, failed = outbox.pending_count(), outbox.lag_seconds(), outbox.failed_count()
                runs = self.app.extensions["portal.scheduled_runs"]()
            except Exception:  # noqa: BLE001 - the database is away: report only what this process knows
                db.session.rollback()
                return
            finally:
                db.session.remove()
        yield GaugeMetricFamily("portal_outbox_pending", "Outbox messages waiting to be delivered", value=pending)
        yield GaugeMetricFamily("portal_outbox_lag_seconds", "Age of the oldest due, undelivered message",
                                value=lag)
        yield GaugeMetricFamily("portal_outbox_failed", "Outbox messages that failed for good", value=failed)
        last = GaugeMetricFamily("portal_scheduler_last_run_timestamp_seconds",
                                 "When each scheduled job last started", labels=["job", "outcome"])
        items = GaugeMetricFamily("portal_scheduler_last_run_items", "Items the last run of each job handled",
                                  labels=["job"])
        for job, run in runs:
            if run is not None:
                last.add_metric([job.name, run.outcome], run.started_at.timestamp())
                items.add_metric([job.name], run.items or 0)
        yield last
        yield items


def scheduler_run(job: str, outcome: str, seconds: float) -> None:
    SCHEDULER.labels(job, outcome).inc()


def observe_search(index: str, outcome: str, seconds: float) -> None:
    SEARCH.labels(index, outcome).observe(seconds)


def _registry(app: Flask) -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:  # one process: its own counts
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, SEARCH, SCHEDULER):
            registry.register(collector)
    registry.register(DatabaseCollector(app))
    return registry


def init_app(app: Flask, scheduled_runs: Callable[[], list] = list) -> None:
    """`scheduled_runs` gives each scheduled job with its latest run (portal.scheduler.latest_runs): passed in by
    the application factory, as the scheduler runs every domain's jobs and this module is below the domains."""
    app.extensions["portal.scheduled_runs"] = scheduled_runs

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("request_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            seconds = time.perf_counter() - started
            REQUESTS.labels(request.method, route, str(response.status_code)).inc()
            LATENCY.labels(route).observe(seconds)
            g.request_seconds = seconds
        return response

    @app.route("/metrics")
    def metrics():
        token = current_app.config.get("METRICS_TOKEN", "")
        if not token:
            abort(404)
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(403)
        return Response(generate_latest(_registry(app)), mimetype="text/plain; version=0.0.4")
