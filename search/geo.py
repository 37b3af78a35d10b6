"""Great-circle distances, shared by both backends so they agree on what "within 5 km" means."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # mean radius
METRES_PER_MILE = 1_609.344


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The same great-circle distance in miles (what people in the UK are shown)."""
    return haversine_m(lat1, lon1, lat2, lon2) / METRES_PER_MILE


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; does not wrap the antimeridian."""
    angle = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angle)
    ratio = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-12)
    dlon = math.degrees(math.asin(ratio)) if ratio < 1 else 180.0
    return (max(-90.0, lat - dlat), min(90.0, lat + dlat), max(-180.0, lon - dlon), min(180.0, lon + dlon))
