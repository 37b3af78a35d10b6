"""The canonical reference lists. The first migration loads them; code reads them from here or the tables."""
from __future__ import annotations

import csv
from pathlib import Path

# (slug, name, description, women's pathway?)
PATHWAYS: list[tuple[str, str, str, bool]] = [
    ("accommodation", "Accommodation",
     "Somewhere safe and stable to live on release: emergency beds, supported housing, tenancy help.", False),
    ("education-training-employment", "Education, training and employment",
     "Skills, qualifications, work experience and jobs, inside and after prison.", False),
    ("health", "Health", "Physical and mental health care, registering with a GP, continuity of treatment.", False),
    ("drugs-alcohol", "Drugs and alcohol", "Treatment and recovery support for drug and alcohol misuse.", False),
    ("finance-benefit-debt", "Finance, benefit and debt",
     "Bank accounts, benefit claims on release, budgeting and debt advice.", False),
    ("children-families", "Children and families",
     "Keeping and rebuilding family ties, parenting support, help for families of people in prison.", False),
    ("attitudes-thinking-behaviour", "Attitudes, thinking and behaviour",
     "Programmes and mentoring that help people change the thinking behind offending.", False),
    ("women-abuse-violence", "Support for women who have been abused, raped or experienced domestic violence",
     "Specialist, women-only support for survivors of abuse, rape and domestic violence.", True),
    ("women-sex-work", "Support for women who have been involved in prostitution",
     "Specialist, non-judgemental support for women who have been involved in prostitution.", True),
]

REGIONS: list[tuple[str, str]] = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
]

# The 21 contract package areas of the 2013 Transforming Rehabilitation reforms: (slug, name, region slug)
CONTRACT_PACKAGE_AREAS: list[tuple[str, str, str]] = [
    ("northumbria", "Northumbria", "north-east"),
    ("durham-tees-valley", "Durham Tees Valley", "north-east"),
    ("cumbria-lancashire", "Cumbria and Lancashire", "north-west"),
    ("merseyside", "Merseyside", "north-west"),
    ("cheshire-greater-manchester", "Cheshire and Greater Manchester", "north-west"),
    ("humberside-lincolnshire-north-yorkshire", "Humberside, Lincolnshire and North Yorkshire", "yorkshire-humber"),
    ("south-yorkshire", "South Yorkshire", "yorkshire-humber"),
    ("west-yorkshire", "West Yorkshire", "yorkshire-humber"),
    ("derbyshire-leicestershire-nottinghamshire-rutland",
     "Derbyshire, Leicestershire, Nottinghamshire and Rutland", "east-midlands"),
    ("staffordshire-west-midlands", "Staffordshire and West Midlands", "west-midlands"),
    ("warwickshire-west-mercia", "Warwickshire and West Mercia", "west-midlands"),
    ("bedfordshire-northamptonshire-cambridgeshire-hertfordshire",
     "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire", "east-of-england"),
    ("essex", "Essex", "east-of-england"),
    ("norfolk-suffolk", "Norfolk and Suffolk", "east-of-england"),
    ("london", "London", "london"),
    ("hampshire-isle-of-wight", "Hampshire and Isle of Wight", "south-east"),
    ("kent-surrey-sussex", "Kent, Surrey and Sussex", "south-east"),
    ("thames-valley", "Thames Valley", "south-east"),
    ("bristol-gloucestershire-somerset-wiltshire", "Bristol, Gloucestershire, Somerset and Wiltshire", "south-west"),
    ("dorset-devon-cornwall", "Dorset, Devon and Cornwall", "south-west"),
    ("wales", "Wales", "wales"),
]

# The twelve probation regions of England and Wales (2021 onwards): (slug, name)
PROBATION_REGIONS: list[tuple[str, str]] = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("greater-manchester", "Greater Manchester"),
    ("yorkshire-humber", "Yorkshire and the Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("kent-surrey-sussex", "Kent, Surrey and Sussex"),
    ("south-central", "South Central"),
    ("south-west", "South West"),
    ("wales", "Wales"),
]

# The prisons of England and Wales: (code, name, region slug), from prisons.csv beside this file (see
# portal/reference/README.md for its source, licence and how to keep it current)
PRISONS_CSV = Path(__file__).with_name("prisons.csv")


def _read_prisons() -> list[tuple[str, str, str]]:
    with PRISONS_CSV.open(newline="", encoding="utf-8") as rows:
        return [(row["code"], row["name"], row["region"]) for row in csv.DictReader(rows)]


PRISONS: list[tuple[str, str, str]] = _read_prisons()

SECTORS: list[tuple[str, str]] = [
    ("public", "Public sector"),
    ("private", "Private sector"),
    ("voluntary-community", "Voluntary and community sector"),
    ("social-enterprise", "Social enterprise"),
]
