"""The reserved `/_emulator/` path (like moto's `/moto-api/`): reset, faults, request log, config.

No authentication: the emulator listens on loopback only. Routes:
  GET    /_emulator/health
  POST   /_emulator/reset                         after calls in flight: reseed, clear log, faults
  GET    /_emulator/requests | DELETE             the request log
  GET    /_emulator/faults | POST | DELETE        fault rules (see faults.py)
  GET    /_emulator/config | POST                 {"rate_limit": {"limit", "window"} | null,
                                    "progression": {"mode", "seconds", "polls", "fail"}}
  POST   /_emulator/workspaces/<tenant>/<id>/stage
         {"stage": N} forces a stage; {} finishes provisioning now
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from reconciler.emulator.backend import Backend
from reconciler.emulator.errors import BadRequest, ServiceError
from reconciler.emulator.faults import Faults
from reconciler.emulator.middleware import RateLimit, RequestLog
from reconciler.emulator.routes import json_response
from reconciler.emulator.stages import Progression

PREFIX = "/_emulator"
RESET_DRAIN_SECONDS = 15.0

CONTROL_MAP = Map(
    [
        Rule(f"{PREFIX}/health", methods=["GET"], endpoint="health"),
        Rule(f"{PREFIX}/reset", methods=["POST"], endpoint="reset"),
        Rule(f"{PREFIX}/requests", methods=["GET"], endpoint="get_requests"),
        Rule(f"{PREFIX}/requests", methods=["DELETE"], endpoint="clear_requests"),
        Rule(f"{PREFIX}/faults", methods=["GET"], endpoint="get_faults"),
        Rule(f"{PREFIX}/faults", methods=["POST"], endpoint="add_faults"),
        Rule(f"{PREFIX}/faults", methods=["DELETE"], endpoint="clear_faults"),
        Rule(f"{PREFIX}/config", methods=["GET"], endpoint="get_config"),
        Rule(f"{PREFIX}/config", methods=["POST"], endpoint="set_config"),
        Rule(
            f"{PREFIX}/workspaces/<tenant>/<workspace_id>/stage",
            methods=["POST"],
            endpoint="set_stage",
        ),
    ],
    strict_slashes=False,
)


class Control:
    """Handlers of the control path, over the same backend and middleware state the API uses."""

    def __init__(
        self,
        backend: Backend,
        log: RequestLog,
        faults: Faults,
        rate_limit: RateLimit,
        initial: tuple[tuple[int, int] | None, Progression],
    ) -> None:
        self.backend = backend
        self.log = log
        self.faults = faults
        self.rate_limit = rate_limit
        self.initial = initial

    def handle(self, request: Request) -> Response:
        try:
            endpoint, args = CONTROL_MAP.bind("emulator").match(request.path, request.method)
            handler: Callable[..., Any] = getattr(self, str(endpoint))
            body = json.loads(request.get_data() or b"null")
            return json_response(handler(body, **args))
        except HTTPException as exc:
            return json_response({"Message": exc.description}, exc.code or 400)
        except ServiceError as exc:
            return exc.to_response()
        except (ValueError, TypeError, KeyError) as exc:
            return BadRequest(f"Bad control request: {exc}").to_response()

    def health(self, _: Any) -> dict[str, Any]:
        return {"ok": True, "tenants": sorted(self.backend.tenants)}

    def reset(self, _: Any) -> dict[str, Any]:
        # A call still being served (a latency fault outliving its client) would otherwise
        # commit into the fresh store and log; faults are cleared first so it finishes soon.
        self.faults.clear()
        self.log.wait_idle(RESET_DRAIN_SECONDS)
        self.backend.store.clear()
        self.backend.seed()
        self.log.clear()
        self.faults.clear()
        self.rate_limit.configure(self.initial[0])
        self.backend.progression = self.initial[1]
        return {"reset": True}

    def get_requests(self, _: Any) -> dict[str, Any]:
        return {"requests": self.log.entries()}

    def clear_requests(self, _: Any) -> dict[str, Any]:
        self.log.clear()
        return {"requests": []}

    def get_faults(self, _: Any) -> dict[str, Any]:
        return {"faults": self.faults.to_json()}

    def add_faults(self, body: Any) -> dict[str, Any]:
        added = self.faults.add(body)
        return {"faults": [rule.to_json() for rule in added]}

    def clear_faults(self, _: Any) -> dict[str, Any]:
        self.faults.clear()
        return {"faults": []}

    def get_config(self, _: Any) -> dict[str, Any]:
        limit = self.rate_limit.limit
        return {
            "rate_limit": {"limit": limit[0], "window": limit[1]} if limit else None,
            "progression": self.backend.progression.to_json(),
        }

    def set_config(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ValueError("config is a JSON object")
        if "rate_limit" in body:
            limit = body["rate_limit"]
            pair = (int(limit["limit"]), int(limit["window"])) if limit else None
            if pair is not None and min(pair) < 1:
                raise ValueError("rate_limit needs a limit and a window of at least 1")
            self.rate_limit.configure(pair)
        if "progression" in body:
            self.backend.progression = Progression.from_json(body["progression"])
        return self.get_config(None)

    def set_stage(self, body: Any, tenant: str, workspace_id: str) -> dict[str, Any]:
        stage = (body or {}).get("stage")
        if stage is not None and (not isinstance(stage, int) or not 0 <= stage <= 5):
            raise ValueError("stage must be a whole number from 0 to 5")
        return self.backend.set_stage(tenant, workspace_id, stage)
