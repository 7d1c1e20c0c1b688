"""The state file as plain values: exact JSON written, exact messages, the lock; tmp_path only."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path

import pytest

from reconciler.engine import jsonfiles, locking
from reconciler.engine import state as state_module
from reconciler.engine.state import (
    DEFAULT_NAME,
    STATE_VERSION,
    State,
    TenantState,
    default_state_path,
    describe_holder,
    digest,
    load_state,
    lock_paths,
    refuse_missed_state,
    state_lock,
)
from reconciler.errors import StateError
from reconciler.spec import files as files_module

NOW = "2024-05-01T10:02:00Z"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "_now", lambda: NOW)
    real_gmtime = time.gmtime

    def fixed_gmtime(seconds: float | None = None) -> time.struct_time:
        return real_gmtime(1714557720 if seconds is None else seconds)  # NOW

    monkeypatch.setattr(locking.time, "gmtime", fixed_gmtime)


def _read(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


# -- where the file is -----------------------------------------------------------------------


def test_constants() -> None:
    assert STATE_VERSION == 1
    assert Path(".reconciler/state.json") == DEFAULT_NAME


def test_default_path_without_specs_is_specs_folder_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_state_path([]) == Path(".reconciler/state.json")
    (tmp_path / "specs").mkdir()
    assert default_state_path([]) == Path("specs/.reconciler/state.json")


def test_default_path_of_a_file_is_its_folder(tmp_path: Path) -> None:
    spec = tmp_path / "a" / "one.yaml"
    spec.parent.mkdir()
    spec.write_text("x")
    assert default_state_path([spec]) == (tmp_path / "a").resolve() / ".reconciler/state.json"


def test_refuse_missed_state_names_the_file_above(tmp_path: Path) -> None:
    above = tmp_path / ".reconciler" / "state.json"
    above.parent.mkdir()
    above.write_text("{}")
    default = tmp_path / "team" / "sub" / ".reconciler" / "state.json"
    with pytest.raises(StateError) as caught:
        refuse_missed_state(default)
    assert str(caught.value) == (
        f"no state file at {default}, but there is one at {above.resolve()}: these specs are "
        f"probably part of a larger set. Pass --state {above.resolve()} (or run on the folder "
        "that holds all the specs), so nothing is created twice."
    )


def test_refuse_missed_state_accepts_an_existing_default(tmp_path: Path) -> None:
    above = tmp_path / ".reconciler" / "state.json"
    above.parent.mkdir()
    above.write_text("{}")
    here = tmp_path / "team" / ".reconciler" / "state.json"
    here.parent.mkdir(parents=True)
    here.write_text("{}")
    refuse_missed_state(here)  # the default exists: nothing to refuse


def test_refuse_missed_state_without_any_file_above(tmp_path: Path) -> None:
    refuse_missed_state(tmp_path / "a" / "b" / ".reconciler" / "state.json")


# -- what it records -------------------------------------------------------------------------


def test_a_record_is_written_at_once_in_this_exact_form(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.json"
    state = State(path)
    state.record("contoso", "Case-1", "org.su.1")
    assert path.read_text(encoding="utf-8") == (
        "{\n"
        '  "version": 1,\n'
        '  "tenants": {\n'
        '    "contoso": {\n'
        '      "keys": {\n'
        '        "case-1": "org.su.1"\n'
        "      },\n"
        '      "managed": [\n'
        '        "org.su.1"\n'
        "      ],\n"
        '      "pending": {}\n'
        "    }\n"
        "  }\n"
        "}\n"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_save_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{}")
    path.chmod(0o600)
    State(path).save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _read(path) == {"version": 1, "tenants": {}}


def test_save_that_fails_says_so_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"

    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files_module.os, "replace", refuse)
    with pytest.raises(StateError) as caught:
        State(path).save()
    assert str(caught.value) == f"cannot write the state file {path}: disk full"
    assert list(tmp_path.iterdir()) == []


def test_save_into_an_unwritable_place_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    path = blocker / "state.json"
    with pytest.raises(StateError, match=r"^cannot write the state file "):
        State(path).save()


def test_begin_and_abandon_create(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.begin_create("contoso", "Case-1", "org.su.1")
    assert state.pending("contoso", "CASE-1") == {"expected_id": "org.su.1", "since": NOW}
    assert _read(path)["tenants"] == {
        "contoso": {
            "keys": {},
            "managed": [],
            "pending": {"case-1": {"expected_id": "org.su.1", "since": NOW}},
        }
    }
    path.unlink()
    state.abandon_create("contoso", "other")  # nothing pending: nothing written
    assert not path.exists()
    state.abandon_create("contoso", "case-1")
    assert state.pending("contoso", "case-1") is None
    assert _read(path)["tenants"] == {"contoso": {"keys": {}, "managed": [], "pending": {}}}


def test_record_clears_the_pending_create(tmp_path: Path) -> None:
    state = State(tmp_path / "state.json")
    state.begin_create("contoso", "k", None)
    state.record("contoso", "K", "W1")
    assert state.pending("contoso", "k") is None
    assert state.workspace_id("contoso", "k") == "W1"
    assert state.tenant_ids("contoso") == ["W1"]
    assert state.tenant_ids("other") == []
    assert state.workspace_id("other", "k") is None
    assert state.pending("other", "k") is None
    assert state.tenants["contoso"].managed == {"W1"}


def test_record_of_the_same_id_again_is_fine_and_another_is_refused(tmp_path: Path) -> None:
    state = State(tmp_path / "state.json")
    state.record("contoso", "k", "W1")
    state.record("contoso", "k", "w1")  # the same id, another case
    with pytest.raises(StateError) as caught:
        state.record("contoso", "K", "W2")
    assert str(caught.value) == (
        "key 'K' of tenant 'contoso' already stands for 'w1', not 'W2': "
        "`reconciler state forget` it first"
    )


def test_descriptions_are_kept_as_digests(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    assert state.description_digest("contoso", "W1") is None
    state.remember_description("contoso", "W1", "hello")
    expected = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert digest("hello") == expected
    assert state.description_digest("contoso", "w1") == expected
    assert _read(path)["tenants"] == {
        "contoso": {"keys": {}, "managed": [], "pending": {}, "descriptions": {"w1": expected}}
    }
    assert load_state(path).description_digest("contoso", "W1") == expected


def test_manage_adds_ids_not_known_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.manage("contoso", ["B", "a"])
    state.manage("contoso", ["A", "c"])
    assert state.tenants["contoso"].managed == {"B", "a", "c"}
    assert _read(path)["tenants"] == {
        "contoso": {"keys": {}, "managed": ["a", "B", "c"], "pending": {}}
    }


def test_unmanage(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.manage("contoso", ["A", "B"])
    assert state.unmanage("contoso", "a") is True
    assert _read(path)["tenants"]["contoso"]["managed"] == ["B"]  # type: ignore[index]
    assert state.unmanage("contoso", "a") is False
    assert state.tenants["contoso"].managed == {"B"}


def test_forget(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.record("contoso", "k", "W1")
    state.begin_create("contoso", "k", "W1")
    assert state.forget("contoso", "K") == "W1"
    assert _read(path)["tenants"] == {"contoso": {"keys": {}, "managed": [], "pending": {}}}
    assert state.forget("contoso", "k") is None


def test_forget_of_a_pending_create_only(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.manage("contoso", ["W9"])
    state.begin_create("contoso", "k", None)
    assert state.forget("contoso", "k") is None
    assert _read(path)["tenants"] == {"contoso": {"keys": {}, "managed": ["W9"], "pending": {}}}


def test_tenant_state_to_dict_sorts() -> None:
    entry = TenantState(
        keys={"b": "2", "a": "1"},
        managed={"b", "A"},
        pending={"z": {}, "y": {"expected_id": None}},
    )
    data = entry.to_dict()
    assert data == {
        "keys": {"a": "1", "b": "2"},
        "managed": ["A", "b"],
        "pending": {"y": {"expected_id": None}, "z": {}},
    }
    assert list(data["keys"]) == ["a", "b"]
    assert list(data["pending"]) == ["y", "z"]


def test_state_to_dict_sorts_tenants() -> None:
    state = State(Path("unused"), {"b": TenantState(), "a": TenantState()})
    data = state.to_dict()
    assert data == {
        "version": 1,
        "tenants": {
            "a": {"keys": {}, "managed": [], "pending": {}},
            "b": {"keys": {}, "managed": [], "pending": {}},
        },
    }
    assert list(data["tenants"]) == ["a", "b"]


# -- reading ---------------------------------------------------------------------------------


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    state = load_state(tmp_path / "none.json")
    assert state.exists is False and state.tenants == {}
    assert state.path == tmp_path / "none.json"


def test_a_written_file_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path)
    state.record("Contoso", "Key", "W1")
    state.begin_create("Contoso", "Other", None)
    state.remember_description("Contoso", "W1", "d")
    again = load_state(path)
    assert again.exists is True
    assert again.path == path
    assert again.tenants == state.tenants


def test_reading_folds_keys_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "tenants": {
                    "t": {
                        "keys": {"KEY": "W1"},
                        "managed": ["W1"],
                        "pending": {"P": {"expected_id": None}},
                        "descriptions": {"W1": "sha256:x"},
                    },
                    "empty": {},
                },
            }
        )
    )
    state = load_state(path)
    assert state.tenants["t"] == TenantState(
        keys={"key": "W1"},
        managed={"W1"},
        pending={"p": {"expected_id": None}},
        descriptions={"w1": "sha256:x"},
    )
    assert state.tenants["empty"] == TenantState()


def test_a_file_without_tenants_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 1}')
    assert load_state(path).tenants == {}
    path.write_text('{"version": 1, "tenants": null}')
    with pytest.raises(StateError, match="is damaged"):
        load_state(path)


@pytest.mark.parametrize(
    ("text", "version"),
    [('{"version": 2, "tenants": {}}', "2"), ('{"tenants": {}}', "None"), ("[1]", "None")],
)
def test_another_version_is_refused(tmp_path: Path, text: str, version: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} has version {version}; this reconciler reads "
        "version 1. It was left as it is."
    )
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            "{not json",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ('{"version": 1, "tenants": []}', "'list' object has no attribute 'items'"),
        (
            '{"version": 1, "tenants": {"t": {"keys": []}}}',
            "'list' object has no attribute 'items'",
        ),
        (
            '{"version": 1, "tenants": {"t": {"pending": {"k": 3}}}}',
            "'int' object is not iterable",
        ),
    ],
)
def test_a_damaged_file_is_refused_and_left_alone(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} is damaged ({why}); it was left as it is: restore it "
        "from version control or a backup, or move it away to start afresh"
    )
    assert path.read_text() == text


def test_a_tenant_that_is_not_an_object_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 1, "tenants": {"t": [1]}}')
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} is damaged ('list' object has no attribute 'get'); it was left "
        "as it is: restore it from version control or a backup, or move it away to start afresh"
    )


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"\xff\xfe{")
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value).startswith(f"cannot read the state file {path}: ")
    assert "can't decode byte 0xff" in str(caught.value)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises(StateError, match=r"^cannot read the state file .*Is a directory"):
        load_state(folder)


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    text = json.dumps(
        {
            "version": 1,
            "extra": 1,
            "tenants": {"t": {"keys": {}, "later": [], "descriptions": {}}, "u": "odd"},
        }
    )
    path.write_text(text)
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} has fields this reconciler does not know "
        "(extra, t.later); it was left as it is"
    )


def test_known_fields_only_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    body = {"keys": {}, "managed": [], "pending": {}, "descriptions": {}}
    path.write_text(json.dumps({"version": 1, "tenants": {"t": body}}))
    assert load_state(path).tenants == {"t": TenantState()}


def test_keys_that_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 1, "tenants": {"t": {"keys": {"K": "1", "k": "2"}}}}))
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} has keys of tenant 't' that differ only in "
        "case; keys compare without case: merge them by hand. It was left as it is."
    )


# -- the lock --------------------------------------------------------------------------------


def test_lock_paths(tmp_path: Path) -> None:
    assert lock_paths(tmp_path / "s.json") == (
        tmp_path / "s.json.lock",
        tmp_path / "s.json.lock.info",
    )


def test_the_lock_describes_its_holder_and_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "new" / "state.json"
    lock_file, info_file = lock_paths(path)
    with state_lock(path, 1, "apply"):
        holder = json.loads(info_file.read_text(encoding="utf-8"))
        assert holder == {
            "operation": "apply",
            "host": os.uname().nodename,
            "pid": os.getpid(),
            "since": NOW,
        }
        assert info_file.read_text(encoding="utf-8").endswith("}\n")
        assert describe_holder(info_file) == (
            f"by apply (pid {os.getpid()} on {os.uname().nodename}) since {NOW}"
        )
    assert not info_file.exists()
    assert lock_file.exists()
    with state_lock(path, 0.1, "plan"):  # released: taken again at once
        pass


def test_a_held_lock_times_out_with_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with (
        state_lock(path, 1, "apply"),
        pytest.raises(StateError) as caught,
        state_lock(path, 0.05, "plan"),
    ):
        pass
    message = str(caught.value)
    assert message == (
        f"the state {path} is locked by apply (pid {os.getpid()} on {os.uname().nodename}) "
        f"since {NOW}; waited 0.05 s (--lock-timeout). If that process is gone, run "
        "`reconciler state unlock`."
    )


def test_a_lock_that_cannot_be_made_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StateError) as caught, state_lock(blocker / "state.json", 1, "apply"):
        pass
    assert re.fullmatch(
        rf"cannot lock the state {re.escape(str(blocker / 'state.json'))}: .*", str(caught.value)
    )


@pytest.mark.parametrize(
    "content",
    [None, "not json", '{"operation": "apply"}', "[1]", '"text"'],
)
def test_an_unknown_holder(tmp_path: Path, content: str | None) -> None:
    info = tmp_path / "info"
    if content is not None:
        info.write_text(content)
    assert describe_holder(info) == "by another process"


def test_default_path_of_a_folder_is_that_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    assert default_state_path([tmp_path / "a"]) == (tmp_path / "a").resolve() / DEFAULT_NAME


def test_save_writes_a_hidden_temp_file_then_renames_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renamed.append((Path(src).name, Path(src).read_text(encoding="utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(files_module.os, "replace", spy)
    State(path).save()
    [(name, text)] = renamed
    assert name.startswith(".state-")
    assert text == '{\n  "version": 1,\n  "tenants": {}\n}\n'


def test_save_is_durable_and_closes_what_it_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's data is flushed before its fsync, then the folder is fsynced too."""
    path = tmp_path / "state.json"
    synced: list[tuple[bool, int]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        info = os.fstat(fd)
        synced.append((stat.S_ISDIR(info.st_mode), info.st_size))
        real_fsync(fd)

    monkeypatch.setattr(files_module.os, "fsync", spy)
    before = len(os.listdir("/proc/self/fd"))
    State(path).save()
    assert len(os.listdir("/proc/self/fd")) == before
    assert synced[0] == (False, len(path.read_bytes()))
    assert [is_dir for is_dir, _ in synced] == [False, True]


def test_now_is_utc_iso(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    real_gmtime = time.gmtime
    monkeypatch.setattr(time, "gmtime", lambda *seconds: real_gmtime(*(seconds or (1714557720,))))
    assert state_module._now() == NOW


def test_the_lock_makes_its_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "state.json"
    with state_lock(path, 1, "apply"):
        assert lock_paths(path)[1].exists()


def test_the_lock_is_released_for_other_openers(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "state.json"
    lock_file, _ = lock_paths(path)
    with (
        state_lock(path, 1, "apply"),
        open(lock_file, "a") as other,
        pytest.raises(BlockingIOError),
    ):
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(lock_file, "a") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)


# -- shapes: every value is checked, never coerced --------------------------------------------


def _damage(tmp_path: Path, tenant_body: object, version: object = 1) -> str:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": version, "tenants": {"t": tenant_body}}))
    with pytest.raises(StateError) as caught:
        load_state(path)
    prefix = f"the state file {path} is damaged ("
    suffix = (
        "); it was left as it is: restore it "
        "from version control or a backup, or move it away to start afresh"
    )
    text = str(caught.value)
    assert text.startswith(prefix) and text.endswith(suffix), text
    return text[len(prefix) : -len(suffix)]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (5, "the number 5"),
        (1.5, "the number 1.5"),
        ("  ", "the text '  '"),
        ("", "the text ''"),
        (True, "a boolean"),
        (None, "null"),
        ([1], "a list"),
        ({}, "an object"),
    ],
)
def test_a_key_must_hold_an_id(tmp_path: Path, value: object, kind: str) -> None:
    assert _damage(tmp_path, {"keys": {"K": value}}) == (
        f"key 'K' of tenant 't' must be a workspace id (a non-empty text), not {kind}"
    )


