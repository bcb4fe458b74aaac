"""The OpenAPI 3.1 document, generated from the route declarations and their schemas: every
status, body and media type an operation answers, and the links from an operation that
makes a record to the operations that take its id (for stateful testing)."""
from pydantic.json_schema import GenerateJsonSchema

from services.gateway.routes import MAX_NUMBERED_ID, PATH_PARAM, CsvUpload, Route

ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
ERROR_STATUSES = {"400": "invalid input", "401": "not signed in", "403": "role not allowed",
                  "404": "not found", "409": "conflicts with the current state",
                  "503": "a service is not running", "504": "a service did not answer in time"}
THROTTLED = {"429": "too many attempts from this address; wait for Retry-After seconds"}
DECIMAL = {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
           "description": "a decimal number written as a string, e.g. \"350.00\""}


class DecimalsAsStrings(GenerateJsonSchema):
    """Money and scores travel as decimal strings (a JSON number is refused), so the
    document says so, in requests and answers alike."""

    def decimal_schema(self, schema):
        return dict(DECIMAL)


def _success(route: Route, schemas: dict) -> dict:
    content = {"application/json": {"schema": _schema(route.response, schemas)}}
    if route.csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {"description": "success", "content": content}


def _operation(route: Route, schemas: dict, links: dict) -> dict:
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    successes = {str(status): _success(route, schemas) for status in (route.status, *route.also)}
    if route.creates in links:
        successes[str(route.status)]["links"] = links[route.creates]
    errors = {**ERROR_STATUSES, **(THROTTLED if route.path == "/auth/sign-in" else {})}
    operation = {
        "operationId": route.operation_id,
        "summary": route.summary.splitlines()[0] if route.summary else route.path,
        "x-roles": sorted(route.roles),
        **({"x-scope": route.scope} if route.scope else {}),
        "security": [{"bearer": []}] if route.roles else [],
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_NUMBERED_ID}
                        if converter == "int" else {"type": "string"}}
                       for converter, name in PATH_PARAM.findall(route.path)],
        "responses": {**successes, **{status: {"description": text, **error} for status, text in errors.items()}},
    }
    if route.query is not None:
        query = route.query.model_json_schema(schema_generator=DecimalsAsStrings)
        for name, field in query["properties"].items():
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
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode,
                                     schema_generator=DecimalsAsStrings)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _links(routes: list[Route]) -> dict[str, dict]:
    """{id name: the links from its record's creation to every operation taking that id}."""
    links: dict[str, dict] = {}
    for route in routes:
        for _converter, name in PATH_PARAM.findall(route.path):
            links.setdefault(name, {})[route.operation_id] = {
                "operationId": route.operation_id, "parameters": {name: f"$response.body#/{name}"}}
    return links


def document(routes: list[Route], version: str) -> dict:
    schemas = {"Error": ERROR}
    links = _links(routes)
    paths: dict = {}
    for route in routes:
        paths.setdefault(route.template, {})[route.method.lower()] = _operation(route, schemas, links)
    return {
        "openapi": "3.1.0",
        "info": {"title": "DDRR Livelihoods Suite", "version": version},
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
