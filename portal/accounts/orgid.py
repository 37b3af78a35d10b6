"""Organisation identifiers in the org-id.guide form (`GB-CHC-1123456`): a list code (prefix) from the register,
a hyphen, then the organisation's identifier on that list.

Every open-data output (the Open Referral UK feed, OCDS and 360Giving) takes an organisation's identifier from
the same place: its charity and company numbers and other recorded identifiers (`OrganisationIdentifier`), in
the order of `PREFERENCE`. Identifiers typed in for someone else (a funder, a buyer) are checked against the
register's list codes shipped in `data/org-id-prefixes.txt` (an extract of the register, with its licence
note).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PREFIXES_FILE = Path(__file__).parent / "data" / "org-id-prefixes.txt"
# Which of an organisation's identifiers stands for it when it has several: charity registers first (360Giving's
# guidance for charities), then company numbers, then anything else alphabetically.
PREFERENCE = ("GB-CHC", "GB-SC", "GB-NIC", "GB-COH", "GB-GOR", "GB-LAE", "GB-LAS", "GB-LANI", "GB-EDU", "GB-NHS")
GOOD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_:-]*$")
# The registers whose numbers have one shape, checked as 360Giving's data quality checks check them: Charity
# Commission numbers are 6 or 7 digits, Companies House numbers 8 characters (digits, or two letters and six digits)
SHAPES = {"GB-CHC": (r"\d{6,7}", "Enter the charity number after GB-CHC- as 6 or 7 digits, like GB-CHC-1123456"),
          "GB-COH": (r"\d{8}|[A-Z]{2}\d{6}",
                     "Enter the company number after GB-COH- as 8 characters, like GB-COH-01234567 or GB-COH-SC123456")}


@cache
def prefixes() -> frozenset[str]:
    lines = PREFIXES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().upper() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class OrgId:
    scheme: str  # the register's list code, like GB-CHC
    identifier: str  # the identifier on that list, like 1123456

    def __str__(self) -> str:
        return f"{self.scheme}-{self.identifier}"


def parse(text: str) -> OrgId:
    """`GB-COH-01234567` -> OrgId('GB-COH', '01234567'). Raises ValueError with a message for a person when
    the text does not start with a list code in the register or has nothing after it."""
    value = (text or "").strip().replace(" ", "")
    upper = value.upper()
    # The longest list code that starts the text (GB-GOVUK before GB-GOV)
    scheme = max((p for p in prefixes() if upper.startswith(p + "-")), key=len, default=None)
    if scheme is None:
        raise ValueError("Enter an organisation identifier that starts with a list code from org-id.guide, "
                         "like GB-CHC-1123456 for a charity, GB-COH-01234567 for a company or GB-GOR-D18 for a "
                         "government department")
    rest = value[len(scheme) + 1:]
    if not rest or not GOOD_ID.match(rest):
        raise ValueError(f"Enter the identifier after {scheme}-, using letters, numbers and hyphens only")
    if scheme in SHAPES and not re.fullmatch(SHAPES[scheme][0], rest, flags=re.IGNORECASE):
        raise ValueError(SHAPES[scheme][1])
    return OrgId(scheme, rest.upper() if scheme == "GB-COH" else rest)


def normalise(text: str) -> str:
    """The identifier as it is stored and published: the list code in capitals, then the identifier as typed."""
    return str(parse(text)) if (text or "").strip() else ""


def of(organisation) -> OrgId | None:
    """The identifier that stands for an organisation in open data, or None when none is recorded."""
    known = [OrgId(i.scheme.upper(), i.identifier) for i in organisation.identifiers if i.identifier]
    if not known:
        return None
    rank = {scheme: n for n, scheme in enumerate(PREFERENCE)}
    return min(known, key=lambda o: (rank.get(o.scheme, len(rank)), o.scheme, o.identifier))


def all_of(organisation) -> list[OrgId]:
    """Every recorded identifier, the one that stands for the organisation first."""
    first = of(organisation)
    others = sorted((OrgId(i.scheme.upper(), i.identifier) for i in organisation.identifiers if i.identifier),
                    key=lambda o: (o.scheme, o.identifier))
    return [first, *(o for o in others if o != first)] if first else []
