"""The production shape from processes on this machine, all on loopback and free ports:

nginx (deploy/nginx.conf's rules: TLS with a certificate made here for the run and signed by a certificate
authority of its own, upstream of two servers, retry idempotent requests on the other) in front of
two gunicorn servers (deploy/gunicorn.conf.py), two outbox relays, two schedulers, PostgreSQL (a database of its
own, created and dropped here), Meilisearch, Redis (db 4, a key prefix of its own) and S3-compatible storage
(moto's server mode). Every process runs the production profile (PORTAL_ENV=production: SECRET_KEY, BASE_URL
on https, DATABASE_URL and REDIS_URL required, Secure cookies), so clients speak HTTPS to nginx and trust the
run's authority (`Shape.ca`; `running` sets REQUESTS_CA_BUNDLE to it while the shape runs). Form posts carry a
same-origin Referer, as browsers do (Flask-WTF checks it on HTTPS).
`python -m tests.topology.shape` starts it and waits (Ctrl+C stops everything);
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
DEMO_SERVICES = 300  # the demo directory's first 300 services: every role's pages, and a quicker start than 2,200


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


def make_certificates(folder: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A certificate authority of this run and a server certificate it signs for `names` (host names and IP
    addresses). Returns (authority, certificate, key) paths, PEM."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Resettlement portal topology test authority")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    alternatives = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    certificate = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
    paths = folder / "authority.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths


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
    ca: Path | None = None  # the authority that signed nginx's certificate (HTTPS clients trust it)
    single_url: str = ""  # nginx in front of the first server alone (load test comparisons)
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


RETRY_RULES = ("proxy_next_upstream", "proxy_connect_timeout", "proxy_read_timeout")


def deployed_retry_rules() -> list[str]:
    """deploy/nginx.conf's rules for when a request goes to the other server, read from that file, so the shape
    proves the rules as deployed rather than a copy of them."""
    lines = (line.strip() for line in (ROOT / "deploy" / "nginx.conf").read_text().splitlines())
    rules = [line for line in lines if line.startswith(RETRY_RULES)]
    assert len(rules) == 4, f"deploy/nginx.conf's retry rules are not where the topology expects them: {rules}"
    return rules


def nginx_config(work: Path, port: int, upstreams: list[int], certificate: Path, key: Path,
                 single_port: int | None = None) -> str:
    """deploy/nginx.conf's proxy rules and TLS, on loopback, with a temporary prefix (and an X-Upstream header so
    the tests can see which server answered). With `single_port`, a second entry point in front of the first
    server alone (the load test's one-server figures, through the same proxy and TLS)."""
    def upstream(name: str, ports: list[int]) -> str:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
        return f"""    upstream {name} {{
{servers}
        keepalive 16;
    }}
"""

    retry_rules = "\n            ".join(deployed_retry_rules())

    def server(listen: int, name: str) -> str:
        return f"""    server {{
        listen 127.0.0.1:{listen} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /metrics {{ return 404; }}
        location / {{
            proxy_pass http://{name};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # $http_host keeps the port: this proxy listens on a free port, not 443, and Flask-WTF compares a form
            # post's Referer (https://127.0.0.1:PORT/) with the Host it was given (deploy/nginx.conf, on 443: $host)
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-Id $request_id;
            {retry_rules}
            add_header X-Upstream $upstream_addr always;
        }}
    }}
"""

    user = "user root root;\n" if os.geteuid() == 0 else ""
    blocks = upstream("portal", upstreams) + server(port, "portal")
    if single_port is not None:
        blocks += upstream("portal_one", upstreams[:1]) + server(single_port, "portal_one")
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
{blocks}}}
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
        proxy_port, single_port = free_port(), free_port()
        base_url = "https://portal.example.gov.uk"  # what emails must link to, whatever Host a request had
        ca, certificate, key = make_certificates(work / "tls", ["127.0.0.1", "localhost", "portal.example.gov.uk"])
        previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = str(ca)  # this process's clients (the tests) trust the run's authority
        stack.callback(lambda: os.environ.pop("REQUESTS_CA_BUNDLE", None) if previous_bundle is None
                       else os.environ.__setitem__("REQUESTS_CA_BUNDLE", previous_bundle))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))},
            "FLASK_APP": "app",
            "PORTAL_ENV": "production",  # the profile a real deployment runs: Secure cookies, BASE_URL on https
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
            "INSTANCE_PATH": str(work / "instance"),
            "MAIL_DIRECTORY": str(work / "mail"),
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": "topology-metrics",
        }
        if previous_bundle is None:  # the servers keep their own trust store
            env.pop("REQUESTS_CA_BUNDLE", None)
        else:
            env["REQUESTS_CA_BUNDLE"] = previous_bundle
        shape = Shape(work=work, env=env, database_url=database_url, base_url=base_url,
                      proxy_url=f"https://127.0.0.1:{proxy_port}", meili=meili, ca=ca,
                      single_url=f"https://127.0.0.1:{single_port}")
        progress("Migrating, creating the bucket and loading demo data...")
        shape.flask("db", "upgrade")
        shape.flask("storage", "init")
        shape.flask("seed", "--demo", "--services", str(DEMO_SERVICES))
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
        (work / "nginx.conf").write_text(nginx_config(work, proxy_port, [s.port for s in shape.servers],
                                                      certificate, key, single_port=single_port))
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
            print(f"Logs in {work}. Ctrl+C stops everything. The proxy's certificate authority: {shape.ca}")
            print(f"Demo sign-in: provider@demo.example.org / resettle-demo-2026 at {shape.proxy_url}/sign-in")
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except Unavailable as exc:
        sys.exit(f"Cannot start the topology: {exc}")


if __name__ == "__main__":
    main()
