"""Accounts: users, organisations, memberships, roles, sign-in, two-factor authentication, API tokens."""
