"""The URL table of the Seamless API and its handlers: parse, call the backend, serialize."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import MethodNotAllowed as RouteMethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from reconciler.emulator.backend import Backend
from reconciler.emulator.errors import MethodNotAllowed, NotFound
from reconciler.emulator.middleware import Call, Handler

WORKSPACE = "/<tenant>/workspaces/<workspace_id>"
UNIT = "/<tenant>/organizationUnits/<unit_id>"

# (path, method, backend operation); writes get the parsed body as their last argument.
ROUTES = (
    ("/<tenant>/organizationUnits", "GET", "list_units"),
    (UNIT, "GET", "get_unit"),
    (f"{UNIT}/availableWsTypes", "GET", "available_types"),
    ("/<tenant>/workspaces", "POST", "create_workspace"),
    (WORKSPACE, "GET", "get_workspace"),
    (WORKSPACE, "PUT", "update_workspace"),
    (f"{WORKSPACE}/team", "GET", "get_team"),
    (f"{WORKSPACE}/team", "PUT", "update_team"),
    (f"{WORKSPACE}/schema", "PUT", "update_schema"),
    (f"{WORKSPACE}/workspaceType", "PUT", "update_workspace_type"),
    (f"{WORKSPACE}/status", "GET", "get_status"),
    (f"{WORKSPACE}/groups", "GET", "get_groups"),
)

URL_MAP = Map(
    [Rule(path, methods=[method], endpoint=op) for path, method, op in ROUTES],
    strict_slashes=False,
    merge_slashes=False,
)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def route(call: Call, nxt: Handler) -> Response:
    """Find the operation for the path and method: 404 and 405 come before the body is judged."""
    adapter = URL_MAP.bind("emulator")
    path = call.request.path
    if call.method == "OPTIONS":
        return _options(list(adapter.allowed_methods(path)))
    try:
        operation, args = adapter.match(path, call.method)
    except RouteMethodNotAllowed as exc:
        raise MethodNotAllowed(_public(exc.valid_methods or [])) from None
    except RouteNotFound:
        raise NotFound("No HTTP resource was found that matches the request URI.") from None
    call.operation, call.args = str(operation), dict(args)
    return nxt(call)


class Dispatcher:
    """The innermost handler: run the routed operation and serialize its answer."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def __call__(self, call: Call) -> Response:
        operation, args = call.operation or "", call.args
        method = getattr(self.backend, operation)
        if call.method in ("POST", "PUT"):
            result = method(*args.values(), call.body)
            call.committed = True
        else:
            result = method(*args.values())
        if operation != "create_workspace":
            return json_response(result)
        response = json_response(result, 201)
        response.headers["Location"] = f"/{args['tenant']}/workspaces/{result['WorkspaceId']}"
        return response


def _options(allowed: list[str]) -> Response:
    if not allowed:
        raise NotFound("No HTTP resource was found that matches the request URI.")
    return Response(status=204, headers={"Allow": ", ".join(_public(allowed))})


def _public(methods: Any) -> list[str]:
    """The methods the API document names, in a stable order (werkzeug adds HEAD itself)."""
    present = {m.upper() for m in methods} | {"OPTIONS"}
    return [m for m in ("GET", "POST", "PUT", "OPTIONS") if m in present]
