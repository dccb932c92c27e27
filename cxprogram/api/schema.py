"""OpenAPI additions: the error answers every operation can give, in the one JSON shape of exceptions.py."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in a sentence."},
        "code": {"type": "string", "description": "A stable machine-readable code, e.g. invalid, not_found."},
        "errors": {
            "type": "object",
            "description": "For invalid input: messages per field (nested fields joined with dots).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code"],
}
ERRORS = {
    "400": "Invalid input; `errors` names each bad field.",
    "401": "No credentials, or a token that is not valid.",
    "403": "The caller's role may not do this.",
    "404": "No such object, or not within the caller's scope.",
    "429": "Too many requests for this token; see Retry-After.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the JSON error answers on every /api/v1/ operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            takes_input = "requestBody" in operation or bool(operation.get("parameters"))
            for status, description in ERRORS.items():
                if status == "400" and not takes_input:
                    continue
                if status == "404" and "{" not in path and method != "get":  # lists: a page that does not exist
                    continue
                operation["responses"].setdefault(status, {"description": description, "content": reference})
    return result
