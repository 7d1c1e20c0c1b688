"""engine.export on plain values: live workspace -> spec document, and the proof it plans as no-op.

No server: workspaces, teams and a catalog built by hand (the demo fixture's
types). Each test pins what the document says, what it leaves out and why,
and `round_trip_problems` is asked of every document built here.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.api.models import OrganizationUnit, Person, SchemaField, TeamGroup, Workspace
from reconciler.engine.export import (
    ExportedDocument,
    NotExportable,
    derive_key,
    export_workspace,
    round_trip_problems,
)
from reconciler.engine.live import Catalog
from reconciler.engine.naming import ImportRefused, recorded_key, spec_naming
from tests.engine.values import (
    CUSTOMER_CASE,
    DEPARTMENT,
    PROJECT,
    TEAM_ROOM,
    live_workspace_of,
    spec_from_yaml,
)

STAR = OrganizationUnit("unit-star", "Star Unit", "SU", None)
BUTTERFLY = OrganizationUnit("unit-butterfly", "Butterfly", "BU", None)
CATALOG = Catalog(
    "contoso",
    (STAR, BUTTERFLY),
    {
        STAR.id: (
            replace(PROJECT, unit_type_id=1),
            replace(TEAM_ROOM, unit_type_id=2),
            replace(DEPARTMENT, unit_type_id=3),
        ),
        BUTTERFLY.id: (replace(PROJECT, unit_type_id=4), replace(CUSTOMER_CASE, unit_type_id=5)),
    },
)
MARKO = Person("marko@xyz.com", "Marko")


def workspace(**fields: object) -> Workspace:
    values: dict[str, object] = {
        "workspace_id": "example",
        "name": "Project01",
        "manager": MARKO,
        "schema": (),
    }
    return live_workspace_of(**{**values, **fields})


def team(groups: dict[str, list[str]], name: str = "Project01") -> tuple[TeamGroup, ...]:
    """GET team's groups: "<Name> <Group>", or the name alone for site-wide groups."""
    return tuple(
        TeamGroup(g if " " in g else f"{name} {g}", g, tuple(m)) for g, m in groups.items()
    )


def field(name: str, value: str | None, field_type: str = "string") -> SchemaField:
    return SchemaField(name, field_type, value, False, None)


def proven(
    live: Workspace, groups: tuple[TeamGroup, ...] = (), key: str | None = None
) -> ExportedDocument:
    """The document, after checking that it validates and plans as no change."""
    document = export_workspace("contoso", live, groups, CATALOG, key)
    assert round_trip_problems(document, live, groups, CATALOG) == [], document.text
    return document


def test_a_sharepoint_project_with_implied_members_left_out() -> None:
    live = workspace(
        deputy=Person("ana@xyz.com", "Ana"),
        schema=(field("StartDate", "2024-01-01T00:00:00Z", "datetime"), field("EndDate", None)),
    )
    groups = team(
        {
            "Managers": ["tom@xyz.com", "AD_XYZ", "Marko@XYZ.com"],
            "Members": ["TOM@xyz.com", "AD_XYZ", "imp@xyz.com", "marko@xyz.com"],
            "Owners": ["System Account"],
            "Visitors": [],
            "Excel Services Viewers": [],
        }
    )
    document = proven(live, groups)
    assert document.data == {
        "kind": "Workspace",
        "tenant": "contoso",
        "workspaceId": "example",
        "name": "Project01",
        "organizationUnit": "Star Unit",
        "workspaceType": "Project",
        "manager": "marko@xyz.com",
        "deputy": "ana@xyz.com",
        "schema": {"StartDate": "2024-01-01T00:00:00Z"},  # the empty EndDate stays unmanaged
        "team": {"Managers": ["tom@xyz.com", "AD_XYZ"], "Members": ["imp@xyz.com"], "Visitors": []},
    }
    assert document.comments == {
        "team": (
            "Groups left out, which the API cannot change on SharePoint workspaces: Owners, "
            "Excel Services Viewers.",
        )
    }
    assert document.warnings == ()


def test_a_teams_room_leaves_owners_out_of_members() -> None:
    live = workspace(workspace_id="tr.support", name="Support", unit_type_id=2, life_cycle=1)
    live = replace(live, schema=(field("Topic", "Support"), field("Confidential", "1", "boolean")))
    groups = team(
        {
            "Owners": ["maria@xyz.com", "marko@xyz.com"],
            "Members": ["maria@xyz.com", "tom@xyz.com", "marko@xyz.com"],
        },
        "Support",
    )
    document = proven(live, groups)
    assert document.data["lifeCycle"] == "closed"
    assert document.data["schema"] == {"Topic": "Support", "Confidential": "1"}  # as stored
    assert document.data["team"] == {"Owners": ["maria@xyz.com"], "Members": ["tom@xyz.com"]}
    assert document.comments == {}