def test_managed_must_be_a_list_of_ids(tmp_path: Path) -> None:
    assert _damage(tmp_path, {"managed": "abc"}) == (
        "'managed' of tenant 't' must be a list, not the text 'abc'"
    )
    assert _damage(tmp_path, {"managed": ["w", 7]}) == (
        "a managed workspace of tenant 't' must be a workspace id (a non-empty text), "
        "not the number 7"
    )


def test_a_pending_create_is_checked(tmp_path: Path) -> None:
    assert _damage(tmp_path, {"pending": {"k": {"expected_id": 5}}}) == (
        "the expected id of the pending create of key 'k' of tenant 't' must be a workspace id "
        "(a non-empty text), not the number 5"
    )
    assert _damage(tmp_path, {"pending": {"k": {"expected_id": "w", "since": 5}}}) == (
        "the time of the pending create of key 'k' of tenant 't' must be a text, not the number 5"
    )
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps({"version": 1, "tenants": {"t": {"pending": {"K": {"expected_id": None}}}}})
    )
    assert load_state(path).tenants["t"].pending == {"k": {"expected_id": None}}


def test_a_description_digest_is_a_text(tmp_path: Path) -> None:
    assert _damage(tmp_path, {"descriptions": {"W": 5}}) == (
        "the description digest of 'W' must be a text, not the number 5"
    )


