"""The portal with a minimal Flask page beside it at /_minimal/, for bench/speed_bench.py: both served by the same
gunicorn, so the ratio of their throughputs measures the portal's own cost, whatever else the machine is doing.
Benchmark only: never deployed."""
from __future__ import annotations

from flask import Flask, render_template_string
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app import app as portal

MINIMAL_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul></body></html>"""

minimal = Flask("minimal")


@minimal.route("/")
def page():
    return render_template_string(MINIMAL_TEMPLATE, title="A minimal page", items=[f"Item {n}" for n in range(10)])


app = DispatcherMiddleware(portal, {"/_minimal": minimal})