def test_a_group_without_its_implied_members_is_left_out_with_a_warning() -> None:
    groups = team(
        {"Managers": ["john@xyz.com"], "Members": ["imp@xyz.com"], "Visitors": ["lucas@xyz.com"]}
    )
    document = proven(workspace(), groups)
    assert document.data["team"] == {"Visitors": ["lucas@xyz.com"]}
    assert document.warnings == (
        "Team group Managers left out (not managed): it lacks marko@xyz.com (implied by the "
        "manager), whom plan would add",
        "Team group Members left out (not managed): it lacks marko@xyz.com (implied by the "
        "manager), john@xyz.com (implied by Managers), whom plan would add",
    )
    assert [w + "." for w in document.warnings] == list(document.comments["team"])


def test_ad_groups_on_a_teams_room_leave_the_group_out() -> None:
    live = workspace(workspace_id="tr.x", name="X", unit_type_id=2, schema=(field("Topic", "X"),))
    groups = team({"Owners": ["marko@xyz.com"], "Members": ["marko@xyz.com", "AD_XYZ"]}, "X")
    document = proven(live, groups)
    assert document.data["team"] == {"Owners": []}
    assert "AD groups" in document.warnings[0]


@pytest.mark.parametrize(
    ("stored", "field_type", "why"),
    [
        ("2024-01-01", "datetime", "not in the form the service stores ('2024-01-01T00:00:00Z')"),
        ("true", "boolean", "not in the form the service stores ('1')"),
        ("twelve", "number", "does not fit a number field"),
        ("Later", "string", "is not one of its ValidValues"),
    ],
)
def test_a_value_the_plan_would_not_read_back_is_left_out(
    stored: str, field_type: str, why: str
) -> None:
    name = {"datetime": "StartDate", "boolean": "X", "number": "X", "string": "Phase"}[field_type]
    live_type = replace(PROJECT, unit_type_id=9)
    if field_type in ("boolean", "number"):
        definition = replace(PROJECT.schema_definition[0], name="X", field_type=field_type)
        live_type = replace(live_type, schema_definition=(definition,))
    catalog = Catalog("contoso", (STAR,), {STAR.id: (live_type,)})
    live = workspace(
        unit_type_id=9, schema=(field(name, stored, field_type), field("Customer", "M"))
    )
    document = export_workspace("contoso", live, (), catalog)
    assert round_trip_problems(document, live, (), catalog) == []
    assert document.data.get("schema", {}).get(name) is None
    assert why in document.warnings[0]


def test_generated_ids_carry_the_key_and_a_note() -> None:
    live = workspace(workspace_id="org.bu.00001", name="Migros claim", unit_type_id=5)
    live = replace(live, schema=(field("Customer", "Migros"), field("Opened", None, "datetime")))
    document = proven(live, key="migros-claim")
    assert "workspaceId" not in document.data
    assert document.data["key"] == "migros-claim"
    assert document.data["organizationUnit"] == "Butterfly"
    assert document.comments[""] == (
        "The service chose WorkspaceId org.bu.00001 (Full type); the state file records it "
        "under this key.",
    )
    with pytest.raises(ValueError, match="needs a key"):
        export_workspace("contoso", live, (), CATALOG)


def test_a_workspace_not_ready_is_exported_with_a_warning() -> None:
    document = proven(workspace(stage=1))
    assert document.warnings == (
        "it is not Ready (Stage: Provisioning); plan reports it busy (an error) until it is",
    )
    assert not document.ready and proven(workspace()).ready


def test_a_failed_workspace_is_not_said_to_become_ready() -> None:
    document = proven(workspace(stage=3))
    assert document.warnings == (
        "it is not Ready (Stage: Failed): its provisioning failed, so plan reports an error "
        "for it, and it will not become Ready by itself; ask the service desk",
    )
    assert not document.ready


def test_an_ambiguous_name_falls_back_to_short_name_then_id() -> None:
    twin = OrganizationUnit("unit-twin", "Star Unit", "TW", None)
    types = (replace(PROJECT, unit_type_id=1), replace(PROJECT, id="other", unit_type_id=2))
    catalog = Catalog("contoso", (STAR, twin), {STAR.id: types, twin.id: ()})
    document = export_workspace("contoso", workspace(), (), catalog)
    assert document.data["organizationUnit"] == "SU"
    assert document.data["workspaceType"] == PROJECT.id  # two types of that name in the unit
    assert round_trip_problems(document, workspace(), (), catalog) == []


