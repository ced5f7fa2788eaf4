"""``/api/docs``: the JSON API's reference, a page of the viewer rendered from its OpenAPI schema.

FastAPI's own docs pages (Swagger UI, ReDoc) start with an inline script and load their code
from another host: the viewer's Content-Security-Policy allows neither, and redline never
makes a reader's browser contact a third party.  This page is plain server-rendered HTML from
``app.openapi()``, so it works under that policy, without JavaScript; ``/openapi.json`` stays
the machine-readable schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from archive.web.deps import TemplatesDep

router = APIRouter(include_in_schema=False)


@router.get("/api/docs", response_class=HTMLResponse)
def docs(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """The API's reference, rendered from its OpenAPI schema on the server."""
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            if not path.startswith("/api/"):
                continue
            parameters = [
                {
                    "name": p.get("name", ""),
                    "in": p.get("in", ""),
                    "required": bool(p.get("required")),
                    "description": p.get("description")
                    or p.get("schema", {}).get("description", ""),
                    "type": schema_type(p.get("schema", {})),
                }
                for p in operation.get("parameters", [])
            ]
            answers = [
                {
                    "status": status,
                    "description": answer.get("description", ""),
                    "type": schema_type(
                        answer.get("content", {}).get("application/json", {}).get("schema", {})
                    ),
                }
                for status, answer in operation.get("responses", {}).items()
            ]
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operationId": operation.get("operationId", ""),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "answers": answers,
                }
            )
    schemas = [
        {
            "name": name,
            "description": spec.get("description", ""),
            "fields": [
                {"name": field, "type": schema_type(sub), "description": sub.get("description", "")}
                for field, sub in spec.get("properties", {}).items()
            ],
        }
        for name, spec in schema.get("components", {}).get("schemas", {}).items()
    ]
    return templates.render(
        request, "api_docs.html", {"operations": operations, "schemas": schemas}
    )


def schema_type(schema: dict[str, Any]) -> str:
    """A JSON schema in a few words: ``integer``, ``string or null``, ``list of Article``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(schema_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "")
    if kind == "array":
        items = schema.get("items") or {}
        if "prefixItems" in schema:
            return "[" + ", ".join(schema_type(s) for s in schema["prefixItems"]) + "]"
        return "list of " + schema_type(items) if items else "list"
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return "map to " + schema_type(extra) if isinstance(extra, dict) else "object"
    if schema.get("format") == "date-time":
        return "date-time"
    return str(kind) if kind else "any"
