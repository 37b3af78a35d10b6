"""The production shape from processes on this machine, all on loopback and free ports:

nginx (deploy/nginx.conf's rules: upstream of two servers, retry idempotent requests on the other) in front of
two gunicorn servers (deploy/gunicorn.conf.py), two outbox relays, two schedulers, PostgreSQL (a database of its
own, created and dropped here), Meilisearch, Redis (db 4, a key prefix of its own) and S3-compatible storage
(moto's server mode). `python -m tests.topology.shape` starts it and waits (Ctrl+C stops everything);
tests/topology/test_topology.py proves it through the proxy (`make topology`).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("TOPOLOGY_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/4")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Unavailable(Exception):
    """Something the shape needs is missing here (said plainly, so the tests can skip with the reason)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


def wait_for(url: str, process: subprocess.Popen | None = None, timeout: float = 120, status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=10).status_code == status:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer {status} within {timeout} s")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Shape:
    work: Path
    env: dict[str, str]
    database_url: str
    base_url: str
    proxy_url: str
    meili: object
    servers: list[Server] = field(default_factory=list)
    relays: list[subprocess.Popen] = field(default_factory=list)
    schedulers: list[subprocess.Popen] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["MAIL_DIRECTORY"])

    def flask(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def sql(self, statement: str, **params):
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(text(statement), params).all()
        finally:
            engine.dispose()


def _spawn(args: list[str], env: dict, log: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True, **kwargs)


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextmanager
def _database():
    if not answers("127.0.0.1", 5432):
        raise Unavailable("no PostgreSQL server on 127.0.0.1:5432")
    name = f"rpp_topology_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _s3(work: Path):
    port = free_port()
    process = _spawn([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], os.environ.copy(),
                     work / "s3.log")
    try:
        wait_for(f"http://127.0.0.1:{port}/", process, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def nginx_config(work: Path, port: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf's proxy rules, on loopback, with a temporary prefix (and an X-Upstream header so the
    tests can see which server answered)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstreams)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {work}/nginx-access.log;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    client_max_body_size 13m;
    upstream portal {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /metrics {{ return 404; }}
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-Id $request_id;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@contextmanager
def running(work: Path, servers: int = 2, relays: int = 2, schedulers: int = 2, progress=print):
    """Start the whole shape; yields a Shape; stops every process it started on the way out."""
    from tests.faults.servers import meili_unavailable, restartable_meili

    if not Path(NGINX).exists():
        raise Unavailable("nginx is not installed (Debian package nginx)")
    if not answers("127.0.0.1", 6379):
        raise Unavailable("no Redis server on 127.0.0.1:6379")
    if reason := meili_unavailable():
        raise Unavailable(reason)
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        progress("Starting PostgreSQL database, Meilisearch and S3 storage...")
        database_url = stack.enter_context(_database())
        meili = stack.enter_context(restartable_meili())  # a test stops it and starts it again
        s3_url = stack.enter_context(_s3(work))
        proxy_port = free_port()
        base_url = "https://portal.example.gov.uk"  # what emails must link to, whatever Host a request had
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))},
            "FLASK_APP": "app",
            "SECRET_KEY": f"topology-{uuid.uuid4().hex}",
            "DATABASE_URL": database_url,
            "DATABASE_POOL_SIZE": "3",
            "DATABASE_MAX_OVERFLOW": "2",
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": f"rpp-topology-{uuid.uuid4().hex[:8]}",
            "MEILI_URL": meili.url,
            "MEILI_KEY": meili.master_key,
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": "portal-files",
            "STORAGE_S3_ENDPOINT_URL": s3_url,
            "STORAGE_S3_REGION": "eu-west-2",
            "AWS_ACCESS_KEY_ID": "topology",
            "AWS_SECRET_ACCESS_KEY": "topology",
            "BASE_URL": base_url,
            # Clients reach this shape through nginx on loopback, not at BASE_URL's name: serve that host too
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PROXY_HOPS": "1",
            "SESSION_COOKIE_SECURE": "false",  # the test talks plain HTTP to nginx on loopback
            "INSTANCE_PATH": str(work / "instance"),
            "MAIL_DIRECTORY": str(work / "mail"),
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": "topology-metrics",
        }
        shape = Shape(work=work, env=env, database_url=database_url, base_url=base_url,
                      proxy_url=f"http://127.0.0.1:{proxy_port}", meili=meili)
        progress("Migrating, creating the bucket and loading demo data...")
        shape.flask("db", "upgrade")
        shape.flask("storage", "init")
        shape.flask("seed", "--demo")
        for n in range(servers):
            port = free_port()
            server_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(work / f"metrics-{n}"), "PORT": str(port)}
            Path(server_env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
            process = _spawn([str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                              "--bind", f"127.0.0.1:{port}", "--workers", "2", "app:app"],
                             server_env, work / f"web-{n}.log")
            shape.servers.append(Server(f"web-{n}", port, process))
            stack.callback(_stop, process)
        for n in range(relays):
            process = _spawn([str(BIN / "flask"), "outbox", "run"], env, work / f"relay-{n}.log")
            shape.relays.append(process)
            stack.callback(_stop, process)
        for n in range(schedulers):
            process = _spawn([str(BIN / "flask"), "schedule", "run", "--tick", "1"], env, work / f"scheduler-{n}.log")
            shape.schedulers.append(process)
            stack.callback(_stop, process)
        (work / "nginx.conf").write_text(nginx_config(work, proxy_port, [s.port for s in shape.servers]))
        nginx = _spawn([NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"], env,
                       work / "nginx.log")
        stack.callback(_stop, nginx)
        shape.processes.append(nginx)
        progress("Waiting for both web servers and the proxy...")
        for server in shape.servers:
            wait_for(f"{server.url}/readyz", server.process, timeout=180)
        wait_for(f"{shape.proxy_url}/healthz", nginx, timeout=30)
        progress(f"Ready: {shape.proxy_url} (nginx) -> " + ", ".join(s.url for s in shape.servers))
        yield shape


def main() -> None:
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="rpp-topology-"))
    try:
        with running(work) as shape:
            print(f"Logs in {work}. Ctrl+C stops everything.")
            print(f"Demo sign-in: provider@demo.example.org / resettle-demo-2026 at {shape.proxy_url}/sign-in")
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except Unavailable as exc:
        sys.exit(f"Cannot start the topology: {exc}")


if __name__ == "__main__":
    main()
