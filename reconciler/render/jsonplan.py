"""The machine rendering of a Plan: `reconciler plan --json` and the `--out` plan file.

One codec for both (`Plan.to_dict`), so a saved plan and the printed JSON are
the same document and `Plan.from_dict(json.loads(render_json(plan))) == plan`.

Format version "2" (`format_version`; a reader must refuse any other value,
as `Plan.from_dict` does; fields may be added within a version)::

    {
      "format_version": "2",
      "api_url": "https://api.seamlesswork.com",
      "created_at": "2026-11-24T11:00:00Z",        # ISO 8601 UTC
      "summary": {                                   # derived, ignored when read back
        "create": 1, "update": 2, "no-op": 3, "error": 0,   # workspaces per action
        "calls": 5,                                  # API calls apply will make
        "estimated_seconds": 3.0,                    # at the rate limit
        "errored": false,                            # any error, run-wide or per workspace
        "has_changes": true                          # any create or update
      },
      "problems": [Problem, ...],                    # run-wide, e.g. the removal guard
      "workspaces": [WorkspacePlan, ...],            # sorted by address
      "seconds_per_call": 0.6,
      "context": {"state_path": ".reconciler/state.json", "state_existed": true}
    }

    WorkspacePlan = {
      "address": "contoso/pr.01",       # or "contoso/key=finance"; the --target value
      "tenant": "contoso",
      "workspace_id": "pr.01",          # null until created when the service makes the id
      "name": "Project01",
      "action": "create" | "update" | "no-op" | "error",
      "changes": [FieldChange, ...],    # for people
      "calls": [ApiCall, ...],          # what apply sends, in order, and nothing else
      "problems": [Problem, ...],
      "file": "specs/pr01.yaml", "line": 1,
      "live_digest": "sha256...",       # apply --plan refuses when the live state moved
      "record_key": null,               # keyed create or adoption: where apply records the id
      "adopt": false,                   # record workspace_id under record_key before any call
      "reads_team": true,               # the plan read the team; apply --plan reads it again
      "pruned": false                   # closed by --prune: no longer in the specs
    }
    FieldChange = {"path": ["team", "Members"], "op": "add" | "change" | "remove",
                   "before": ..., "after": ..., "reason": "implied by the manager" | null}
    ApiCall = {"method": "PUT", "path": "/workspaces/pr.01/team", "body": {...},
               "summary": "update team (1 added, 1 removed)",
               "operation": {"type": "update_team", "workspace_id": "pr.01",
                             "added": {"Members": ["ana@xyz.com"]}, "removed": {}}}
        # apply executes `operation`; method, path and body are what the client makes
        # of it, and a plan file where they differ is refused as edited.
    Problem = {"severity": "error" | "warning", "message": "summary: detail",
               "summary": "...", "detail": "..." | "",
               "file": "specs/x.yaml" | null, "line": 3 | null, "column": 5 | null}

The full description, key by key, is README's "JSON" section under "Plan output".
"""

from __future__ import annotations

import json

from reconciler.model.plan import Plan


def render_json(plan: Plan) -> str:
    """`plan` as indented JSON in the model's key order, with a trailing newline.

    Raises ValueError for a NaN or infinite number, which strict JSON readers
    (jq, Go) reject: a plan file that only Python can read is worse than none.
    """
    return json.dumps(plan.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"
