"""Sign-in limits hold across gunicorn workers when REDIS_URL is set (the limits live in Redis)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)


def _answers(address) -> bool:
    try:
        socket.create_connection(address, 1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_every_worker_answers(base: str, deadline_s: float = 120) -> None:
    """Workers import the app on start; on a busy machine that takes a while. Wait for a few answers."""
    deadline, answered = time.monotonic() + deadline_s, 0
    while answered < 5:
        assert time.monotonic() < deadline, "gunicorn did not start"
        try:
            answered += requests.get(f"{base}/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            time.sleep(0.2)


@pytest.mark.skipif(not _answers(REDIS), reason="no Redis server on 127.0.0.1:6379")
@pytest.mark.slow
def test_failed_sign_ins_are_counted_across_workers(tmp_path):
    import redis

    prefix = f"rpp-test-{os.getpid()}-{time.time_ns()}"  # other runs may share this Redis at the same time
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "rate-limit-test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "REDIS_URL": "redis://127.0.0.1:6379/15",
           "RATELIMIT_KEY_PREFIX": prefix,
           "FLASK_APP": "app"}
    env.pop("TEST_DATABASE_URL", None)
    flask = [str(BIN / "flask")]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "users", "create", "--email", "pat@example.org", "--name", "Pat", "--role", "employer",
                    "--organisation", "x", "--password", "kettle lantern orchard"], env=env, cwd=ROOT,
                   capture_output=True)  # fails (no organisation) harmlessly: the limit counts unknown accounts too
    port = _free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "3", "-b", f"127.0.0.1:{port}", "app:app"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_every_worker_answers(base)
        statuses = []
        for _ in range(8):
            browser = requests.Session()  # a new session each time, as a scripted attacker would
            form = browser.get(f"{base}/sign-in", timeout=60)
            token = BeautifulSoup(form.text, "html.parser").find("input", {"name": "csrf_token"})["value"]
            response = browser.post(f"{base}/sign-in", timeout=60, allow_redirects=False,
                                    data={"csrf_token": token, "email": "pat@example.org", "password": "guess"})
            statuses.append(response.status_code)
        assert statuses[:5] == [400] * 5, statuses
        assert statuses[5:] == [429] * 3, statuses
        assert redis.Redis(*REDIS, db=15).keys(f"*{prefix}*")
    finally:
        stop(server)
        store = redis.Redis(*REDIS, db=15)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
