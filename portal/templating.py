"""Template filters and globals: navigation by role, dates in GOV.UK style."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user

from portal import policy
from portal.accounts.roles import Role

LONDON = ZoneInfo("Europe/London")


def govuk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
        return f"{value.day} {value:%B %Y} at {value:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")
    return f"{value.day} {value:%B %Y}"


def navigation() -> list[dict]:
    """Service navigation items for the signed-in user's role."""
    items = [("main.home", "Home"), ("directory.search", "Find services")]
    if current_user.is_authenticated:
        items = [("main.dashboard", "Dashboard"), ("directory.search", "Find services")]
        if policy.can(current_user, "listing.list", current_user.organisation):
            items.append(("directory.my_listings", "Your listings"))
        items += campus_navigation()
        if current_user.role == Role.ADMIN:
            items.append(("admin.organisations", "Administration"))
            items.append(("directory.review_queue", "Listings to check"))
        items.append(("accounts.account", "Your account"))
    return [{"href": url_for(endpoint), "text": text, "active": request.endpoint == endpoint}
            for endpoint, text in items]


def campus_navigation() -> list[tuple[str, str]]:
    """Virtual Campus entries for staff (learners have their own layout and navigation)."""
    items = []
    if policy.can(current_user, "campus.manage_learners"):
        items.append(("campus.staff_home", "Virtual Campus"))
    if policy.can(current_user, "campus.inbox"):
        items.append(("campus.inbox", "Campus messages"))
    if policy.can(current_user, "campus.content.write"):
        items.append(("campus.manage_content", "Campus content"))
    return items


def init_app(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_global(navigation, "navigation")
