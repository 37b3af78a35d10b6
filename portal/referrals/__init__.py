"""Referrals: offender managers refer people to directory services; providers respond, deliver and report."""
