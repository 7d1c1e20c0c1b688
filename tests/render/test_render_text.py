"""render_text: Terraform-style terminal output, read the same with or without colour."""

from __future__ import annotations

import re
from dataclasses import replace

from reconciler.engine.calls import api_call
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import UpdateTeam
from reconciler.model.plan import Action, WorkspacePlan
from reconciler.render import render_text

from .plans import CREATE, ERROR, FULL, NOOP, RUN_WIDE, UPDATE, plan

ANSI = re.compile("\x1b\\[[0-9;]*m")


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_update_renders_exactly() -> None:
    assert render_text(plan(UPDATE, NOOP), color=False) == (
        "Reconciler will perform the following actions:\n"
        "\n"
        "  ~ contoso/example (Project01) will be updated in-place\n"
        "      Warning: specs/ex.yaml:4: description is ignored by the service\n"
        '      ~ name: "Project01" -> "Orange"\n'
        '      ~ manager: "lucas@xyz.com" -> "marko@xyz.com"\n'
        '      ~ schema.Phase: "Execution" -> "Closure"\n'
        "      + team.Members: ana@xyz.com\n"
        "      - team.Visitors: lucas@xyz.com  # implied by the manager\n"
        "      1. PUT /workspaces/example  update workspace (name, manager, schema.Phase)\n"
        "      2. PUT /workspaces/example/team  update team (1 added, 1 removed)\n"
        "\n"
        "Plan: 0 to create, 1 to update, 1 unchanged, 0 errors.\n"
        "Apply will make 2 API calls, about 1 s at the rate limit (100 requests/minute).\n"
    )


def test_every_kind_of_workspace_has_its_header_and_lines() -> None:
    out = lines(render_text(FULL, color=False))
    assert "  + contoso/pr.02 (Project02) will be created" in out
    assert '      + name: "Project02"' in out
    assert "      1. POST /workspaces  create workspace" in out
    assert "  ~ contoso/example (Project01) will be updated in-place" in out
    assert "  ! contoso/zz.bad (Bad) cannot be planned" in out
    assert "      Error: specs/bad.yaml:3: organization unit 'Nowhere' does not exist" in out


def test_counts_and_cost_lines_are_exact() -> None:
    out = lines(render_text(FULL, color=False))
    assert "Plan: 1 to create, 1 to update, 1 unchanged, 1 error." in out
    assert "Apply will make 4 API calls, about 2 s at the rate limit (100 requests/minute)." in out


def test_run_wide_problems_come_first_and_are_repeated_at_the_end() -> None:
    out = lines(render_text(FULL, color=False))
    assert out[0] == f"Error: {RUN_WIDE.message}"
    assert out[-1] == "Error: the plan has 1 run-wide error, shown at the top."


def test_no_op_workspaces_are_only_counted() -> None:
    out = render_text(FULL, color=False)
    assert "contoso/pr.03" not in out
    assert "1 unchanged" in out


def test_a_no_op_with_a_warning_is_listed_for_its_warning() -> None:
    warned = replace(NOOP, problems=(Diagnostic.warning("type change ignored"),))
    out = lines(render_text(plan(warned), color=False))
    assert "    contoso/pr.03 (Project03) has no changes" in out
    assert "      Warning: specs/pr03.yaml:1: type change ignored" in out


def test_no_changes_says_so_and_has_no_cost_line() -> None:
    out = render_text(plan(NOOP), color=False)
    assert out == (
        "No changes. Live workspaces match the specs.\n"
        "Plan: 0 to create, 0 to update, 1 unchanged, 0 errors.\n"
    )


def test_errors_without_changes_do_not_claim_the_workspaces_match() -> None:
    out = render_text(plan(NOOP, ERROR), color=False)
    assert "No changes" not in out
    assert "Plan: 0 to create, 0 to update, 1 unchanged, 1 error." in out
    assert "Apply will make" not in out


def test_cost_is_in_minutes_from_two_minutes_on() -> None:
    calls = tuple(api_call(UpdateTeam(f"w{i}"), "update") for i in range(200))
    many = WorkspacePlan("contoso/w", "contoso", "w", Action.UPDATE, calls=calls)
    assert "API calls, about 2 min at the rate limit" in render_text(plan(many), color=False)
    fewer = replace(many, calls=calls[:199])
    assert "API calls, about 119 s at the rate limit" in render_text(plan(fewer), color=False)


def test_one_call_is_singular() -> None:
    one = replace(UPDATE, calls=UPDATE.calls[:1])
    assert "Apply will make 1 API call, about 1 s" in render_text(plan(one), color=False)


def test_colour_is_added_around_text_that_reads_the_same_without_it() -> None:
    plain = render_text(FULL, color=False)
    coloured = render_text(FULL, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[32m+\x1b[0m" in coloured
    assert "\x1b[33m~\x1b[0m" in coloured
    assert "\x1b[31m-\x1b[0m" in coloured
    assert "\x1b[1;31mError:\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_control_characters_from_specs_cannot_reach_the_terminal() -> None:
    hostile = replace(CREATE, name="evil\x1b[2J\u202ename", address="contoso/x\ny")
    out = render_text(plan(hostile), color=False)
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "  + contoso/x\\u000ay (evil\\u001b[2J\\u202ename) will be created" in lines(out)
