"""Print which databases the suite ran on and one closing line with the totals; exit non-zero on failure."""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

folder = Path(sys.argv[1])
totals = {"passed": 0, "failed": 0, "skipped": 0}
ran, exit_code = [], 0
for name in ("sqlite", "postgresql"):
    report, rc = folder / f"{name}.xml", folder / f"{name}.rc"
    if not rc.exists():
        continue
    code = int(rc.read_text().strip() or 1)
    exit_code = exit_code or code
    if not report.exists():
        print(f"{name}: pytest exited {code} without a report")
        totals["failed"] += 1
        continue
    suite = ET.parse(report).getroot().find("testsuite")
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    failed = failures + errors
    totals["passed"] += tests - failed - skipped
    totals["failed"] += failed
    totals["skipped"] += skipped
    ran.append(f"{'SQLite' if name == 'sqlite' else 'PostgreSQL'} ({tests - failed - skipped} passed, "
               f"{failed} failed, {skipped} skipped)")
print("Databases tested: " + ", ".join(ran))
print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
sys.exit(exit_code)
