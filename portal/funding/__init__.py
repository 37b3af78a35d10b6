"""Funding: grants and contracts, milestones and reports, payment by results, open-data exports, donations."""
