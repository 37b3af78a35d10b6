"""Supply-chain vocabularies as plain data: what an Expression of Interest declares, and the facets the partner
database searches on. Pathways, regions, contract package areas and sectors come from the reference lists."""
from __future__ import annotations

from portal.reference import data as reference

PATHWAYS: dict[str, str] = {slug: name for slug, name, _, _ in reference.PATHWAYS}
REGIONS: dict[str, str] = dict(reference.REGIONS)
CONTRACT_PACKAGE_AREAS: dict[str, str] = {slug: name for slug, name, _ in reference.CONTRACT_PACKAGE_AREAS}
SECTORS: dict[str, str] = dict(reference.SECTORS)

SPECIALISMS: dict[str, str] = {
    "women": "Women",
    "young-adults": "Young adults (18 to 25)",
    "bame": "Black and minority ethnic communities",
    "faith-based": "Faith-based",
    "veterans": "Veterans",
    "restorative-justice": "Restorative justice",
    "mentoring": "Mentoring",
    "service-user-involvement": "Service-user involvement",
    "mental-health": "Mental health",
    "learning-disabilities": "Learning disabilities and difficulties",
    "foreign-nationals": "Foreign nationals",
    "lgbt": "Lesbian, gay, bisexual and trans people",
    "families": "Families of people in prison",
    "arts": "Arts and creative work",
    "sport": "Sport and physical activity",
}
SETTINGS: dict[str, str] = {
    "in-custody": "In custody",
    "through-the-gate": "Through the gate",
    "community": "In the community",
}
INCOME_BANDS: dict[str, str] = {  # the NCVO size bands, by annual income
    "micro": "Under £10,000",
    "small": "£10,000 to £100,000",
    "medium": "£100,000 to £1 million",
    "large": "£1 million to £10 million",
    "major": "Over £10 million",
}
RISK_APPETITES: dict[str, str] = {
    "none": "None: paid for the service we deliver",
    "share": "A share of the payment-by-results risk",
    "full": "Full payment-by-results risk",
}
DOCUMENT_KINDS: dict[str, str] = {
    "case-study": "Case study",
    "quality-mark": "Quality mark or accreditation",
    "outcomes": "Outcomes data",
    "reference": "Reference",
    "safeguarding": "Safeguarding policy",
    "data-protection": "Data protection policy",
    "insurance": "Insurance certificate",
    "other": "Other evidence",
}
YES_NO: dict[str, str] = {"yes": "Yes", "no": "No"}


class Facet:
    """A filter of the partner database: its query parameter, legend and terms."""

    def __init__(self, name: str, legend: str, terms: dict[str, str], many: bool):
        self.name, self.legend, self.terms, self.many = name, legend, terms, many


# Facet name -> Facet. Every facet's values are kept as tags on a version, so one query shape filters and counts.
FACETS: dict[str, Facet] = {facet.name: facet for facet in (
    Facet("cpa", "Contract package area", CONTRACT_PACKAGE_AREAS, True),
    Facet("region", "Region", REGIONS, True),
    Facet("pathway", "Resettlement pathway", PATHWAYS, True),
    Facet("specialism", "Specialism", SPECIALISMS, True),
    Facet("setting", "Setting", SETTINGS, True),
    Facet("sector", "Sector", SECTORS, False),
    Facet("size", "Size (annual income)", INCOME_BANDS, False),
    Facet("risk", "Appetite for payment-by-results risk", RISK_APPETITES, False),
)}
# Which answer each facet is read from.
FACET_ANSWERS = {"cpa": "cpas", "region": "regions", "pathway": "pathways", "specialism": "specialisms",
                 "setting": "settings", "sector": "sector", "size": "income_band", "risk": "risk_appetite"}
