"""The JSON API under /api/v1: the blueprint and its token authentication (blueprint.py), checks on every body
(bodies.py) and the OpenAPI document (openapi.py). Each domain's JSON routes live in portal/<domain>/api.py."""
