"""The portal's public address (BASE_URL) decides where every absolute link points, never the request.

A request names its host in the `Host` header (and proxies add `X-Forwarded-Host`): both are chosen by
whoever sends the request. A password-reset link built on them would carry the reset token to an attacker's
host. So:
- `absolute_url(endpoint, **values)` (and `url_for(..., _external=True)`, which the application routes here)
  builds on BASE_URL alone, in web requests and commands alike;
- `HostCheck` answers 400, with a plain page built from nothing that can fail, to a request for a host the
  portal does not serve (the health probes excepted: they carry no link and a load balancer may call them
  by address).
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PROBE_PATHS = {"/healthz", "/readyz"}

BAD_HOST_PAGE = (
    b"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error: There is a problem with your "
    b"request - Resettlement Partnership Portal</title></head><body><h1>There is a problem with your request</h1>"
    b"<p>This address is not one the Resettlement Partnership Portal answers to. Check the web address and try "
    b"again.</p></body></html>\n"
)


def split_base_url(base_url: str) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of a BASE_URL such as https://portal.example.gov.uk/prefix."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"BASE_URL must be an absolute http(s) address, not {base_url!r}")
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def _hostname(host: str) -> str:
    """The name in a Host header, lower case, without its port (IPv6 keeps its brackets off)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def served_hostnames(config) -> set[str]:
    """The host names this portal answers to: BASE_URL's, SERVER_NAME's and ALLOWED_HOSTS (comma separated).
    A portal on a loopback address answers to every loopback name (a developer's browser says localhost)."""
    names = {_hostname(split_base_url(config["BASE_URL"])[1])}
    if config.get("SERVER_NAME"):
        names.add(_hostname(config["SERVER_NAME"]))
    extra = config.get("ALLOWED_HOSTS") or ""
    names.update(_hostname(name) for name in (extra.split(",") if isinstance(extra, str) else extra) if name.strip())
    if names & LOOPBACK:
        names |= LOOPBACK
    return names


class HostCheck:
    """WSGI middleware: a request whose Host is not one the portal serves gets a plain 400, before Flask runs."""

    def __init__(self, app, flask_app):
        self.app = app
        self.flask_app = flask_app

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if environ.get("PATH_INFO") not in PROBE_PATHS and _hostname(host) not in served_hostnames(
                self.flask_app.config):
            start_response("400 Bad Request", [
                ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BAD_HOST_PAGE))),
                ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
            ])
            return [BAD_HOST_PAGE]
        return self.app(environ, start_response)


def build_on_base_url(flask_app, endpoint: str, values: dict, method: str | None, anchor: str | None) -> str:
    """The absolute URL of `endpoint` on BASE_URL (used for every `_external=True` URL)."""
    from flask import has_request_context, request
    from werkzeug.routing import BuildError

    if endpoint[:1] == ".":
        blueprint = request.blueprint if has_request_context() else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    flask_app.inject_url_defaults(endpoint, values)
    scheme, netloc, path = split_base_url(flask_app.config["BASE_URL"])
    adapter = flask_app.url_map.bind(netloc, script_name=path or "/", url_scheme=scheme)
    try:
        url = adapter.build(endpoint, values, method=method, force_external=True)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _external=True)
        return flask_app.handle_url_build_error(error, endpoint, values)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url
