"""Search benchmark: indexing rate, rebuild time and query latency of each backend.

    .venv/bin/python bench/search_bench.py --sizes 10000 100000 --backends embedded meili

Documents are synthetic but shaped like the real directory: names, descriptions and taxonomy terms
from a resettlement vocabulary, locations at real UK postcode-district centroids
(/work/shared/data/uk-outcodes.csv). Queries are a fixed, seeded mix of four kinds: text,
text with filters and facets, filters and facets only, and distance. Results go to stdout as a
table and to bench/results/search-<date>.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from search import SearchBackend, SearchQuery  # noqa: E402
from search.meili import MeiliBackend  # noqa: E402
from search.meili_server import running  # noqa: E402
from search.sqlite_fts import SqliteBackend  # noqa: E402
from search.util import batches  # noqa: E402

OUTCODES = Path("/work/shared/data/uk-outcodes.csv")
RESULTS = Path(__file__).with_name("results")
INDEX = "services"
QUERIES_PER_KIND = 150
WARM_UP_QUERIES = 40

# -- vocabulary ----------------------------------------------------------------------------------

PATHWAYS: dict[str, dict[str, Any]] = {
    "accommodation": {
        "weight": 22,
        "names": [
            "Housing Advice",
            "Supported Housing",
            "Move-On Homes",
            "Night Shelter",
            "Tenancy Support",
            "Hostel",
            "Housing First",
            "Floating Support",
            "Accommodation Service",
            "Homeless Outreach",
        ],
        "keywords": [
            "housing advice",
            "supported accommodation",
            "tenancy sustainment",
            "emergency accommodation",
            "rough sleeping",
            "homelessness prevention",
            "private rented sector",
            "move-on",
            "hostel",
        ],
        "sentences": [
            "We help people leaving prison find somewhere safe to live.",
            "Our team offers advice on housing options, tenancy agreements and deposits.",
            "Supported accommodation with key workers on site {hours}.",
            "Emergency beds are available for people who would otherwise sleep rough.",
            "We work with local landlords to find private rented rooms in {town}.",
            "Floating support helps tenants keep their home and manage rent arrears.",
            "Referrals for homelessness assessments under the Duty to Refer.",
            "A hostel for {group} with shared kitchens and a resettlement worker.",
        ],
    },
    "education-training-employment": {
        "weight": 20,
        "names": [
            "Jobs Club",
            "Employment Support",
            "Skills Academy",
            "Careers Hub",
            "Training Centre",
            "Work Programme",
            "Apprenticeships",
            "Kitchen Academy",
            "Construction Skills",
            "Digital Skills",
        ],
        "keywords": [
            "employment support",
            "cv writing",
            "interview skills",
            "apprenticeships",
            "construction",
            "cscs card",
            "catering",
            "digital skills",
            "english and maths",
            "disclosure",
        ],
        "sentences": [
            "One-to-one employment support, CV writing and interview practice.",
            "Training courses leading to recognised qualifications in {trade}.",
            "We introduce candidates to employers who hire people with convictions.",
            "Advice on disclosing a criminal record to employers.",
            "Work placements and guaranteed interviews on completion.",
            "Functional skills in English, maths and IT for adults.",
            "Paid transitional jobs for up to {months} months after release.",
        ],
    },
    "health": {
        "weight": 14,
        "names": [
            "Mental Health Team",
            "Wellbeing Service",
            "Health Hub",
            "Counselling Service",
            "GP Access",
            "Talking Therapies",
            "Liaison and Diversion",
        ],
        "keywords": [
            "mental health",
            "counselling",
            "wellbeing",
            "gp registration",
            "talking therapies",
            "learning disabilities",
            "trauma",
        ],
        "sentences": [
            "Support with anxiety, depression and other mental health problems.",
            "Help to register with a GP and dentist after release.",
            "Short-term counselling for people dealing with trauma and loss.",
            "Talking therapies delivered in person or online.",
            "Our nurses work alongside probation practitioners in {town}.",
        ],
    },
    "drugs-alcohol": {
        "weight": 12,
        "names": [
            "Recovery Service",
            "Drug and Alcohol Team",
            "Recovery Community",
            "Substance Misuse Service",
            "Detox Project",
            "Harm Reduction",
        ],
        "keywords": [
            "drug treatment",
            "alcohol",
            "recovery",
            "detox",
            "harm reduction",
            "naloxone",
            "substance misuse",
            "mutual aid",
        ],
        "sentences": [
            "Community drug treatment, opiate substitution and recovery groups.",
            "Residential rehabilitation for drug and alcohol dependency.",
            "Naloxone training and free kits for people leaving prison.",
            "Peer-led recovery meetings {days}.",
            "Workers meet people before release and stay with them through the gate.",
        ],
    },
    "finance-benefit-debt": {
        "weight": 10,
        "names": ["Debt Advice", "Money Advice", "Welfare Rights", "Benefits Service", "Financial Inclusion"],
        "keywords": [
            "debt advice",
            "universal credit",
            "budgeting",
            "bank account",
            "welfare rights",
            "money advice",
            "fines",
        ],
        "sentences": [
            "Free, confidential debt advice and help negotiating with creditors.",
            "Help to claim Universal Credit before release so money arrives on time.",
            "Budgeting support and help opening a basic bank account.",
            "Welfare rights advice and benefit appeals.",
        ],
    },
    "children-families": {
        "weight": 7,
        "names": ["Family Support", "Parenting Project", "Family Ties", "Young Dads", "Family Mediation"],
        "keywords": ["family support", "parenting", "prison visits", "children", "mediation"],
        "sentences": [
            "We help families stay in touch during a sentence.",
            "Parenting courses for mothers and fathers after release.",
            "Support for children with a parent in prison.",
        ],
    },
    "attitudes-thinking-behaviour": {
        "weight": 7,
        "names": ["Mentoring Service", "Peer Mentors", "Thinking Skills", "Restorative Justice", "Anger Management"],
        "keywords": ["mentoring", "peer support", "thinking skills", "restorative justice", "anger management"],
        "sentences": [
            "Peer mentors with lived experience meet you at the gate.",
            "Accredited programmes that help people manage thoughts and behaviour.",
            "Restorative justice when both sides choose to take part.",
        ],
    },
    "women-abuse-violence": {
        "weight": 5,
        "names": ["Women's Centre", "Domestic Abuse Service", "Women's Hub", "Refuge"],
        "keywords": ["women's centre", "domestic abuse", "refuge", "advocacy"],
        "sentences": [
            "A safe women-only space with key work and advocacy.",
            "Support for women experiencing domestic abuse, with safety planning.",
        ],
    },
    "women-sex-work": {
        "weight": 3,
        "names": ["Sex Work Outreach", "Women's Outreach"],
        "keywords": ["sex work", "outreach"],
        "sentences": ["Non-judgemental support for women involved in sex work."],
    },
}
GENERIC_SENTENCES = [
    "We work with people on probation and those leaving prison.",
    "Open {days}.",
    "Referrals are welcome from probation, prisons and community organisations.",
    "We also offer {extra}.",
    "Support is available in {language}.",
    "Our service covers {town} and the surrounding area.",
]
SLOTS = {
    "hours": ["24 hours a day", "during the day", "seven days a week"],
    "group": ["young adults", "women", "men over 25", "veterans", "people on licence"],
    "trade": [
        "construction",
        "catering",
        "warehousing",
        "forklift driving",
        "hospitality",
        "railway maintenance",
        "horticulture",
        "barbering",
        "painting and decorating",
        "customer service",
    ],
    "months": ["three", "six", "twelve"],
    "days": ["Monday to Friday", "on weekday evenings", "every Saturday", "by appointment"],
    "extra": [
        "a food bank",
        "free haircuts",
        "gym sessions",
        "gardening",
        "art workshops",
        "football coaching",
        "cooking classes",
        "bike repair",
        "music lessons",
        "a clothing bank",
        "ID applications",
        "travel passes",
        "phone top-ups",
        "legal advice",
        "chaplaincy",
        "family days",
    ],
    "language": ["Welsh", "Polish", "Urdu", "Punjabi", "Romanian", "Arabic", "BSL"],
}
ORG_WORDS = [
    "New",
    "Fresh",
    "Bright",
    "Northern",
    "Southern",
    "Second",
    "Open",
    "Forward",
    "Open Road",
    "Next Step",
    "Riverside",
    "Hillside",
    "Phoenix",
    "Beacon",
    "Harbour",
    "Cornerstone",
    "Gateway",
    "Compass",
    "Anchor",
    "Pathway",
    "Horizon",
    "Unity",
    "Oasis",
    "Lighthouse",
    "Keystone",
    "Meridian",
    "Summit",
    "Kinship",
]
ORG_TYPES = [
    "Trust",
    "Foundation",
    "CIC",
    "Partnership",
    "Housing Association",
    "Charity",
    "Project",
    "Network",
    "Community Interest Company",
    "Council",
    "NHS Trust",
    "Co-operative",
]
SECTORS = {"voluntary": 60, "public": 20, "private": 10, "social-enterprise": 10}
REGIONS = {  # slug: (lat, lon, contract package area)
    "north-east": (54.9, -1.6, "north-east"),
    "north-west": (53.6, -2.6, "greater-manchester"),
    "yorkshire-humber": (53.7, -1.3, "yorkshire"),
    "east-midlands": (52.9, -1.0, "east-midlands"),
    "west-midlands": (52.5, -2.0, "west-midlands"),
    "east-of-england": (52.3, 0.6, "east-of-england"),
    "london": (51.5, -0.12, "london"),
    "south-east": (51.2, -0.6, "kent-surrey-sussex"),
    "south-west": (50.9, -3.4, "south-west"),
    "wales": (52.2, -3.6, "wales"),
    "scotland": (56.5, -4.0, "scotland"),
}

POST_TOWNS = {  # postcode area -> post town, for England, Wales and Scotland
    "AB": "Aberdeen",
    "AL": "St Albans",
    "B": "Birmingham",
    "BA": "Bath",
    "BB": "Blackburn",
    "BD": "Bradford",
    "BH": "Bournemouth",
    "BL": "Bolton",
    "BN": "Brighton",
    "BR": "Bromley",
    "BS": "Bristol",
    "CA": "Carlisle",
    "CB": "Cambridge",
    "CF": "Cardiff",
    "CH": "Chester",
    "CM": "Chelmsford",
    "CO": "Colchester",
    "CR": "Croydon",
    "CT": "Canterbury",
    "CV": "Coventry",
    "CW": "Crewe",
    "DA": "Dartford",
    "DD": "Dundee",
    "DE": "Derby",
    "DG": "Dumfries",
    "DH": "Durham",
    "DL": "Darlington",
    "DN": "Doncaster",
    "DT": "Dorchester",
    "DY": "Dudley",
    "E": "London",
    "EC": "London",
    "EH": "Edinburgh",
    "EN": "Enfield",
    "EX": "Exeter",
    "FK": "Falkirk",
    "FY": "Blackpool",
    "G": "Glasgow",
    "GL": "Gloucester",
    "GU": "Guildford",
    "HA": "Harrow",
    "HD": "Huddersfield",
    "HG": "Harrogate",
    "HP": "Hemel Hempstead",
    "HR": "Hereford",
    "HU": "Hull",
    "HX": "Halifax",
    "IG": "Ilford",
    "IP": "Ipswich",
    "IV": "Inverness",
    "KA": "Kilmarnock",
    "KT": "Kingston upon Thames",
    "KY": "Kirkcaldy",
    "L": "Liverpool",
    "LA": "Lancaster",
    "LD": "Llandrindod Wells",
    "LE": "Leicester",
    "LL": "Llandudno",
    "LN": "Lincoln",
    "LS": "Leeds",
    "LU": "Luton",
    "M": "Manchester",
    "ME": "Rochester",
    "MK": "Milton Keynes",
    "ML": "Motherwell",
    "N": "London",
    "NE": "Newcastle",
    "NG": "Nottingham",
    "NN": "Northampton",
    "NP": "Newport",
    "NR": "Norwich",
    "NW": "London",
    "OL": "Oldham",
    "OX": "Oxford",
    "PA": "Paisley",
    "PE": "Peterborough",
    "PH": "Perth",
    "PL": "Plymouth",
    "PO": "Portsmouth",
    "PR": "Preston",
    "RG": "Reading",
    "RH": "Redhill",
    "RM": "Romford",
    "S": "Sheffield",
    "SA": "Swansea",
    "SE": "London",
    "SG": "Stevenage",
    "SK": "Stockport",
    "SL": "Slough",
    "SM": "Sutton",
    "SN": "Swindon",
    "SO": "Southampton",
    "SP": "Salisbury",
    "SR": "Sunderland",
    "SS": "Southend",
    "ST": "Stoke-on-Trent",
    "SW": "London",
    "SY": "Shrewsbury",
    "TA": "Taunton",
    "TD": "Galashiels",
    "TF": "Telford",
    "TN": "Tonbridge",
    "TQ": "Torquay",
    "TR": "Truro",
    "TS": "Middlesbrough",
    "TW": "Twickenham",
    "UB": "Southall",
    "W": "London",
    "WA": "Warrington",
    "WC": "London",
    "WD": "Watford",
    "WF": "Wakefield",
    "WN": "Wigan",
    "WR": "Worcester",
    "WS": "Walsall",
    "WV": "Wolverhampton",
    "YO": "York",
}

TEXT_QUERIES = [
    "housing",
    "accommodation",
    "debt advice",
    "mental health",
    "job",
    "employment support",
    "drug treatment",
    "alcohol",
    "women's centre",
    "family",
    "benefits",
    "cv",
    "mentoring",
    "rehab",
    "counselling",
    "hostel",
    "acommodation",
    "emplyment",
    "hous",
    "domestic abuse",
    "training courses",
    "peer support",
    "universal credit",
    "construction",
    "naloxone",
    "night shelter",
    "gp",
    "welfare rights",
    "through the gate",
    "young adults",
]


def outcodes() -> list[tuple[str, float, float]]:
    """(post town, lat, lon) of every postcode district in Great Britain."""
    with OUTCODES.open(newline="") as f:
        rows = [(re.match("[A-Z]*", row["outcode"])[0], row["latitude"], row["longitude"]) for row in csv.DictReader(f)]
    return [(POST_TOWNS[area], float(lat), float(lon)) for area, lat, lon in rows if area in POST_TOWNS]


def nearest_region(lat: float, lon: float) -> str:
    return min(REGIONS, key=lambda r: (REGIONS[r][0] - lat) ** 2 + ((REGIONS[r][1] - lon) * 0.6) ** 2)


def synthetic_services(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``count`` deterministic, realistic-looking service documents."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    places = outcodes()
    pathways, weights = list(PATHWAYS), [p["weight"] for p in PATHWAYS.values()]
    sectors, sector_weights = list(SECTORS), list(SECTORS.values())
    today = dt.date(2025, 3, 1)

    def fill(sentence: str, town: str) -> str:
        return sentence.format(town=town, **{k: rng.choice(v) for k, v in SLOTS.items()})

    for _ in range(count):
        chosen = list(dict.fromkeys(rng.choices(pathways, weights, k=rng.choice([1, 1, 2, 3]))))
        main = PATHWAYS[chosen[0]]
        national = rng.random() < 0.08
        town, lat, lon = rng.choice(places)
        if national:
            town = "England and Wales"
        region = nearest_region(lat, lon)
        sentences = [
            fill(s, town)
            for p in chosen
            for s in rng.sample(PATHWAYS[p]["sentences"], k=min(2, len(PATHWAYS[p]["sentences"])))
        ]
        sentences += [fill(s, town) for s in rng.sample(GENERIC_SENTENCES, k=2)]
        min_age, max_age = rng.choice(
            [(18, None)] * 7 + [(None, None)] * 2 + [(16, None), (18, 25), (50, None), (18, 24)]
        )
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "name": f"{rng.choice(ORG_WORDS) if national or rng.random() < 0.5 else town} {rng.choice(main['names'])}",
            "organisation_name": f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_TYPES)}",
            "description": " ".join(sentences),
            "keywords": rng.sample(main["keywords"], k=min(len(main["keywords"]), rng.randint(1, 4))),
            "pathways": chosen,
            "regions": sorted(REGIONS) if national else [region],
            "cpas": sorted({r[2] for r in REGIONS.values()}) if national else [REGIONS[region][2]],
            "stages": rng.sample(["in-custody", "through-the-gate", "community"], k=rng.randint(1, 3)),
            "eligibility": rng.sample(
                [
                    "women-only",
                    "men-only",
                    "young-adults",
                    "accepts-arson",
                    "accepts-sexual-offences",
                    "no-referral-needed",
                ],
                k=rng.choice([0, 0, 1, 1, 2]),
            ),
            "delivery_modes": rng.sample(["in-person", "phone", "online"], k=rng.randint(1, 3)),
            "sector": rng.choices(sectors, sector_weights)[0],
            "capacity": rng.choices(["accepting", "waiting-list", "full"], [75, 18, 7])[0],
            "access_routes": rng.sample(
                ["self-referral", "professional-referral", "portal-referral"], k=rng.randint(1, 2)
            ),
            "min_age": min_age,
            "max_age": max_age,
            "lat": None if national else round(lat + rng.uniform(-0.02, 0.02), 5),
            "lon": None if national else round(lon + rng.uniform(-0.03, 0.03), 5),
            "postcode": None,
            "last_checked": (today - dt.timedelta(days=rng.randint(0, 1000))).isoformat(),
            "verified": rng.random() < 0.8,
        }


def query_mix(seed: int = 2) -> list[tuple[str, SearchQuery]]:
    """The fixed mix: QUERIES_PER_KIND of each kind, interleaved."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    places = outcodes()
    facets = ["pathway", "region", "cpa", "stage", "eligibility", "delivery_mode", "sector", "capacity", "access_route"]

    def some_filters() -> dict[str, list[str]]:
        options = {
            "region": rng.sample(sorted(REGIONS), k=rng.randint(1, 2)),
            "pathway": rng.sample(list(PATHWAYS), k=rng.randint(1, 2)),
            "delivery_mode": [rng.choice(["in-person", "phone", "online"])],
            "capacity": ["accepting"],
        }
        return {name: options[name] for name in rng.sample(sorted(options), k=rng.randint(1, 2))}

    mix: list[tuple[str, SearchQuery]] = []
    for _ in range(QUERIES_PER_KIND):
        _, lat, lon = rng.choice(places)
        mix += [
            ("text", SearchQuery(text=rng.choice(TEXT_QUERIES))),
            ("text+facets", SearchQuery(text=rng.choice(TEXT_QUERIES), filters=some_filters(), facets=facets)),
            (
                "facets",
                SearchQuery(filters=some_filters(), facets=facets, numeric_filters=rng.choice([{}, {"age": 19}])),
            ),
            (
                "distance",
                SearchQuery(
                    text=rng.choice(["", *TEXT_QUERIES]),
                    geo=(lat, lon, rng.choice([5_000, 10_000, 25_000])),
                    sort="distance",
                    facets=facets,
                ),
            ),
        ]
    return mix