@pytest.mark.parametrize(("version", "shown"), [(True, "True"), (1.0, "1.0"), ("1", "'1'")])
def test_a_version_that_only_equals_one_is_refused(
    tmp_path: Path, version: object, shown: str
) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": version, "tenants": {}}))
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert str(caught.value) == (
        f"the state file {path} has version {shown}; this reconciler reads "
        "version 1. It was left as it is."
    )


# -- the JSON file reader ---------------------------------------------------------------------


def test_json_limits() -> None:
    assert jsonfiles.MAX_JSON_BYTES == 64 * 1024 * 1024
    assert jsonfiles.MAX_JSON_DEPTH == 64


def test_a_too_large_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonfiles, "MAX_JSON_BYTES", 2 * 1024 * 1024)
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * (2 * 1024 * 1024 - 2) + b"]")
    assert jsonfiles.read_json_file(path) == []
    path.write_bytes(b"[" + b" " * (2 * 1024 * 1024 - 1) + b"]")
    with pytest.raises(ValueError) as caught:
        jsonfiles.read_json_file(path)
    assert str(caught.value) == "it is larger than 2 MiB"


@pytest.mark.parametrize(
    ("depth", "deep"),
    [(1, False), (63, False), (64, False), (65, True), (200_000, True)],
)
def test_nesting_depth(tmp_path: Path, depth: int, deep: bool) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * depth + "]" * depth)
    if not deep:
        assert isinstance(jsonfiles.read_json_file(path), list)
        return
    with pytest.raises(ValueError) as caught:
        jsonfiles.read_json_file(path)
    assert str(caught.value) == "it is nested deeper than 64 levels"


