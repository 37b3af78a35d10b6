"""The browser tests' own checks find what they look for: a journey that passes them has really been checked."""
from __future__ import annotations

import pytest

from tests.e2e.browsing import AXE_OPTIONS, axe_violations, check_a11y, preload_axe

pytestmark = pytest.mark.e2e

PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
BROKEN = f"""<!DOCTYPE html><html lang="en"><head><title>Broken</title></head>
<body><main><h1>Broken</h1><img src="{PIXEL}"><a href="/x"></a></main></body></html>"""


def test_axe_finds_an_image_without_alternative_text_and_an_empty_link_every_time_it_runs(browser):
    page = browser.new_page()
    try:
        page.set_content(BROKEN)
        first = {violation["id"] for violation in axe_violations(page, AXE_OPTIONS)}
        page.set_viewport_size({"width": 320, "height": 800})
        second = {violation["id"] for violation in axe_violations(page, AXE_OPTIONS)}  # axe already in the page
        assert {"image-alt", "link-name"} <= first
        assert first == second
        with pytest.raises(AssertionError, match="image-alt"):
            check_a11y(page)
        page.set_content(BROKEN.replace(f'src="{PIXEL}">', f'src="{PIXEL}" alt="">')
                         .replace('<a href="/x"></a>', '<a href="/x">Somewhere</a>'))
        assert axe_violations(page, AXE_OPTIONS) == []  # a new document, axe put into it again
    finally:
        page.close()


def test_a_context_with_axe_preloaded_has_it_in_every_page_it_opens_and_it_finds_the_same(browser):
    context = preload_axe(browser.new_context())
    try:
        page = context.new_page()
        page.route("http://checks.test/**", lambda route: route.fulfill(body=BROKEN, content_type="text/html"))
        for address in ("http://checks.test/one", "http://checks.test/two"):
            page.goto(address)
            assert page.evaluate("() => typeof window.axe") == "object"
            assert {"image-alt", "link-name"} <= {violation["id"] for violation in axe_violations(page, AXE_OPTIONS)}
    finally:
        context.close()
