"""Read pages the way a person does: headings, error summaries, field errors, links."""
from __future__ import annotations

from bs4 import BeautifulSoup


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def h1(response) -> str:
    return page(response).find("h1").get_text(" ", strip=True)


def title(response) -> str:
    return page(response).title.get_text(strip=True)


def error_summary(response) -> list[str]:
    summary = page(response).select_one(".govuk-error-summary")
    return [li.get_text(" ", strip=True) for li in summary.select("li")] if summary else []


def field_error(response, field_id: str) -> str | None:
    soup = page(response)
    error = soup.find(id=f"{field_id}-error")
    return error.get_text(" ", strip=True).removeprefix("Error:").strip() if error else None


def banner(response) -> str:
    found = page(response).select_one(".govuk-notification-banner")
    return found.get_text(" ", strip=True) if found else ""


def csrf_token(response) -> str:
    return page(response).find("input", {"name": "csrf_token"})["value"]