# -- measuring -------------------------------------------------------------------------------------


class Progress:
    """A plain progress bar on stderr, redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.started = label, max(total, 1), time.monotonic()
        self.interactive = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int) -> None:
        step = int((100 if self.interactive else 10) * done / self.total)
        if step == self.shown:
            return
        self.shown = step
        filled = int(30 * done / self.total)
        rate = done / max(time.monotonic() - self.started, 1e-9)
        line = f"  {self.label:<28} [{'#' * filled}{'.' * (30 - filled)}] {done:>7}/{self.total} {rate:8.0f}/s"
        end = "\n" if done >= self.total or not self.interactive else ""
        sys.stderr.write(("\r" if self.interactive else "") + line + end)
        sys.stderr.flush()


def percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def latency(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(percentile(ordered, 95), 2),
        "p99_ms": round(percentile(ordered, 99), 2),
        "max_ms": round(ordered[-1], 2),
    }


def measure(backend: SearchBackend, size: int, label: str) -> dict[str, Any]:
    backend.ensure_index(INDEX)
    upsert_s = time_upserts(backend, size, Progress(f"{label} {size:,} upsert", size))

    started = time.perf_counter()
    backend.rebuild(INDEX, synthetic_services(size), total=size, progress=Progress(f"{label} {size:,} rebuild", size))
    rebuild_s = time.perf_counter() - started
    assert backend.count(INDEX) == size

    started = time.perf_counter()  # cold: builds the embedded backend's in-memory state and vocabulary
    backend.search(INDEX, SearchQuery(text="acommodation", facets=["pathway"]))
    first_search_ms = (time.perf_counter() - started) * 1000

    samples = time_queries(backend, Progress(f"{label} {size:,} queries", 4 * QUERIES_PER_KIND))
    return {
        "backend": label,
        "documents": size,
        "indexing_docs_per_s": round(size / upsert_s),
        "rebuild_s": round(rebuild_s, 1),
        "first_search_ms": round(first_search_ms, 1),
        "latency": {"all": latency([ms for kind in samples.values() for ms in kind])}
        | {kind: latency(ms) for kind, ms in samples.items()},
    }


def time_upserts(backend: SearchBackend, size: int, progress: Progress) -> float:
    """Seconds spent in upsert() (not in generating documents) adding ``size`` documents, 1,000 a call."""
    spent = 0.0
    done = 0
    for batch in batches(synthetic_services(size), 1000):
        started = time.perf_counter()
        backend.upsert(INDEX, batch)
        spent += time.perf_counter() - started
        done += len(batch)
        progress(done)
    return spent


def time_queries(backend: SearchBackend, progress: Progress) -> dict[str, list[float]]:
    """Milliseconds per query of the mix, by kind, after a warm-up."""
    mix = query_mix()
    for _, query in mix[:WARM_UP_QUERIES]:
        backend.search(INDEX, query)
    samples: dict[str, list[float]] = {}
    for n, (kind, query) in enumerate(mix, 1):
        started = time.perf_counter()
        backend.search(INDEX, query)
        samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        progress(n)
    return samples


def backends(names: list[str], stack: ExitStack) -> Iterator[tuple[str, Callable[[], SearchBackend]]]:
    """(name, factory of a fresh empty backend) for each requested backend."""
    for name in names:
        if name == "embedded":
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="search-bench-")))
            yield name, lambda w=workdir: SqliteBackend(w / f"{uuid.uuid4().hex}.sqlite3")
        else:
            server = stack.enter_context(running())
            yield name, lambda s=server: MeiliBackend(s.url, s.master_key, index_prefix=f"b{uuid.uuid4().hex[:6]}_")


def table(results: list[dict[str, Any]]) -> str:
    header = (
        f"{'backend':<9} {'docs':>8} {'index/s':>8} {'rebuild':>8} {'cold':>7} {'kind':<12} "
        f"{'median':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        run = (
            f"{r['backend']:<9} {r['documents']:>8,} {r['indexing_docs_per_s']:>8,} {r['rebuild_s']:>7}s"
            f" {r['first_search_ms']:>5.0f}ms"
        )
        for kind, figures in r["latency"].items():
            ms = " ".join(f"{figures[k]:>7.1f}" for k in ("median_ms", "p95_ms", "p99_ms", "max_ms"))
            lines.append(f"{run} {kind:<12} {ms}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--backends", nargs="+", choices=["embedded", "meili"], default=["embedded", "meili"])
    args = parser.parse_args()

    results = []
    with ExitStack() as stack:
        for name, make in backends(args.backends, stack):
            for size in args.sizes:
                backend = make()
                results.append(measure(backend, size, name))
                if isinstance(backend, SqliteBackend):
                    backend.close()
    print(table(results))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-{dt.date.today().isoformat()}.json"
    out.write_text(
        json.dumps(
            {
                "ran_at": dt.datetime.now().isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
                "queries_per_kind": QUERIES_PER_KIND,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
