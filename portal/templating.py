"""Template filters and globals: navigation by role, dates in GOV.UK style."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
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


def number(value, places: int = 6) -> str:
    """An exact number as people write it: 10, 7.5, 0.45, 1,250 (never 1E+1), rounded to `places` decimals."""
    if value is None:
        return ""
    exact = Decimal(str(value)) if not isinstance(value, Fraction) else Decimal(value.numerator) / value.denominator
    text = f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(value, places: int = 2) -> str:
    """A percentage: 10%, 7.5%, 12.25%."""
    return "" if value is None else f"{number(value, places)}%"


def navigation() -> list[dict]:
    """Service navigation items for the signed-in user's role."""
    items = [("main.home", "Home"), ("directory.search", "Find services"), ("employers.alliance", "Corporate Alliance")]
    if current_user.is_authenticated:
        items = [("main.dashboard", "Dashboard"), ("directory.search", "Find services")]
        if policy.can(current_user, "referral.list"):
            items.append(("referrals.dashboard", "Referrals"))
        if policy.can(current_user, "listing.list", current_user.organisation):
            items.append(("directory.my_listings", "Your listings"))
        if policy.can(current_user, "eoi.own", current_user.organisation):
            items.append(("supply_chain.my_expression", "Expression of interest"))
        if policy.can(current_user, "supply_chain.manage"):
            items.append(("supply_chain.partners", "Find partners"))
            items.append(("supply_chain.supply_chain", "Your supply chain"))
        if policy.can(current_user, "opportunity.find") and current_user.role != Role.EMPLOYER:
            items.append(("employers.find", "Find opportunities"))
        if policy.can(current_user, "alliance.view_own", current_user.organisation):
            items.append(("employers.my_opportunities", "Your opportunities"))
        if policy.can(current_user, "nomination.list"):
            items.append(("employers.nominations", "Nominations"))
        if current_user.organisation and policy.can(current_user, "referral.reports", current_user.organisation):
            items.append(("referrals.report", "Referral report"))
        if policy.can(current_user, "funding.manage", current_user.organisation):
            items.append(("funding.dashboard", "Funding"))
        items += campus_navigation()
        if current_user.role == Role.ADMIN:
            items.append(("admin.organisations", "Administration"))
            items.append(("directory.review_queue", "Listings to check"))
            items.append(("supply_chain.review_queue", "Expressions of interest"))
            items.append(("referrals.admin_tools", "Referral records"))
        items.append(("accounts.account", "Your account"))
    return [{"href": url_for(endpoint), "text": text, "active": request.endpoint == endpoint}
            for endpoint, text in items]


def may(action: str, obj=None) -> bool:
    """Whether the signed-in user may do `action` (to `obj`): lets a template offer only what the policy allows."""
    return policy.can(current_user, action, obj)

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
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_global(navigation, "navigation")
    app.add_template_global(may, "may")
