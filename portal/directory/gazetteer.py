"""The place names search understands (search/settings/places.csv), made from the directory's own place data.

Each post town and county of `vocabulary` is placed at the mean centre of its postcode districts
(data/uk-outcodes.csv), and every district of England and Wales is listed by itself ("LS1"). The search
library reads the file; it never imports the portal. `flask search places` rewrites it, and
tests/directory/test_gazetteer.py fails when the checked-in file is out of date.
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from portal.directory import vocabulary

OUTCODES_CSV = Path(__file__).parent / "data" / "uk-outcodes.csv"
PLACES_CSV = Path(__file__).resolve().parents[2] / "search" / "settings" / "places.csv"

# Short names people type for places whose post town is longer.
ALIASES = {
    "Newcastle upon Tyne": ["Newcastle"], "Stoke-on-Trent": ["Stoke"], "Southend-on-Sea": ["Southend"],
    "Kingston upon Thames": ["Kingston"], "Leamington Spa": ["Leamington"], "Hemel Hempstead": ["Hemel"],
    "Burton upon Trent": ["Burton"], "Staines-upon-Thames": ["Staines"], "Berwick-upon-Tweed": ["Berwick"],
    "Middlesbrough": ["Teesside", "Boro"], "Hull": ["Kingston upon Hull"], "Llandudno": ["North Wales"],
}
# Towns (and London boroughs and neighbourhoods) that are not post towns, by their main postcode districts.
OTHER_TOWNS = {
    "Burnley": "BB10 BB11 BB12", "Rochdale": "OL11 OL12 OL16", "Salford": "M5 M6 M7", "Gateshead": "NE8 NE9",
    "Stockton-on-Tees": "TS18 TS19 TS20", "Hartlepool": "TS24 TS25 TS26", "Scarborough": "YO11 YO12",
    "Worthing": "BN11 BN12 BN13", "Eastbourne": "BN20 BN21 BN22", "Gillingham": "ME7 ME8", "Margate": "CT9",
    "Dover": "CT16 CT17", "Folkestone": "CT19 CT20", "Ashford": "TN23 TN24", "Poole": "BH12 BH14 BH15",
    "Weymouth": "DT3 DT4", "Barnstaple": "EX31 EX32", "Cheltenham": "GL50 GL51 GL52", "Kettering": "NN15 NN16",
    "Corby": "NN17 NN18", "Loughborough": "LE11", "Yeovil": "BA20 BA21", "Weston-super-Mare": "BS22 BS23 BS24",
    "Merthyr Tydfil": "CF47", "Bridgend": "CF31 CF32", "Llanelli": "SA14 SA15", "Rhyl": "LL18", "Bangor": "LL57",
    "Bury": "BL8 BL9", "Widnes": "WA8", "Runcorn": "WA7", "Macclesfield": "SK10 SK11", "Harlow": "CM17 CM18 CM20",
    "Basildon": "SS13 SS14 SS15", "Barrow-in-Furness": "LA13 LA14", "Kendal": "LA9", "Workington": "CA14",
    "Whitehaven": "CA28", "Keighley": "BD20 BD21 BD22", "Dewsbury": "WF12 WF13", "Pontefract": "WF8",
    "Castleford": "WF10", "Selby": "YO8", "Redcar": "TS10", "Great Yarmouth": "NR30 NR31", "Lowestoft": "NR32 NR33",
    "Stafford": "ST16 ST17", "Newcastle-under-Lyme": "ST5", "West Bromwich": "B70 B71", "Aylesbury": "HP19 HP20 HP21",
    "Sittingbourne": "ME9 ME10", "Horsham": "RH12 RH13", "Woking": "GU21 GU22", "Brixton": "SW2 SW9",
    "Hackney": "E5 E8 E9", "Camden": "NW1 NW5", "Islington": "N1 N7", "Lambeth": "SE11 SW8", "Southwark": "SE1 SE5",
    "Tottenham": "N15 N17", "Brent": "NW10 HA9", "Lewisham": "SE13", "Peckham": "SE15", "Stratford": "E15",
    "Wandsworth": "SW18", "Hammersmith": "W6", "Ealing": "W5 W13", "Scunthorpe": "DN15 DN16", "Bolton": "BL1 BL3",
}
# Post towns whose lowest-numbered districts are not the town itself
CENTRES = {"Newport": "NP19 NP20", "Llandudno": "LL30",
           "Wirral": "CH60 CH61 CH62 CH63", "Newcastle upon Tyne": "NE1 NE2 NE4"}
OTHER_TOWNS |= CENTRES
TOWN_CENTRE_DISTRICTS = 3
# Place names that are also ordinary words: a place only when typed with a capital ("Reading", not "reading").
AMBIGUOUS = {"Reading", "Bath", "Rugby", "Grays", "Wirral", "Sutton", "Deeside", "Newport"}
TOWN_RADIUS_M = 25_000
COUNTY_RADIUS_M = 45_000
DISTRICT_RADIUS_M = 15_000


def rows() -> list[tuple[str, str, float, float, int]]:
    """(name, kind, latitude, longitude, radius in metres), sorted; kind is town, county, alias or district."""
    towns: dict[tuple[str, str], list[tuple[int, tuple[float, float]]]] = defaultdict(list)
    counties: dict[str, list[tuple[float, float]]] = defaultdict(list)
    districts = []
    centres: dict[str, tuple[float, float]] = {}
    with OUTCODES_CSV.open(newline="") as source:
        for row in csv.DictReader(source):
            area = vocabulary.locate_outcode(row["outcode"])
            if area is None:
                continue
            point = (float(row["latitude"]), float(row["longitude"]))
            towns[area.town, area.county].append((_number(row["outcode"]), point))
            counties[area.county].append(point)
            districts.append((row["outcode"], "district", *point, DISTRICT_RADIUS_M))
            centres[row["outcode"]] = point
    for town, spec in OTHER_TOWNS.items():
        if town in CENTRES or town not in {name for name, _ in towns}:
            points = [(0, centres[d]) for d in spec.split() if d in centres]
            towns = {k: v for k, v in towns.items() if k[0] != town}
            towns[town, "other"] = points
    by_name: dict[str, list[tuple[float, float]]] = {}
    for (name, _), numbered in sorted(towns.items(), key=lambda kv: len(kv[1])):
        # A post town's area can reach far beyond it (SA: Swansea to Pembrokeshire): its lowest-numbered
        # districts are its centre. Two towns of one name (Newport): the one with more districts.
        by_name[name] = [point for _, point in sorted(numbered)[:TOWN_CENTRE_DISTRICTS]]
    found = []
    for kind, places, radius in (("town", by_name, TOWN_RADIUS_M), ("county", counties, COUNTY_RADIUS_M)):
        for name, points in places.items():
            if kind == "county" and name in by_name:
                continue
            lat = round(sum(p[0] for p in points) / len(points), 4)
            lon = round(sum(p[1] for p in points) / len(points), 4)
            found.append((name, kind + ("-ambiguous" if name in AMBIGUOUS else ""), lat, lon, radius))
            for alias in ALIASES.get(name, []):
                found.append((alias, "alias", lat, lon, radius))
    return sorted(found) + sorted(districts)


def _number(outcode: str) -> int:
    digits = re.match(r"[A-Z]+(\d+)", outcode)
    return int(digits.group(1)) if digits else 999


def render() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "kind", "latitude", "longitude", "radius_m"])
    writer.writerows(rows())
    return out.getvalue()


def write(path: Path = PLACES_CSV) -> int:
    text = render()
    path.write_text(text, encoding="utf-8")
    return text.count("\n") - 1
