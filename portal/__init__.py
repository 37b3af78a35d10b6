"""The Resettlement Partnership Portal: application factory."""
from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import log_redaction, sqlite_locking
from portal.config import ROOT, from_environment
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.private_files import private_directory, private_sqlite_file
from portal.public_address import HostCheck, build_on_base_url, split_base_url


class Portal(Flask):
    """Flask, except that every absolute URL (`url_for(..., _external=True)`: emailed links above all) is built
    on BASE_URL, never on the Host the request named (see portal/public_address.py)."""

    def url_for(self, endpoint, *, _anchor=None, _method=None, _scheme=None, _external=None, **values):
        if _external:
            return build_on_base_url(self, endpoint, values, _method, _anchor)
        return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external,
                               **values)


# Every module that registers something when imported, named here and imported by create_app before the first
# request: each domain's access rules (into portal.policy, where an action without a rule raises), its scheduled
# jobs (into portal.scheduler), its routes (on its blueprint), its JSON routes (on the API blueprint, adding to the
# OpenAPI document), its CLI commands and the hooks its gate adds. No domain package imports its own views or
# rules for this; this is the one place that wires them together.
DOMAIN_MODULES = (
    "portal.accounts.rules", "portal.admin.rules", "portal.directory.rules", "portal.referrals.rules",
    "portal.supply_chain.rules", "portal.employers.rules", "portal.funding.rules", "portal.campus.rules",
    "portal.directory.jobs", "portal.referrals.jobs", "portal.supply_chain.jobs", "portal.employers.jobs",
    "portal.funding.jobs",
    "portal.main.views",
    "portal.accounts.views",
    "portal.admin.audit_views", "portal.admin.views",
    "portal.api.views",
    "portal.directory.api", "portal.directory.indexing", "portal.directory.manage_views", "portal.directory.views",
    "portal.referrals.admin_views", "portal.referrals.api", "portal.referrals.report_views", "portal.referrals.views",
    "portal.supply_chain.admin_views", "portal.supply_chain.api", "portal.supply_chain.partner_views",
    "portal.supply_chain.views",
    "portal.employers.api", "portal.employers.views",
    "portal.funding.cli", "portal.funding.views",
    "portal.campus.author_views", "portal.campus.gate", "portal.campus.staff_views", "portal.campus.views",
)
# Each domain's blueprint lives in portal/<domain>/blueprint.py; registered in this order.
DOMAIN_BLUEPRINTS = ("main", "accounts", "admin", "api", "directory", "referrals", "supply_chain", "employers",
                     "funding", "campus")


def import_domain_modules() -> None:
    """Import every module of DOMAIN_MODULES, so each domain's rules, jobs, routes and commands are registered (as
    create_app does; a process that only needs, say, the list of scheduled jobs may call it on its own)."""
    for name in DOMAIN_MODULES:
        import_module(name)


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
        scheduler,
        security,
    )
    from portal.errors import register_error_handlers

    security.init_app(app)
    logs.configure(app)  # after security (the request id), before metrics (whose timing the request line reports)
    log_redaction.install()  # after the handlers exist: tokens in URL paths (reset, verification...) never logged
    metrics.init_app(app, scheduled_runs=scheduler.latest_runs)
    register_error_handlers(app)
    import_domain_modules()
    for name in DOMAIN_BLUEPRINTS:
        app.register_blueprint(import_module(f"portal.{name}.blueprint").bp)

    from portal import cli, components, static_files, templating

    cli.init_app(app)
    templating.init_app(app)
    static_files.init_app(app)
    components.init_app(app)

    # Outermost first: the host check sees the request as it arrived; ProxyFix trusts PROXY_HOPS proxies only
    if app.config.get("PROXY_HOPS"):
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    app.wsgi_app = HostCheck(app.wsgi_app, app)
    return app
