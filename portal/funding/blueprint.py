"""The funding blueprint, on its own so that the package's __init__ imports none of its views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("funding", __name__)
