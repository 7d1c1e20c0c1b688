"""render_markdown: PR comments and step summaries, escaped and under GitHub's size limit."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt

from reconciler.engine.calls import api_call
from reconciler.model.diagnostics import Diagnostic
from reconciler.model.operations import PersonRef, UpdateTeam, UpdateWorkspace
from reconciler.model.plan import Action, FieldChange, FieldOp, WorkspacePlan
from reconciler.render import render_markdown

from .plans import CREATE, ERROR, FULL, NOOP, RUN_WIDE, UPDATE, plan

TABLE_HEADER = "| Workspace | Action | Changes |"
LEFT_OUT = re.compile(r"_Details of (\d+) workspaces? were left out .*`reconciler plan --json`")


def big_workspace(number: int) -> WorkspacePlan:
    """An update with a few changes and two calls, like a real reorganisation."""
    wid = f"pr.{number:05d}"
    return WorkspacePlan(
        address=f"contoso/{wid}",
        tenant="contoso",
        workspace_id=wid,
        action=Action.UPDATE,
        name=f"Project {number}",
        changes=(
            FieldChange(("name",), FieldOp.CHANGE, f"Project {number}", f"Renamed {number}"),
            FieldChange(("team", "Members"), FieldOp.ADD, after=f"user{number}@xyz.com"),
        ),
        calls=(
            api_call(
                UpdateWorkspace(
                    wid,
                    f"Renamed {number}",
                    closed=False,
                    manager=PersonRef("m@x.com"),
                    deputy=None,
                ),
                "update name",
            ),
            api_call(
                UpdateTeam(wid, added=(("Members", (f"user{number}@xyz.com",)),)),
                "update team (1 added)",
            ),
        ),
    )


def outer_details(text: str) -> list[str]:
    return re.findall(r"^<details><summary>(contoso/[^<]*)</summary>$", text, re.MULTILINE)


def test_starts_with_the_marker_and_the_totals() -> None:
    out = render_markdown(FULL).splitlines()
    assert out[0] == "<!-- reconciler:plan -->"
    assert (
        "**Plan: 1 to create, 1 to update, 1 unchanged, 1 error.** Apply will make 4 API calls, "
        "about 2 s at the rate limit (100 requests/minute)." in out
    )


def test_problems_come_before_the_table_errors_before_warnings() -> None:
    out = render_markdown(FULL)
    run_wide = out.index(f"- **Error:** {RUN_WIDE.message}")
    error = out.index(
        "- **Error:** `contoso/zz.bad`: specs/bad.yaml:3: "
        "organization unit 'Nowhere' does not exist"
    )
    warning = out.index(
        "- **Warning:** `contoso/example`: specs/ex.yaml:4: description is ignored by the service"
    )
    assert run_wide < error < warning < out.index(TABLE_HEADER)


def test_the_table_has_a_row_per_changed_or_errored_workspace_in_plan_order() -> None:
    out = render_markdown(FULL).splitlines()
    start = out.index(TABLE_HEADER)
    assert out[start + 1 : start + 5] == [
        "| --- | --- | --- |",
        "| contoso/example (Project01) | update "
        "| name, manager, schema.Phase, team.Members +1, team.Visitors -1 |",
        "| contoso/pr.02 (Project02) | create | name, manager, team.Members +1 |",
        "| contoso/zz.bad (Bad) | error | organization unit 'Nowhere' does not exist |",
    ]
    assert "contoso/pr.03" not in "\n".join(out)


def test_details_hold_a_diff_and_the_exact_calls() -> None:
    out = render_markdown(FULL)
    assert outer_details(out) == [
        "contoso/example — update",
        "contoso/pr.02 — create",
        "contoso/zz.bad — error",
    ]
    assert (
        "```diff\n"
        '- name: "Project01"\n'
        '+ name: "Orange"\n'
        '- manager: "lucas@xyz.com"\n'
        '+ manager: "marko@xyz.com"\n'
        '- schema.Phase: "Execution"\n'
        '+ schema.Phase: "Closure"\n'
        "+ team.Members: ana@xyz.com\n"
        "- team.Visitors: lucas@xyz.com  # implied by the manager\n"
        "```"
    ) in out
    assert "2. `PUT /workspaces/example/team` — update team (1 added, 1 removed)" in out
    assert (
        "<details><summary>Body of call 1</summary>\n\n"
        "```json\n"
        "{\n"
        '  "WorkspaceId": "pr.02",\n'
        '  "Name": "Project02",\n'
        '  "OrganizationUnitId": "unit-1",\n'
        '  "WorkspaceTypeId": "type-1",\n'
        '  "Manager": {\n'
        '    "Email": "marko@xyz.com"\n'
        "  }\n"
        "}\n"
        "```\n\n"
        "</details>"
    ) in out


def test_no_changes() -> None:
    out = render_markdown(plan(NOOP))
    assert "**No changes. Live workspaces match the specs.** Plan: 0 to create" in out
    assert TABLE_HEADER not in out


def test_pipes_and_backticks_in_table_cells_are_escaped() -> None:
    odd = replace(CREATE, name="A|B `C`")
    out = render_markdown(plan(odd))
    row = next(line for line in out.splitlines() if line.startswith("| contoso/pr.02"))
    assert row.startswith(r"| contoso/pr.02 (A\|B \`C\`) | create |")
    unescaped_pipes = re.findall(r"(?<!\\)\|", row)
    assert len(unescaped_pipes) == 4


def test_html_and_fences_from_specs_cannot_break_the_layout() -> None:
    odd = replace(
        UPDATE,
        address="contoso/</details>",
        name="<b>x</b>",
        changes=(FieldChange(("name",), FieldOp.CHANGE, "```", "````"),),
    )
    out = render_markdown(plan(odd))
    assert "<summary>contoso/&lt;/details&gt; — update</summary>" in out
    assert "| contoso/&lt;/details&gt; (&lt;b&gt;x&lt;/b&gt;) | update |" in out
    assert '`````diff\n- name: "```"\n+ name: "````"\n`````' in out


@pytest.mark.parametrize(
    "name",
    [
        "[pay here](https://evil.example)",
        "\\[pay here](https://evil.example)",
        "![x](https://evil.example/p.png)",
        "[x]: https://evil.example",
    ],
)
def test_a_name_never_becomes_a_link_or_a_mention(name: str) -> None:
    odd = replace(CREATE, name=f"{name} @octocat @org/team")
    problem = Diagnostic.warning(f"workspace {name} @octocat needs a look")
    out = render_markdown(plan(replace(odd, problems=(problem,))))
    rendered = MarkdownIt("commonmark").enable("table").render(out)
    assert "<a " not in rendered and "<img" not in rendered
    assert "@octocat" not in out and "@org/team" not in out
    assert "@\u200boctocat" in out


def test_emails_keep_their_at_sign() -> None:
    odd = replace(CREATE, name="mail ana@xyz.com")
    assert "ana@xyz.com" in render_markdown(plan(odd))


def test_a_huge_plan_stays_under_the_limit_and_says_what_was_left_out() -> None:
    huge = plan(*(big_workspace(n) for n in range(3000)), ERROR, NOOP)
    out = render_markdown(huge)
    assert len(out) <= 65_000
    assert out.startswith("<!-- reconciler:plan -->\n")
    assert "**Plan: 0 to create, 3000 to update, 1 unchanged, 1 error.**" in out
    assert "about 60 min at the rate limit" in out
    assert "- **Error:** `contoso/zz.bad`" in out
    # 3,001 rows do not fit even without details: every detail goes, then rows
    # from the end, and both cuts are counted.
    assert outer_details(out) == []
    match = LEFT_OUT.search(out)
    assert match is not None
    assert match.group(1) == "3001"
    rows = [line for line in out.splitlines() if line.startswith("| contoso/")]
    assert rows[0].startswith("| contoso/pr.00000 ")
    cut = re.search(r"_(\d+) more workspaces not in the table: .*--json`", out)
    assert cut is not None
    assert int(cut.group(1)) == 3001 - len(rows)


def test_a_large_plan_keeps_its_whole_table_and_drops_details_from_the_end() -> None:
    large = plan(*(big_workspace(n) for n in range(300)))
    out = render_markdown(large)
    assert len(out) <= 65_000
    assert out.count("| update |") == 300
    shown = outer_details(out)
    assert 0 < len(shown) < 300
    assert shown == [f"contoso/pr.{n:05d} — update" for n in range(len(shown))]
    match = LEFT_OUT.search(out)
    assert match is not None
    assert int(match.group(1)) == 300 - len(shown)
    assert out.rstrip().endswith("`reconciler plan --json`._")


def test_details_go_before_table_rows() -> None:
    several = plan(*(big_workspace(n) for n in range(40)))
    full = render_markdown(several, max_chars=10**6)
    rows_only = len(full.split("<details>")[0]) + 400
    out = render_markdown(several, max_chars=rows_only)
    assert len(out) <= rows_only
    assert out.count("| update |") == 40
    assert "more workspaces not in the table" not in out
    assert LEFT_OUT.search(out) is not None


def test_a_tiny_limit_is_still_respected() -> None:
    for limit in (200, 600, 2_000):
        assert len(render_markdown(FULL, max_chars=limit)) <= limit
