"""The relevance benchmark (`make bench`, or `python bench/relevance.py`): labelled queries over a realistic
directory (bench/relevance_set/: the corpus was written first, the queries after), run on both search
backends. Prints, per backend, the share of queries whose expected service is in the top 3 and the top 5,
and how many found nothing; then the queries each backend missed, so a change can be judged by them.

    .venv/bin/python bench/relevance.py            # both backends (Meilisearch from the pinned test binary)
    .venv/bin/python bench/relevance.py --no-meili
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent / "relevance_set"))

import corpus  # noqa: E402
import queries  # noqa: E402

from search import SearchBackend, SearchQuery  # noqa: E402
from search.sqlite_fts import SqliteBackend  # noqa: E402

INDEX = "services"
DEPTH = 10


@dataclass
class Outcome:
    backend: str
    queries: int = 0
    top3: int = 0
    top5: int = 0
    zero: int = 0
    relaxed: int = 0
    misses: list[tuple[str, list[str]]] = field(default_factory=list)

    def row(self) -> str:
        share = lambda n: f"{100 * n / self.queries:5.1f}%"  # noqa: E731
        return (f"{self.backend:<12} {self.queries:>7} {share(self.top3):>7} {share(self.top5):>7} "
                f"{self.zero:>12} {self.relaxed:>13}")


def expected_ids(expected: list[queries.Expected]) -> set[str]:
    ids = set()
    for organisation, name, town in expected:
        for org, service, towns, _, _ in corpus.SERVICES:
            if (org, service) != (organisation, name):
                continue
            for place in (towns.split() if towns != "*" else ["*"]):
                if town is None or town == place:
                    ids.add(corpus.service_id(org, service, place))
    return ids


def measure(name: str, backend: SearchBackend, progress: bool = True) -> Outcome:
    outcome = Outcome(name)
    for n, (text, expected) in enumerate(queries.QUERIES, 1):
        result = backend.search(INDEX, SearchQuery(text=text, per_page=DEPTH))
        ids = [hit.id for hit in result.hits]
        wanted = expected_ids(expected)
        outcome.queries += 1
        outcome.top3 += bool(wanted & set(ids[:3]))
        outcome.top5 += bool(wanted & set(ids[:5]))
        outcome.zero += result.total == 0
        outcome.relaxed += bool(result.left_out)
        if not wanted & set(ids[:5]):
            shown = [f"{h.document['name']} ({h.document['organisation_name']})" for h in result.hits[:3]]
            outcome.misses.append((text, shown))
        if progress:
            print(f"\r  {name}: {n}/{len(queries.QUERIES)} queries", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return outcome


def main(meili: bool = True) -> list[Outcome]:
    docs = corpus.documents()
    print(f"\n=== Search relevance: {len(queries.QUERIES)} labelled queries over {len(docs)} services "
          f"({len(corpus.SERVICES)} distinct; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) ===")
    outcomes = []
    with ExitStack() as stack:
        backends: list[tuple[str, SearchBackend]] = []
        path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "relevance.sqlite3"
        backends.append(("embedded", SqliteBackend(path)))
        if meili:
            from search.meili import MeiliBackend
            from search.meili_server import BinaryUnavailable, binary, running
            try:
                binary()
                server = stack.enter_context(running(in_memory=True))
                backends.append(("meilisearch", MeiliBackend(server.url, api_key=server.master_key)))
            except BinaryUnavailable as exc:
                print(f"  Meilisearch not measured: {exc}")
        for name, backend in backends:
            started = time.perf_counter()
            backend.ensure_index(INDEX)
            backend.rebuild(INDEX, docs)
            outcomes.append(measure(name, backend))
            print(f"  {name}: indexed and searched in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"\n{'backend':<12} {'queries':>7} {'top 3':>7} {'top 5':>7} {'zero results':>12} {'words left out':>13}")
    for outcome in outcomes:
        print(outcome.row())
    for outcome in outcomes:
        if outcome.misses:
            print(f"\nNot in the top 5 on {outcome.backend}:")
            for text, shown in outcome.misses:
                print(f"  {text!r}: {'; '.join(shown) or 'nothing found'}")
    if len(outcomes) == 2:
        gap = abs(outcomes[0].top5 - outcomes[1].top5) * 100 / max(outcomes[0].queries, 1)
        print(f"\nThe backends' top-5 shares differ by {gap:.1f} points.")
    return outcomes


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-meili", dest="meili", action="store_false", help="the embedded backend only")
    main(parser.parse_args().meili)
