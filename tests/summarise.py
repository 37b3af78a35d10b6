"""Print the 25 slowest tests of both passes, the coverage total, which databases the suite ran on and one closing
line with the totals; exit non-zero on failure."""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

SLOWEST = 25
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

folder = Path(sys.argv[1])
totals = {"passed": 0, "failed": 0, "skipped": 0}
ran, timings, exit_code = [], [], 0
for name, label in LABELS.items():
    report, rc = folder / f"{name}.xml", folder / f"{name}.rc"
    if not rc.exists():
        continue
    code = int(rc.read_text().strip() or 1)
    exit_code = exit_code or code
    if not report.exists():
        print(f"{name}: pytest exited {code} without a report")
        totals["failed"] += 1
        continue
    root = ET.parse(report).getroot()
    suite = root.find("testsuite")
    tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    failed = failures + errors
    totals["passed"] += tests - failed - skipped
    totals["failed"] += failed
    totals["skipped"] += skipped
    ran.append(f"{label} ({tests - failed - skipped} passed, {failed} failed, {skipped} skipped)")
    for case in root.iter("testcase"):
        test_id = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        timings.append((float(case.get("time", 0)), label, test_id))

if timings:
    print(f"\n{SLOWEST} slowest tests (seconds, setup and teardown included, both passes):")
    for seconds, label, test_id in sorted(timings, reverse=True)[:SLOWEST]:
        print(f"{seconds:8.1f}  {label:<10}  {test_id}")
for coverage in sorted(folder.glob("coverage-*.txt")):
    lines = coverage.read_text().strip().splitlines()
    total = next((line for line in reversed(lines) if line.startswith("TOTAL")), None)
    if total:
        print(f"\nCoverage ({coverage.stem.removeprefix('coverage-')} pass, statements; files below 100% "
              f"in {coverage}):\n{lines[0]}\n{total}")
print("\nDatabases tested: " + ", ".join(ran))
print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
sys.exit(exit_code)