@pytest.mark.parametrize(
    ("live", "why"),
    [
        (workspace(manager=None), "has no manager"),
        (workspace(manager=Person("System Account")), "has no manager with an email address"),
        (workspace(workspace_id="pr 01"), "WorkspaceId 'pr 01' cannot be written"),
        (workspace(name=" padded"), "not one line without blanks"),
        (workspace(unit_type_id=77), "UnitTypeId 77 matches no organization unit"),
    ],
)
def test_what_no_spec_can_describe_is_refused(live: Workspace, why: str) -> None:
    with pytest.raises(NotExportable, match=why):
        export_workspace("contoso", live, (), CATALOG)


def test_a_deputy_that_is_not_an_email_is_left_as_it_is() -> None:
    document = proven(workspace(deputy=Person("Seamless Admin")))
    assert "deputy" not in document.data
    assert document.comments == {"": ("Deputy Seamless Admin left out (not an email address).",)}
    assert document.warnings == ("Deputy Seamless Admin left out (not an email address)",)


def test_a_tampered_document_is_caught_by_the_proof() -> None:
    live = workspace(schema=(field("Customer", "Migros"),))
    document = proven(live)
    document.data["schema"] = {"Customer": "Coop"}
    assert round_trip_problems(document, live, (), CATALOG) == [
        "schema.Customer: 'Migros' -> 'Coop'"
    ]
    document.data["unknown"] = "x"
    assert "unknown key 'unknown'" in round_trip_problems(document, live, (), CATALOG)[0]


@pytest.mark.parametrize(
    ("name", "taken", "key"),
    [
        ("Migros claim", set(), "migros-claim"),
        ("Migros claim", {"migros-claim", "migros-claim-2"}, "migros-claim-3"),
        ("Büro Zürich (Nord)", set(), "buro-zurich-nord"),
        ("!!!", set(), "org-bu-00007"),  # nothing of the name: the id's
    ],
)
def test_keys_are_derived_from_the_name(name: str, taken: set[str], key: str) -> None:
    assert derive_key(name, "org.bu.00007", taken) == key


def test_recorded_key() -> None:
    keys = {"finance": "dep.finance", "other": "org.bu.1"}
    assert recorded_key(keys, "DEP.Finance") == "finance"
    assert recorded_key(keys, "dep.hr") is None


DEPARTMENT_SPEC = """
    kind: Workspace
    key: {key}
    name: Finance
    organizationUnit: Star Unit
    workspaceType: {wtype}
    manager: anita@xyz.com
"""


def test_which_spec_names_a_workspace_for_import() -> None:
    finance = workspace(workspace_id="dep.finance", name="Finance", unit_type_id=3)
    by_name = spec_from_yaml(DEPARTMENT_SPEC.format(key="fin", wtype="Department Site"))
    by_id_text = DEPARTMENT_SPEC.replace("key: {key}", "workspaceId: dep.finance")
    by_id = spec_from_yaml(by_id_text.format(wtype="Department Site"))
    assert spec_naming([by_name], "contoso", finance, CATALOG, {}) is by_name
    assert spec_naming([by_id], "contoso", finance, CATALOG, {}) is by_id
    assert spec_naming([by_name], "contoso", finance, CATALOG, {"fin": "dep.finance"}) is by_name
    assert spec_naming([by_name], "contoso", finance, CATALOG, {"fin": "dep.other"}) is None
    assert spec_naming([by_name], "fabrikam", finance, CATALOG, {}) is None
    with pytest.raises(ImportRefused, match="manages it under key 'old'"):
        spec_naming([by_name], "contoso", finance, CATALOG, {"old": "dep.finance"})


def test_a_full_type_spec_of_the_same_name_may_name_it() -> None:
    case = workspace(workspace_id="org.bu.00001", name="Finance", unit_type_id=5)
    spec = spec_from_yaml(
        DEPARTMENT_SPEC.format(key="c", wtype="Customer Case").replace("Star Unit", "Butterfly")
    )
    with pytest.raises(ImportRefused, match=r"state import --tenant contoso c org\.bu\.00001"):
        spec_naming([spec], "contoso", case, CATALOG, {})
    assert spec_naming([spec], "contoso", replace(case, name="Other"), CATALOG, {}) is None
