"""The OpenAPI 3.1 document, generated from the route declarations and their schemas."""
from services.gateway.routes import PATH_PARAM, CsvUpload, Route

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
ERROR_STATUSES = {"400": "invalid input", "401": "not signed in", "403": "role not allowed",
                  "404": "not found", "409": "conflicts with the current state",
                  "503": "a service is not running", "504": "a service did not answer in time"}


def _operation(route: Route, schemas: dict) -> dict:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation = {
        "summary": route.summary.splitlines()[0] if route.summary else route.path,
        "x-roles": sorted(route.roles),
        **({"x-scope": route.scope} if route.scope else {}),
        "security": [{"bearer": []}] if route.roles else [],
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "integer" if converter == "int" else "string"}}
                       for converter, name in PATH_PARAM.findall(route.path)],
        "responses": {str(route.status): {"description": "success", "content": {
                          "application/json": {"schema": _schema(route.response, schemas)}}},
                      **{status: {"description": text, **error} for status, text in ERROR_STATUSES.items()}},
    }
    if route.query is not None:
        for name, field in route.query.model_json_schema()["properties"].items():
            operation["parameters"].append({"name": name, "in": "query", "required": False, "schema": field})
    if route.body is CsvUpload:
        operation["requestBody"] = {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    elif route.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(route.body, schemas, "validation")}}}
    return operation


def _schema(model, schemas: dict, mode: str = "serialization") -> dict:
    """A reference to the model's schema, added to the components (no model: any JSON)."""
    if model is None:
        return {}
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document(routes: list[Route], version: str) -> dict:
    schemas = {"Error": ERROR}
    paths: dict = {}
    for route in routes:
        paths.setdefault(route.template, {})[route.method.lower()] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "DDRR Livelihoods Suite", "version": version},
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
