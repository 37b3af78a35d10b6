"""Run a command while every core is kept busy (`make stress-test`): stress-ng's CPU workers when stress-ng is
installed, else one spinning Python process per core. The load stops when the command ends; exits as it does.

    python tests/busy.py -- make test
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys


def _spin() -> None:
    while True:
        pass


def main(argv: list[str]) -> int:
    command = argv[argv.index("--") + 1:] if "--" in argv else argv
    if not command:
        print(__doc__)
        return 2
    cores = os.cpu_count() or 1
    if stress_ng := shutil.which("stress-ng"):
        print(f"Keeping {cores} cores busy with stress-ng --cpu {cores} while running: {' '.join(command)}", flush=True)
        load = [subprocess.Popen([stress_ng, "--cpu", str(cores), "--quiet"])]  # noqa: S603
    else:
        print(f"Keeping {cores} cores busy with {cores} Python loops while running: {' '.join(command)}", flush=True)
        load = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(cores)]
        for process in load:
            process.start()
    try:
        return subprocess.call(command)  # noqa: S603 - the command the developer asked for
    finally:
        for process in load:
            process.terminate()
        for process in load:
            (process.wait if isinstance(process, subprocess.Popen) else process.join)(10)
        print("Load stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
