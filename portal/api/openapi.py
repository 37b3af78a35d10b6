"""The OpenAPI 3.1 document for /api/v1. Each domain adds its paths and schemas to PATHS and SCHEMAS."""
from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "title", "message"],
        "properties": {
            "status": {"type": "integer"},
            "title": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "array", "items": {
                "type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
        },
    }},
}

SCHEMAS: dict[str, dict] = {
    "Error": ERROR,
    "Me": {
        "type": "object",
        "required": ["id", "name", "role"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": ["string", "null"]},
            "role": {"type": "string", "enum": ["admin", "offender_manager", "provider", "lead_provider",
                                                "employer", "prison_staff", "learner"]},
            "organisation": {"type": ["object", "null"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                "status": {"type": "string"}, "org_role": {"type": "string"}}},
            "mfa_enabled": {"type": "boolean"},
        },
    },
}


def error_responses(*codes: int) -> dict:
    return {str(code): {"description": desc, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
        for code, desc in ((401, "Missing or invalid token"), (403, "Not allowed"), (404, "Not found"),
                           (400, "Invalid request"), (409, "Changed by someone else"), (429, "Too many requests"))
        if code in codes}


PATHS: dict[str, dict] = {
    "/me": {"get": {
        "summary": "The user the token belongs to",
        "operationId": "getMe",
        "responses": {"200": {"description": "The current user", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Me"}}}}, **error_responses(401)},
    }},
    "/openapi.json": {"get": {
        "summary": "This document",
        "operationId": "getOpenApi",
        "security": [],
        "responses": {"200": {"description": "The OpenAPI document"}},
    }},
}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Resettlement Partnership Portal API", "version": "1.0.0",
                 "description": "Personal access tokens are created in account settings or with "
                                "`flask --app app tokens create EMAIL`."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }
