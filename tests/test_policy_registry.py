"""The one access policy is assembled from each domain's rules module (issue #18): every module is imported by the
application factory, every action the code asks about has a rule, and a mistake fails loudly, never as a quiet
refusal or a quiet permission."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import portal
from portal import policy

ROOT = Path(__file__).resolve().parent.parent
# `policy.can(user, "action"...)`, `policy.authorize(user, "action"...)` and the templates' `may("action"...)`
ASKED = re.compile(r"""\b(?:can|authorize|may)\(\s*(?:[\w.]+\s*,\s*)?["']([a-z_]+\.[a-z_.]+)["']""")


def test_every_domain_rules_module_is_imported_by_the_application_factory():
    found = {".".join(path.relative_to(ROOT).with_suffix("").parts) for path in (ROOT / "portal").glob("*/rules.py")}
    assert found, "no rules modules found"
    missing = sorted(found - set(portal.DOMAIN_MODULES))
    assert found <= set(portal.DOMAIN_MODULES), f"not imported by create_app: {missing}"


def test_every_action_the_code_asks_about_has_a_rule(app):
    asked = set()
    for path in [*(ROOT / "portal").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]:
        asked |= {match.group(1) for match in ASKED.finditer(path.read_text(encoding="utf-8"))}
    assert len(asked) > 50  # the pattern finds the calls (there are about seventy actions named in the code)
    assert sorted(asked - set(policy.RULES)) == []


def test_an_action_without_a_rule_raises_instead_of_answering(app):
    with pytest.raises(policy.UnknownAction, match="no access rule for 'referral.teleport'"):
        policy.can(None, "referral.teleport")


def test_a_second_rule_for_an_action_is_refused(app):
    kept = policy.RULES["referral.view"]
    with pytest.raises(ValueError, match="registered twice: referral.view"):
        policy.register({"referral.view": lambda user, referral: True, "made.up": lambda user, obj: True})
    assert policy.RULES["referral.view"] is kept and "made.up" not in policy.RULES  # nothing half-registered
    with pytest.raises(ValueError, match="without a rule: made.up"):
        policy.register({}, public={"made.up"})
    assert "made.up" not in policy.PUBLIC_ACTIONS
