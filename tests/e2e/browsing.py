"""Drive the portal the way a person does, and check every page they reach.

Each navigation helper (`visit`, `follow_link`, `press_button`) waits for the new page and then runs `check_page`:
axe-core against WCAG 2.0, 2.1 and 2.2 A and AA, "no page may load anything from another host", and no uncaught
JavaScript errors. The `new_page` and `page` fixtures also fail a test that reached a page without checking it,
so a journey cannot skip the checks by clicking something directly.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Locator, Page, Response

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
LOCAL_SCHEMES = {"data", "blob", "about"}  # never leave the browser



@dataclass
class Watch:
    """What one tab did: every request it made, every document it loaded, and how many of those were checked."""

    host: str
    requests: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    checked: int = 0

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != self.host]

    def unchecked_documents(self) -> list[str]:
        return self.documents[self.checked:]


_watches: weakref.WeakKeyDictionary[Page, Watch] = weakref.WeakKeyDictionary()


def watch(page: Page, host: str) -> Watch:
    """Start recording a new tab's requests and page loads (the `new_page` fixture does this for every tab)."""
    recorder = Watch(host)
    page.on("request", lambda request: recorder.requests.append(request.url))
    page.on("load", lambda loaded: recorder.documents.append(loaded.url))
    page.on("pageerror", lambda error: recorder.script_errors.append(f"{page.url}: {error}"))
    _watches[page] = recorder
    return recorder


def preload_axe(context: BrowserContext) -> BrowserContext:
    """Put axe-core into every document the context opens, as it starts (measured: 115 to 167 ms of the machine's
    CPU a checked page, against 190 when each page had it put in afterwards)."""
    context.add_init_script(AXE_SCRIPT)
    return context


def axe_violations(page: Page, options: dict) -> list[dict]:
    """axe-core's violations on the page as it is now. axe is put into a document that lacks it (a context without
    `preload_axe`), and only the violations come back: the rest of axe's results, every rule that passed or did
    not apply, cost more to send than the run itself."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate("options => axe.run(document, options).then(results => results.violations)", options)


def check_a11y(page: Page) -> None:
    """Run axe-core on the page as it is now; fail listing every WCAG A/AA violation."""
    violations = axe_violations(page, AXE_OPTIONS)
    if violations:
        lines = [f"{len(violations)} accessibility violation(s) on {page.url} ({page.title()!r}):"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            for node in violation["nodes"]:
                summary = " ".join(node.get("failureSummary", "").split())
                lines.append(f"    at {' '.join(map(str, node['target']))}: {summary}")
        raise AssertionError("\n".join(lines))


def check_same_host(page: Page) -> None:
    """No page may load anything from another host: the page and every request so far are on the portal."""
    recorder = _watches[page]
    assert urlsplit(page.url).netloc == recorder.host, f"the browser left the portal for {page.url}"
    foreign = recorder.foreign_requests()
    assert not foreign, f"{page.url} loaded things from another host: {foreign}"


def check_page(page: Page) -> None:
    """The checks every page gets: nothing from another host, no uncaught script errors, no WCAG A/AA violations."""
    recorder = _watches[page]
    page.wait_for_load_state("load")
    check_same_host(page)
    assert not recorder.script_errors, f"uncaught JavaScript errors: {recorder.script_errors}"
    check_a11y(page)
    recorder.checked = len(recorder.documents)


def visit(page: Page, path_or_url: str) -> Response | None:
    """Open a page by its address (a path on the portal, or a full link such as one from an email)."""
    response = page.goto(path_or_url)
    check_page(page)
    return response


def click_and_wait(page: Page, target: Locator) -> None:
    """Click something that loads a new page (a link, a form's button) and check the page it leads to."""
    with page.expect_navigation():
        target.click()
    check_page(page)


def follow_link(page: Page, name: str) -> None:
    click_and_wait(page, page.get_by_role("link", name=name, exact=True))


def follow_menu(page: Page, name: str) -> None:
    """Follow a link in the service navigation (pages may link to the same place from their content too)."""
    click_and_wait(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True))


def press_button(page: Page, name: str) -> None:
    click_and_wait(page, page.get_by_role("button", name=name, exact=True))
