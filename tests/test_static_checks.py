"""Static checks that run with the suite (so CI runs them): ruff, bandit with no high-severity finding, and no
template or view marking user data as safe HTML."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent

# Every place Python marks a string as safe HTML, and why that string cannot carry user input.
MARKUP_ALLOWED = {
    "portal/accounts/credentials.py": "the QR code SVG is drawn by segno from our own otpauth URI",
    "portal/campus/rendering.py": "campus lessons' Markdown, cleaned by nh3 to an allow-list of tags and links",
    "portal/components.py": "GOV.UK components: the macros' own escaped output, or checkboxes with every value escaped",
}
SAFE_IN_TEMPLATE = re.compile(r"\|\s*safe\b|autoescape\s+false|Markup\(")


def test_ruff_finds_nothing():
    result = subprocess.run([BIN / "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run([BIN / "bandit", "-q", "-r", "portal", "search", "app.py", "--severity-level", "high"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_template_marks_data_as_safe_html():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "templates").rglob("*.html"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if SAFE_IN_TEMPLATE.search(line)]
    assert not offenders, f"templates must not mark data safe (autoescaping protects users): {offenders}"


def test_python_marks_html_safe_only_where_allowed():
    uses = {str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
            if re.search(r"\bMarkup\(", path.read_text())}
    assert uses <= set(MARKUP_ALLOWED), f"Markup() outside the allowed places: {sorted(uses - set(MARKUP_ALLOWED))}"
