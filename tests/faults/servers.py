"""Real servers for fault tests: a private PostgreSQL cluster that a test may stop and start, and the portal
under gunicorn. Each test owns its servers, so stopping one breaks nothing else on the machine."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def postgres_unavailable() -> str | None:
    """Why a private PostgreSQL cluster cannot run here, or None."""
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: PostgreSQL refuses to start as root"
    return None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free loopback port (as the postgres user when we are root)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.directory / "data"), "-U", "postgres", "--auth=trust",
                  "--no-sync")

    def start(self) -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-w", "-l", str(self.directory / "log"),
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; "immediate" is as abrupt as a crash (no clean shutdown of sessions)."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.directory / "data"), "-w", "-m", mode, "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A cluster in its own directory under /tmp (pytest's own temporary folders are private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="rpp-pg-"))
    server = PrivatePostgres(directory)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("fast")
        shutil.rmtree(directory, ignore_errors=True)


def portal_env(instance: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "INSTANCE_PATH": str(instance), "SECRET_KEY": "fault-test", "DATABASE_URL": database_url,
           "FLASK_APP": "app", "MEILI_URL": "", "REDIS_URL": "", "MAIL_SERVER": "", **extra}
    env.pop("TEST_DATABASE_URL", None)
    return env


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True, timeout=300)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, log: Path | None = None) -> Iterator[str]:
    """The portal under gunicorn; yields its base URL once it answers."""
    with gunicorn_server(env, workers, log) as (base, _):
        yield base


@contextlib.contextmanager
def gunicorn_server(env: dict[str, str], workers: int = 2, log: Path | None = None,
                    ) -> Iterator[tuple[str, subprocess.Popen]]:
    """The portal under gunicorn; yields its base URL and the master process once it answers."""
    port = free_port()
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",  # noqa: S603
                               "--graceful-timeout", "5", "app:app"], env=env, cwd=ROOT, stdout=output,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        yield base, server
    finally:
        stop(server)
        if log:
            output.close()


class RestartableMeili:
    """A Meilisearch server that a test may kill and start again on the same port and data directory (as a
    crashed search service comes back), unlike `search.meili_server.running`, which deletes its data on exit."""

    def __init__(self, directory: Path):
        from search.meili_server import binary  # raises BinaryUnavailable when there is none

        self.executable = binary()
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.master_key = "fault-test-master-key-" + os.urandom(8).hex()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        log = open(self.directory / "meilisearch.log", "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(  # noqa: S603 - the pinned test binary, our arguments
            [str(self.executable), "--db-path", str(self.directory / "data.ms"), "--http-addr",
             f"127.0.0.1:{self.port}", "--no-analytics", "--env", "development"],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MEILI_MASTER_KEY": self.master_key})
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, (self.directory / "meilisearch.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "Meilisearch did not start"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: as abrupt as a crash or an out-of-memory kill."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def meili_unavailable() -> str | None:
    """Why no Meilisearch binary can run here, or None."""
    from search.meili_server import BinaryUnavailable, binary

    try:
        binary()
    except BinaryUnavailable as exc:
        return f"no Meilisearch binary: {exc}"
    return None


@contextlib.contextmanager
def restartable_meili() -> Iterator[RestartableMeili]:
    """Meilisearch with its data in a private directory (in memory where /dev/shm exists: no disk waits)."""
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp directory
    directory = Path(tempfile.mkdtemp(prefix="rpp-meili-fault-", dir=str(shm) if shm.is_dir() else None))
    server = None
    try:
        server = RestartableMeili(directory)
        server.start()
        yield server
    finally:
        if server is not None:
            server.kill()
        shutil.rmtree(directory, ignore_errors=True)
