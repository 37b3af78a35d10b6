"""Every JSON body the API accepts is declared once, as a pydantic model, and that model is both what the request is
validated against and what the OpenAPI document says (`register` puts its JSON Schema in the document), so the two
cannot drift apart.

- `guard_raw_body` (before any view, for every request under /api/ that carries a body, signed webhooks included):
  a body over MAX_API_BODY is 413, and one nested deeper than MAX_DEPTH is 400 naming the problem. The depth is
  counted on the raw bytes, outside strings, before any JSON parser sees them (Python's parser recurses, and a few
  thousand levels exhaust the stack: a 500).
- `parse(Model)`: JSON only, then the model in strict mode: wrong types (an object or a list where text belongs),
  unknown fields, values outside an enumeration and sizes over a limit are all 400, each problem naming its field,
  every problem at once; nothing is stored because the view has not started.
"""
from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import models_json_schema

from portal.errors import DomainError, InvalidInput

MAX_DEPTH = 16
MAX_API_BODY = 1024 * 1024  # far above any real request (a whole referral is a few KB)

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class Body(BaseModel):
    """Base for request bodies: strict types (no "1" for 1, no list where text belongs) and no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=10_000)


BodyModel = TypeVar("BodyModel", bound=Body)


class BodyTooLarge(DomainError):
    status = 413


def nesting_depth(raw: bytes, stop_after: int = MAX_DEPTH) -> int:
    """How deeply arrays and objects nest in a JSON text, counting brackets outside strings; stops counting once
    past `stop_after`. Linear in the size of the text and never recursive."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    break
        else:
            depth -= 1
    return deepest


def guard_raw_body() -> None:
    """Refuse a body that is too big or too deeply nested before any view or parser reads it."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    length = request.content_length
    if length is not None and length > MAX_API_BODY:
        raise BodyTooLarge(f"The request body must be {MAX_API_BODY // 1024:,} KB or less")
    raw = request.get_data(cache=True)  # held to MAX_CONTENT_LENGTH by werkzeug, chunked bodies too
    if len(raw) > MAX_API_BODY:
        raise BodyTooLarge(f"The request body must be {MAX_API_BODY // 1024:,} KB or less")
    if nesting_depth(raw) > MAX_DEPTH:
        raise DomainError(f"The request body nests arrays and objects more than {MAX_DEPTH} levels deep. "
                          "Send the fields this request documents, without extra nesting")


def parse(model: type[BodyModel], *, optional: bool = False) -> BodyModel:
    """The request's JSON body as `model`, or InvalidInput naming every wrong field."""
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return model()
    if not request.is_json:
        raise DomainError("Send a JSON object with Content-Type: application/json")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise DomainError("The request body is not valid JSON. Check it and send it again") from None
    if not isinstance(data, dict):
        raise DomainError("Send a JSON object with Content-Type: application/json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems(exc)) from None


def given(body: Body) -> dict[str, Any]:
    """The fields the client sent (null included), not the defaults."""
    return body.model_dump(exclude_unset=True)


# --- Messages: one per kind of problem, naming the field ---

def field_name(location: tuple) -> str:
    """`needs[0].rating` for ("needs", 0, "rating"); answers' fields are named alone (as the pages name them)."""
    parts = list(location)
    if len(parts) > 1 and parts[0] == "answers":
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _choices(error: dict) -> str:
    expected = (error.get("ctx") or {}).get("expected", "")
    return expected.replace("'", "")


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False, include_input=False):
        location = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "union["))))
        # A union (text or null) reports each branch: keep the first message for a field
        location = tuple(p for p in location if p not in ("str", "bool", "int", "none", "list[str]", "literal"))
        name = field_name(location)
        if name in seen:
            continue
        seen.add(name)
        out.append((name, _message(name, error)))
    return out


def _message(name: str, error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"{name} is not a field of this request"
    if kind == "missing":
        return f"Enter {name}: it is required"
    if kind in ("string_type", "string_sub_type"):
        return f"{name} must be text"
    if kind == "bool_type":
        return f"{name} must be true or false"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{name} must be a whole number"
    if kind in ("list_type", "tuple_type"):
        return f"{name} must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{name} must be an object"
    if kind == "literal_error":
        return f"{name} must be one of {_choices(error)}"
    if kind == "string_too_long":
        return f"{name} must be {ctx.get('max_length', 0):,} characters or fewer"
    if kind == "too_long":
        return f"{name} must have {ctx.get('max_length', 0):,} items or fewer"
    if kind == "none_required":
        return f"{name} must be null"
    return f"{name}: {error['msg']}"


# --- The OpenAPI document ---

def register(schemas: dict[str, dict], *models: type[Body]) -> None:
    """Add the models' JSON Schemas (and those they use) to the document's components, by model name."""
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    for name, schema in top.get("$defs", {}).items():
        schemas[name] = schema


def request_body(model: type[Body], required: bool = True) -> dict:
    return {"required": required,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}
