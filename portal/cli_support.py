"""What every domain's commands share (portal/<domain>/cli.py). Imports no domain, so any domain may import it."""
from __future__ import annotations

import functools

from flask import current_app


def with_public_urls(command):
    """Run a command inside a request on the portal's public address (BASE_URL), so the links its emails
    build with `url_for(..., _external=True)` point at the portal, as they do when a web request sends them."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return command(*args, **kwargs)
    return run
