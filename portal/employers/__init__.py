"""The Corporate Alliance: employers' membership levels and pledges, opportunities, nominations and outcomes."""
from flask import Blueprint

bp = Blueprint("employers", __name__)

from portal.employers import views  # noqa: E402,F401