def test_nesting_counts_objects_and_lists() -> None:
    nested: object = 1
    for n in range(10):
        nested = {"a": [nested]} if n % 2 else [nested]
    assert jsonfiles._deeper_than(nested, 15) is False  # 5 lists, 5 objects holding a list
    assert jsonfiles._deeper_than(nested, 14) is True
    assert jsonfiles._deeper_than({"a": 1, "b": {"c": []}}, 2) is True
    assert jsonfiles._deeper_than({"a": 1, "b": {"c": 2}}, 2) is False
    assert jsonfiles._deeper_than("text", 0) is False


def test_a_state_through_a_link_is_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real" / "state.json"
    target.parent.mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert jsonfiles.resolve_state_path(tmp_path / "none.json") == tmp_path / "none.json"
    with pytest.raises(StateError) as caught:
        jsonfiles.resolve_state_path(link)
    assert str(caught.value) == (
        f"the state file {link} is a symbolic link that leads to nothing "
        f"({target}): fix the link, or point --state at the file itself. Nothing was written."
    )
    target.write_text("{}")
    assert jsonfiles.resolve_state_path(link) == target.resolve()
    assert lock_paths(link) == (
        target.resolve().with_name("state.json.lock"),
        target.resolve().with_name("state.json.lock.info"),
    )
    State(link).save()
    assert link.is_symlink() and _read(target) == {"version": 1, "tenants": {}}


def test_a_link_loop_is_refused(tmp_path: Path) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.symlink_to(two)
    two.symlink_to(one)
    with pytest.raises(StateError) as caught:
        jsonfiles.resolve_state_path(one)
    assert str(caught.value) == (
        f"the state file {one} is a symbolic link loop: it never leads to a file. "
        "Fix the link, or point --state at the file itself."
    )
