"""Browser tests: journeys through the portal in a real Chromium, every page checked with axe-core."""
