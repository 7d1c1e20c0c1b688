"""team.py on plain values: predicted groups, desired groups, and the exact adds and removes.

The service puts the manager in the owner group (Managers; Owners on Teams)
and in Members, and the owner group's members in Members. These tests pin
that the planner includes exactly those implied members, with their reasons.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest

from reconciler.api import wire
from reconciler.api.models import TeamGroup
from reconciler.engine.team import (
    ALLOWED_GROUPS,
    OWNER_GROUP,
    TeamDelta,
    after_manager_change,
    desired_groups,
    live_groups,
    team_delta,
)
from reconciler.model.plan import FieldChange, FieldOp

BOSS, ANA, TOM, OLD = "boss@xyz.com", "ana@xyz.com", "tom@xyz.com", "old@xyz.com"
BY_MANAGER, BY_MANAGERS, BY_OWNERS = (
    "implied by the manager",
    "implied by Managers",
    "implied by Owners",
)


def body(delta: TeamDelta) -> dict[str, object]:
    """The PUT team body the delta becomes, as wire writes it."""
    return wire.team_body(
        tuple((g, tuple(m)) for g, m in delta.added.items()),
        tuple((g, tuple(m)) for g, m in delta.removed.items()),
    )


def add(group: str, member: str, reason: str | None = None) -> FieldChange:
    return FieldChange(("team", group), FieldOp.ADD, None, member, reason)


def remove(group: str, member: str) -> FieldChange:
    return FieldChange(("team", group), FieldOp.REMOVE, member, None)


def test_group_tables() -> None:
    assert OWNER_GROUP == {"SharePoint": "Managers", "Teams": "Owners"}
    assert ALLOWED_GROUPS == {
        "SharePoint": ("Managers", "Members", "Visitors"),
        "Teams": ("Owners", "Members"),
    }


def test_live_groups_uses_the_put_names() -> None:
    team = (
        TeamGroup("Project01 Managers", "Managers", (BOSS,)),
        TeamGroup("Project01 Members", "Members", (BOSS, ANA)),
        TeamGroup("Project01 Visitors", "Visitors", ()),
    )
    assert live_groups(team) == {"Managers": [BOSS], "Members": [BOSS, ANA], "Visitors": []}


# --- after_manager_change ----------------------------------------------------------------

SHAREPOINT_LIVE: dict[str, list[str]] = {
    "Managers": [OLD, TOM],
    "Members": [OLD, TOM, ANA],
    "Visitors": [OLD],
}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(None, BOSS, id="no-old-manager"),
        pytest.param(OLD, OLD, id="same-manager"),
        pytest.param(OLD, " OLD@XYZ.com ", id="same-manager-other-case"),
    ],
)
def test_after_manager_change_without_a_change_is_a_copy(old: str | None, new: str) -> None:
    predicted = after_manager_change(SHAREPOINT_LIVE, "SharePoint", old, new)
    assert predicted == SHAREPOINT_LIVE
    predicted["Members"].append("x@xyz.com")
    assert SHAREPOINT_LIVE["Members"] == [OLD, TOM, ANA]


def test_after_manager_change_on_sharepoint() -> None:
    predicted = after_manager_change(SHAREPOINT_LIVE, "SharePoint", "Old@XYZ.com", BOSS)
    assert predicted == {
        "Managers": [TOM, BOSS],  # the old manager leaves the owner group only
        "Members": [OLD, TOM, ANA, BOSS],
        "Visitors": [OLD],
    }
    assert SHAREPOINT_LIVE == {
        "Managers": [OLD, TOM],
        "Members": [OLD, TOM, ANA],
        "Visitors": [OLD],
    }


def test_after_manager_change_on_teams() -> None:
    live = {"Owners": [OLD], "Members": [OLD, ANA]}
    assert after_manager_change(live, "Teams", OLD, BOSS) == {
        "Owners": [BOSS],
        "Members": [OLD, ANA, BOSS],
    }


def test_after_manager_change_on_teams_leaves_a_managers_group_alone() -> None:
    live = {"Managers": [OLD], "Members": [OLD]}
    assert after_manager_change(live, "Teams", OLD, BOSS) == {
        "Managers": [OLD],
        "Owners": [BOSS],
        "Members": [OLD, BOSS],
    }


def test_new_manager_already_there_in_other_case_is_not_added_twice() -> None:
    live = {"Managers": [OLD, "Boss@XYZ.com"], "Members": ["BOSS@xyz.com"]}
    assert after_manager_change(live, "SharePoint", OLD, BOSS) == {
        "Managers": ["Boss@XYZ.com"],
        "Members": ["BOSS@xyz.com"],
    }


def test_after_manager_change_creates_missing_groups() -> None:
    assert after_manager_change({}, "SharePoint", OLD, BOSS) == {
        "Managers": [BOSS],
        "Members": [BOSS],
    }


# --- desired_groups ----------------------------------------------------------------------


def test_desired_groups_owner_first_then_members_then_the_rest() -> None:
    listed = {"Visitors": (TOM,), "Members": (ANA,), "Managers": (OLD,)}
    desired = desired_groups(listed, {}, "SharePoint", BOSS)
    assert list(desired) == ["Managers", "Members", "Visitors"]
    assert desired == {
        "Managers": [(OLD, None), (BOSS, BY_MANAGER)],
        "Members": [(ANA, None), (BOSS, BY_MANAGER), (OLD, BY_MANAGERS)],
        "Visitors": [(TOM, None)],
    }


def test_desired_groups_on_teams_owners_first() -> None:
    listed = {"Members": (ANA,), "Owners": (TOM,)}
    desired = desired_groups(listed, {}, "Teams", BOSS)
    assert list(desired) == ["Owners", "Members"]
    assert desired == {
        "Owners": [(TOM, None), (BOSS, BY_MANAGER)],
        "Members": [(ANA, None), (BOSS, BY_MANAGER), (TOM, BY_OWNERS)],
    }


def test_desired_groups_unlisted_owner_group_comes_from_live() -> None:
    live = {"Managers": [BOSS, TOM], "Members": []}
    desired = desired_groups({"Members": ()}, live, "SharePoint", BOSS)
    assert desired == {"Members": [(BOSS, BY_MANAGER), (TOM, BY_MANAGERS)]}


def test_desired_groups_listed_owner_group_wins_over_live() -> None:
    live = {"Managers": [OLD], "Members": [OLD]}
    desired = desired_groups({"Managers": (TOM,), "Members": ()}, live, "SharePoint", BOSS)
    assert desired == {
        "Managers": [(TOM, None), (BOSS, BY_MANAGER)],
        "Members": [(BOSS, BY_MANAGER), (TOM, BY_MANAGERS)],
    }


def test_desired_groups_keep_the_first_spelling_and_its_reason() -> None:
    listed = {"Members": ("BOSS@xyz.com", ANA), "Managers": (" Ana@XYZ.com",)}
    desired = desired_groups(listed, {}, "SharePoint", BOSS)
    assert desired == {
        "Managers": [(" Ana@XYZ.com", None), (BOSS, BY_MANAGER)],
        "Members": [("BOSS@xyz.com", None), (ANA, None)],
    }


def test_desired_groups_order_is_owner_members_then_by_name() -> None:
    listed = {"Visitors": (), "Guests": (), "Members": (), "Managers": ()}
    assert list(desired_groups(listed, {}, "SharePoint", BOSS)) == [
        "Managers",
        "Members",
        "Guests",
        "Visitors",
    ]


def test_visitors_imply_nobody() -> None:
    live = {"Managers": [BOSS], "Members": [BOSS], "Visitors": [BOSS]}
    assert desired_groups({"Visitors": ()}, live, "SharePoint", BOSS) == {"Visitors": []}


def test_teams_members_are_not_implied_by_a_managers_group() -> None:
    live = {"Managers": [TOM], "Owners": [BOSS]}
    assert desired_groups({"Members": ()}, live, "Teams", BOSS) == {"Members": [(BOSS, BY_MANAGER)]}


# --- team_delta ----------------------------------------------------------------------------


def delta(
    listed: Mapping[str, tuple[str, ...]],
    live: Mapping[str, list[str]],
    provisioning: str = "SharePoint",
    manager: str = BOSS,
) -> TeamDelta:
    return team_delta(listed, live, provisioning, manager)


def test_listed_members_added_and_unlisted_removed() -> None:
    live = {"Managers": [BOSS], "Members": [BOSS, OLD]}
    result = delta({"Members": (ANA,)}, live)
    assert result.added == {"Members": [ANA]}
    assert result.removed == {"Members": [OLD]}
    assert result.changes == (add("Members", ANA), remove("Members", OLD))
    assert result.empty is False
    assert body(result) == {
        "Added": [{"Group": "Members", "Members": [ANA]}],
        "Removed": [{"Group": "Members", "Members": [OLD]}],
    }


def test_in_sync_team_is_empty() -> None:
    live = {"Managers": [BOSS], "Members": [BOSS, ANA]}
    result = delta({"Members": (ANA,), "Managers": ()}, live)
    assert result == TeamDelta({}, {}, ())
    assert result.empty is True
    assert body(result) == {"Added": [], "Removed": []}


def test_case_insensitive_match_keeps_the_live_spelling() -> None:
    live = {"Managers": ["Boss@XYZ.com"], "Members": ["Ana@Xyz.Com", "Boss@XYZ.com", "Old@XYZ.com"]}
    result = delta({"Members": ("ANA@XYZ.COM",), "Managers": ()}, live, manager="bOSS@xyz.com")
    assert result.added == {}
    assert result.removed == {"Members": ["Old@XYZ.com"]}
    assert result.changes == (remove("Members", "Old@XYZ.com"),)


def test_adds_use_the_listed_spelling() -> None:
    result = delta({"Members": ("Ana@XYZ.com",)}, {"Managers": [BOSS], "Members": [BOSS]})
    assert result.added == {"Members": ["Ana@XYZ.com"]}
    assert result.changes == (add("Members", "Ana@XYZ.com"),)


def test_manager_missing_from_groups_is_added_with_its_reason() -> None:
    result = delta({"Managers": (), "Members": ()}, {"Managers": [], "Members": []})
    # Members gets the manager from the service once the owner group has them.
    assert result.added == {"Managers": [BOSS]}
    assert result.removed == {}
    assert result.changes == (add("Managers", BOSS, BY_MANAGER),)


def test_manager_missing_from_members_only() -> None:
    result = delta({"Members": ()}, {"Managers": [BOSS], "Members": []})
    assert result.added == {"Members": [BOSS]}
    assert result.removed == {}
    assert result.changes == (add("Members", BOSS, BY_MANAGER),)
    assert result.empty is False


def test_only_removals_is_not_empty() -> None:
    result = delta({"Visitors": ()}, {"Visitors": [TOM]})
    assert (result.added, result.removed) == ({}, {"Visitors": [TOM]})
    assert result.empty is False


def test_team_delta_is_frozen() -> None:
    result = delta({"Visitors": ()}, {"Visitors": [TOM]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.added = {}  # type: ignore[misc]


def test_a_new_owner_listed_in_visitors_is_still_added_there() -> None:
    listed = {"Managers": (TOM,), "Visitors": (TOM,)}
    result = delta(listed, {"Managers": [BOSS], "Visitors": []})
    assert result.added == {"Managers": [TOM], "Visitors": [TOM]}
    assert result.changes == (add("Managers", TOM), add("Visitors", TOM))


def test_owner_missing_from_members_is_added_implied_by_managers() -> None:
    live = {"Managers": [BOSS, TOM], "Members": [BOSS]}
    result = delta({"Members": (ANA,)}, live)
    assert result.added == {"Members": [ANA, TOM]}
    assert result.removed == {}
    assert result.changes == (add("Members", ANA), add("Members", TOM, BY_MANAGERS))


def test_new_owners_are_not_sent_to_members_twice() -> None:
    listed = {"Members": (ANA,), "Managers": (TOM,)}
    result = delta(listed, {"Managers": [], "Members": []})
    assert result.added == {"Managers": [TOM, BOSS], "Members": [ANA]}
    assert result.changes == (
        add("Managers", TOM),
        add("Managers", BOSS, BY_MANAGER),
        add("Members", ANA),
    )
    assert body(result)["Added"] == [
        {"Group": "Managers", "Members": [TOM, BOSS]},
        {"Group": "Members", "Members": [ANA]},
    ]


def test_removed_owner_leaves_members_too_when_listed_owners_replace_live() -> None:
    live = {"Managers": [OLD], "Members": [OLD]}
    result = delta({"Managers": (TOM,), "Members": ()}, live)
    assert result.added == {"Managers": [TOM, BOSS]}
    assert result.removed == {"Managers": [OLD], "Members": [OLD]}
    assert result.changes == (
        add("Managers", TOM),
        add("Managers", BOSS, BY_MANAGER),
        remove("Managers", OLD),
        remove("Members", OLD),
    )


def test_manager_is_never_removed_from_members() -> None:
    live = {"Managers": [BOSS], "Members": [ANA, BOSS]}
    result = delta({"Members": (ANA,)}, live)
    assert result == TeamDelta({}, {}, ())


def test_visitors_are_authoritative_even_for_the_manager() -> None:
    live = {"Managers": [BOSS], "Members": [BOSS], "Visitors": [BOSS, TOM]}
    result = delta({"Visitors": ()}, live)
    assert result.added == {}
    assert result.removed == {"Visitors": [BOSS, TOM]}
    assert result.changes == (remove("Visitors", BOSS), remove("Visitors", TOM))


def test_unlisted_groups_are_not_touched() -> None:
    live = {"Managers": [BOSS, TOM], "Members": [BOSS, TOM], "Visitors": [OLD]}
    result = delta({"Members": (ANA,)}, live)
    assert result.added == {"Members": [ANA]}
    assert result.removed == {}


def test_group_order_of_adds_removes_and_changes() -> None:
    listed = {"Visitors": (ANA,), "Members": (TOM,), "Managers": ()}
    live = {"Managers": [BOSS, OLD], "Members": [BOSS, OLD], "Visitors": [OLD]}
    result = delta(listed, live)
    assert list(result.added) == ["Members", "Visitors"]
    assert list(result.removed) == ["Managers", "Members", "Visitors"]
    assert result.changes == (
        remove("Managers", OLD),
        add("Members", TOM),
        remove("Members", OLD),
        add("Visitors", ANA),
        remove("Visitors", OLD),
    )
    assert body(result) == {
        "Added": [
            {"Group": "Members", "Members": [TOM]},
            {"Group": "Visitors", "Members": [ANA]},
        ],
        "Removed": [
            {"Group": "Managers", "Members": [OLD]},
            {"Group": "Members", "Members": [OLD]},
            {"Group": "Visitors", "Members": [OLD]},
        ],
    }


def test_teams_owner_group_is_owners() -> None:
    listed = {"Owners": (TOM,), "Members": ()}
    live = {"Owners": [BOSS], "Members": [BOSS, ANA]}
    result = delta(listed, live, "Teams")
    assert result.added == {"Owners": [TOM]}
    assert result.removed == {"Members": [ANA]}
    assert result.changes == (add("Owners", TOM), remove("Members", ANA))


def test_teams_members_implied_by_owners() -> None:
    live = {"Owners": [BOSS, TOM], "Members": [BOSS]}
    result = delta({"Members": ()}, live, "Teams")
    assert result.added == {"Members": [TOM]}
    assert result.changes == (add("Members", TOM, BY_OWNERS),)


def test_sharepoint_managers_do_not_imply_members_on_teams() -> None:
    live = {"Managers": [TOM], "Owners": [BOSS], "Members": [BOSS, TOM]}
    result = delta({"Members": ()}, live, "Teams")
    assert result.removed == {"Members": [TOM]}
    assert result.changes == (remove("Members", TOM),)


def test_after_a_manager_change_the_delta_does_not_fight_the_service() -> None:
    live = {"Managers": [OLD], "Members": [OLD, ANA]}
    predicted = after_manager_change(live, "SharePoint", OLD, BOSS)
    result = delta({"Managers": (), "Members": (ANA,)}, predicted)
    # The service moves the manager itself; OLD stays a plain member until removed.
    assert result.added == {}
    assert result.removed == {"Members": [OLD]}
    assert result.changes == (remove("Members", OLD),)
