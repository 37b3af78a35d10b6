"""View models for campus pages. What a learner sees of the directory is decided here: names and descriptions
only, with any web address, email address or phone number taken out (a learner's first approach is always a
checked message)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import make_response, url_for
from sqlalchemy import select

from portal.campus import contact_filter, operations, rendering
from portal.campus.models import (
    TOPICS,
    ContentImage,
    KioskSession,
    Learner,
    Lesson,
    Message,
)
from portal.database import utcnow
from portal.directory import vocabulary
from portal.employers import operations as employers
from portal.extensions import db
from portal.forms import choices
from portal.storage import storage
from portal.templating import LONDON

SUMMARY_CHARS = 240


def without_addresses(text: str) -> str:
    """Text for a learner: each sentence with contact details or a web address replaced, as the campus contact
    filter finds them (they write through checked messages)."""
    return contact_filter.redacted(text or "")


def _summary(text: str) -> str:
    text = " ".join(without_addresses(text).split())
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"


def clock(value: datetime) -> str:
    return value.astimezone(LONDON).strftime("%-I:%M%p").lower()


def minutes_left(kiosk: KioskSession) -> int:
    return max(0, int((kiosk.expires_at - utcnow()).total_seconds() // 60))


# --- Home and learning ---

@dataclass
class Tile:
    title: str
    href: str
    description: str


@dataclass
class LearnerHome:
    name: str
    ends_at: str
    minutes_left: int
    tiles: list[Tile]
    unread: int


def learner_home(learner: Learner, kiosk: KioskSession) -> LearnerHome:
    unread = sum(1 for m in operations.learner_messages(learner.user) if not m.from_learner and m.read_at is None)
    return LearnerHome(
        name=learner.name, ends_at=clock(kiosk.expires_at), minutes_left=minutes_left(kiosk), unread=unread,
        tiles=[
            Tile("Learning and advice", url_for("campus.learning"),
                 "Careers, writing a CV, money and debt, family, housing on release, and courses"),
            Tile("Your CV", url_for("campus.cv"), "Write your CV and make a PDF to share"),
            Tile("Market place", url_for("campus.market"),
                 "Services and opportunities where you will live after release"),
            Tile("Messages", url_for("campus.messages"),
                 "Write to organisations. Staff check every message before it is delivered"),
        ])


@dataclass
class TopicGroup:
    name: str
    items: list = field(default_factory=list)


def library(progress: list[operations.ItemProgress]) -> list[TopicGroup]:
    groups = {code: TopicGroup(name) for code, name in TOPICS.items()}
    for entry in progress:
        groups[entry.item.topic].items.append(entry)
    return [group for group in groups.values() if group.items]


def next_lesson(lesson: Lesson) -> Lesson | None:
    lessons = lesson.content.lessons
    index = lessons.index(lesson)
    return lessons[index + 1] if index + 1 < len(lessons) else None


def image_file(public_id: str) -> tuple[bytes, str] | None:
    image = db.session.scalar(select(ContentImage).where(ContentImage.public_id == public_id))
    if image is None:
        return None
    data = storage().get(rendering.image_key(image.public_id))
    return (data, image.media_type) if data is not None else None


def pdf_response(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The market place ---

def pathway_choices():
    return choices([("", "Any kind of help"), *vocabulary.RESETTLEMENT_PATHWAYS.items()])


@dataclass
class MarketItem:
    name: str
    organisation: str
    summary: str
    href: str


@dataclass
class Market:
    area: str
    total: int
    services: list[MarketItem]
    opportunities: list


def market(learner: Learner, result, opportunities: list) -> Market:
    offers = [MarketItem(name=without_addresses(o.title), organisation=o.organisation.name,
                         summary=_summary(o.description),
                         href=url_for("campus.write", organisation_id=o.organisation.public_id,
                                      opportunity=o.public_id)) for o in opportunities]
    services = []
    for hit in (result.hits if result else []):
        doc = hit.document
        services.append(MarketItem(name=doc.get("name", ""), organisation=doc.get("organisation_name", ""),
                                   summary=_summary(doc.get("description", "")),
                                   href=url_for("campus.market_service", service_uuid=hit.id)))
    return Market(area=operations.release_area_label(learner.release_area), total=result.total if result else 0,
                  services=services, opportunities=offers)


@dataclass
class MarketService:
    name: str
    organisation: str
    description: str
    areas: list[str]
    write_href: str | None  # None when nobody at the organisation reads campus messages


def market_service(service) -> MarketService:
    document = service.document or {}
    towns = sorted({(sal.get("location") or {}).get("addresses", [{}])[0].get("city", "")
                    for sal in document.get("service_at_locations") or []} - {""})
    return MarketService(name=service.name, organisation=service.organisation.name,
                         description=without_addresses(document.get("description", "")), areas=towns,
                         write_href=url_for("campus.write", organisation_id=service.organisation.public_id,
                                            service=service.uuid)
                         if operations.reads_campus_messages(service.organisation) else None)


def interest_subject(service_uuid: str, organisation, opportunity_id: str = "") -> str:
    if opportunity_id:
        opportunity = employers.opportunity_by_public_id(opportunity_id)
        return f"Interested in {opportunity.title}" if opportunity and opportunity.organisation_id == \
            organisation.id else ""
    if not service_uuid:
        return ""
    try:
        service = operations.market_service(service_uuid)
    except Exception:  # noqa: BLE001 - a stale link just leaves the subject empty
        return ""
    return f"Interested in {service.name}" if service.organisation_id == organisation.id else ""


# --- Messages ---

@dataclass
class Conversation:
    organisation_name: str
    href: str
    count: int
    last_at: datetime
    waiting: int
    unread: int


def conversations(messages: list[Message]) -> list[Conversation]:
    grouped: dict[int, list[Message]] = {}
    for message in messages:
        grouped.setdefault(message.organisation_id, []).append(message)
    out = [Conversation(thread[0].organisation.name,
                        url_for("campus.conversation", organisation_id=thread[0].organisation.public_id),
                        len(thread), thread[-1].sent_at, sum(1 for m in thread if m.state == "waiting"),
                        sum(1 for m in thread if not m.from_learner and m.read_at is None))
           for thread in grouped.values()]
    return sorted(out, key=lambda c: c.last_at, reverse=True)
