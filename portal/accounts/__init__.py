"""Accounts: users, organisations, memberships, roles, sign-in, two-factor authentication, API tokens."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from portal.accounts import views  # noqa: F401
