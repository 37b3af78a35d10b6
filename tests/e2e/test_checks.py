"""The browser tests' own checks find what they look for: a journey that passes them has really been checked."""
from __future__ import annotations

import pytest

from tests.e2e.browsing import AXE_OPTIONS, axe_violations, check_a11y

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
