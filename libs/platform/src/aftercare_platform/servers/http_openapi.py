"""Every service's OpenAPI says what the platform does for every endpoint: a bearer
`securityScheme` required where the endpoint needs a principal, and the RFC 9457 problem
responses the guard and the error handlers answer with (400, 401, 403, 404, 409, 413, 415, 429)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from aftercare_platform.servers.http_guard import endpoint_routes, needs_principal

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "trace_id": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "description"],
            "properties": {"field": {"type": "string"}, "description": {"type": "string"}}}},
    },
    "additionalProperties": True,
}
_PROBLEMS = {
    "400": "Bad input: the field is named in `errors`",
    "401": "No valid bearer token",
    "403": "The token may not do this",
    "404": "Not found (or not visible to this caller)",
    "409": "Conflicts with the resource's state",
    "413": "The body is over the service's limit",
    "415": "The body's media type is not one this endpoint takes",
    "429": "Too many requests",
}
_PUBLIC_PROBLEMS = ("400", "404", "409", "413", "415", "429")


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a public endpoint that refuses on its own (a webhook whose signature or token
    does not verify: 401, 403), so its document names those problems too."""
    return {code: {"description": _PROBLEMS[str(code)], "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}} for code in codes}


# models named by `json_body`, added to components.schemas when the document is built
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for an endpoint that reads its body itself (within its own size limit) but
    takes `model` as JSON: the document shows the typed body all the same."""
    _BODY_MODELS[model.__name__] = model
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


def _add_body_models(schemas: dict[str, Any], wanted: str) -> None:
    for name, model in _BODY_MODELS.items():
        if f"#/components/schemas/{name}" not in wanted or name in schemas:
            continue
        document = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for inner, definition in document.pop("$defs", {}).items():
            schemas.setdefault(inner, definition)
        schemas[name] = document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        _add_body_models(components["schemas"], json.dumps(schema.get("paths", {})))
        problem = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for path, route in endpoint_routes(app.router.routes):
            if route.include_in_schema:
                _document(schema, path, route, problem)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(schema: dict[str, Any], path: str, route: APIRoute, problem: dict[str, Any]) -> None:
    operations = schema.get("paths", {}).get(path, {})
    protected = needs_principal(route.dependant)
    for method in route.methods or ():
        operation = operations.get(method.lower())
        if operation is None:
            continue
        if protected:
            operation["security"] = [{"bearer": []}]
        responses = operation.setdefault("responses", {})
        for code in (_PROBLEMS if protected else _PUBLIC_PROBLEMS):
            responses.setdefault(code, {"description": _PROBLEMS[code], **problem})
        responses.pop("422", None)  # bad input is 400 here, never FastAPI's 422
