"""The Corporate Alliance's fixed lists: levels, pledges, kinds of opportunity, industries, nomination steps."""
from __future__ import annotations

from dataclasses import dataclass

LEVELS: dict[int, str] = {
    1: "Level 1: supporting",
    2: "Level 2: training and placements",
    3: "Level 3: recruiting",
}
LEVEL_DESCRIPTIONS: dict[int, str] = {
    1: "Donating materials for training, and staff time for interview practice, CV preparation and mentoring.",
    2: "Designing and delivering training programmes, including paid work placements.",
    3: "Recruiting directly from prisons and probation, including guaranteed interviews.",
}

# What an employer can pledge, and the lowest level at which each pledge makes sense.
PLEDGE_KINDS: dict[str, str] = {
    "donate": "Donate materials for training",
    "staff-time": "Give staff time (interview practice, CV preparation, mentoring)",
    "train": "Design and deliver training",
    "place": "Offer work placements",
    "recruit": "Recruit people from prison or probation",
}
PLEDGE_LEVEL: dict[str, int] = {"donate": 1, "staff-time": 1, "train": 2, "place": 2, "recruit": 3}

OPPORTUNITY_KINDS: dict[str, str] = {
    "guaranteed-interview": "Guaranteed interview",
    "work-placement": "Work placement",
    "training": "Training programme",
    "mentoring": "Mentoring",
    "donation": "Donation of materials or staff time",
}
# Kinds a person can be nominated for (donations are offered to prisons and providers, not to a person).
NOMINATABLE = ("guaranteed-interview", "work-placement", "training", "mentoring")

INDUSTRIES: dict[str, str] = {
    "construction": "Construction and trades",
    "hospitality": "Hospitality and catering",
    "logistics": "Logistics, warehousing and driving",
    "manufacturing": "Manufacturing and engineering",
    "retail": "Retail and customer service",
    "facilities": "Cleaning, facilities and security",
    "digital": "Digital and technology",
    "land": "Farming, horticulture and grounds",
    "health-care": "Health and social care",
    "office": "Office, finance and administration",
    "other": "Other",
}

CONSENT_METHODS: dict[str, str] = {
    "in-person": "In person",
    "in-writing": "In writing",
    "phone": "By phone",
    "video": "By video call",
}


@dataclass(frozen=True)
class Step:
    label: str  # what the step is called in lists and history
    action: str  # the button that records it
    date_label: str  # the question asking for its date
    parties: frozenset[str]  # who may record it: "employer", "practitioner"


EMPLOYER, PRACTITIONER = "employer", "practitioner"
BOTH = frozenset({EMPLOYER, PRACTITIONER})

STEPS: dict[str, Step] = {
    "nominated": Step("Nominated", "Nominate", "Date nominated", frozenset({PRACTITIONER})),
    "interview-offered": Step("Interview offered", "Offer an interview", "Date of the interview",
                              frozenset({EMPLOYER})),
    "interview-held": Step("Interview held", "Record that the interview was held", "Date the interview was held",
                           frozenset({EMPLOYER})),
    "job-offered": Step("Job offered", "Record a job offer", "Date the job was offered", frozenset({EMPLOYER})),
    "started": Step("Started work", "Record that they started work", "Date they started", BOTH),
    "retained": Step("Still employed at six months", "Confirm they are still employed after six months",
                     "Date confirmed", BOTH),
    "closed": Step("Closed", "Close this nomination", "Date closed", BOTH),
}

# The state machine: from each state, the steps that may follow. "closed" may follow any open state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "nominated": ("interview-offered", "closed"),
    "interview-offered": ("interview-held", "closed"),
    "interview-held": ("job-offered", "closed"),
    "job-offered": ("started", "closed"),
    "started": ("retained", "closed"),
    "retained": (),
    "closed": (),
}
FINAL = frozenset({"retained", "closed"})
# States from which the employer sees what the person agreed to share once an interview is offered.
INTERVIEW_STAGE = frozenset({"interview-offered", "interview-held", "job-offered", "started", "retained"})

CLOSE_REASONS: dict[str, str] = {
    "not-shortlisted": "The employer did not offer an interview",
    "withdrew": "The person withdrew",
    "did-not-attend": "The person did not attend",
    "not-offered": "No job was offered after the interview",
    "offer-declined": "The person declined the offer",
    "left-job": "The person left the job",
    "recalled": "The person was recalled or moved",
    "opportunity-closed": "The opportunity closed",
    "other": "Another reason",
}

RETENTION_DAYS = 182  # six months after the start date
