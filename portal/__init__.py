"""The Resettlement Partnership Portal: application factory."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import log_redaction, sqlite_locking
from portal.config import ROOT, from_environment
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.private_files import private_directory, private_sqlite_file
from portal.public_address import HostCheck, build_on_base_url, split_base_url

DOMAIN_BLUEPRINTS = ("main", "accounts", "admin", "api", "directory", "referrals", "supply_chain", "employers",
                     "funding", "campus")


class Portal(Flask):
    """Flask, except that every absolute URL (`url_for(..., _external=True)`: emailed links above all) is built
    on BASE_URL, never on the Host the request named (see portal/public_address.py)."""

    def url_for(self, endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values):
        if _external:
            return build_on_base_url(self, endpoint, values, _method, _anchor)
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                               **values)


def create_app(overrides: Mapping | None = None) -> Flask:
    config = {**from_environment(), **(overrides or {})}
    split_base_url(config["BASE_URL"])  # refuse to start on a BASE_URL that is not an absolute http(s) address
    app = Portal(__name__, static_folder=str(ROOT / "static"), template_folder=None,
                instance_path=config["INSTANCE_PATH"])
    app.config.from_mapping(config)
    # The SQLite files, search index, uploads and mail folder live here: private to the portal's user
    private_directory(app.instance_path)
    private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    sqlite_locking.init_app(app)  # WAL; the write lock only for what writes
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from portal import (  # noqa: F401 - outbox handlers, user loader
        logs,
        mail,
        metrics,
        models,
        security,
    )
    from portal.errors import register_error_handlers

    security.init_app(app)
    logs.configure(app)  # after security (the request id), before metrics (whose timing the request line reports)
    log_redaction.install()  # after the handlers exist: tokens in URL paths (reset, verification...) never logged
    metrics.init_app(app)
    register_error_handlers(app)
    for name in DOMAIN_BLUEPRINTS:
        module = __import__(f"portal.{name}", fromlist=["bp"])
        app.register_blueprint(module.bp)

    from portal import cli, components, templating

    cli.init_app(app)
    templating.init_app(app)
    components.init_app(app)

    # Outermost first: the host check sees the request as it arrived; ProxyFix trusts PROXY_HOPS proxies only
    if app.config.get("PROXY_HOPS"):
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.wsgi_app = HostCheck(app.wsgi_app, app)
    return app
