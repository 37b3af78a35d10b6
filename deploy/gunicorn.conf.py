"""gunicorn settings for the portal's web servers (the container's CMD and the topology tests use this file).

Sizing: workers x DATABASE_POOL_SIZE (+ DATABASE_MAX_OVERFLOW) x servers must stay under PostgreSQL's (or
PgBouncer's) connection limit. Everything here can be overridden on the command line or with GUNICORN_* variables.
"""
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))  # finish requests in flight on SIGTERM
keepalive = 5  # nginx keeps connections to the upstream open
max_requests = 2000  # recycle workers now and then (memory), staggered so they do not all restart at once
max_requests_jitter = 200
# The app logs one JSON line per request (with its request id); gunicorn's own access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# nginx on the same host or network sets X-Forwarded-*; the app trusts PROXY_HOPS of them (ProxyFix)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None  # /dev/shm in containers


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget the counts of a worker that has gone."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
