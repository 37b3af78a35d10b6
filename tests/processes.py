"""Stopping the servers tests start: politely first, then for sure, never failing a test on a slow shutdown."""
from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, grace: float = 60) -> None:
    """SIGTERM, wait up to `grace` seconds (a busy machine shuts gunicorn down slowly), then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
