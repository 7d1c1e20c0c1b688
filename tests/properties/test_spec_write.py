"""Any text spec.write writes is read back as that same text, by our loader and by YAML 1.1.

The writer chooses between a plain scalar and a double-quoted one; a wrong
choice would make a file that export wrote say something else than the
service holds (a name `NO` read as false, `0123` as 83, `a: b` as a
mapping). So every string, in every place a spec holds one (a value, a
mapping key, a flow list item, a flow mapping value), must come back
identical from the project's loader (YAML 1.2 core) and from PyYAML's
`safe_load` (YAML 1.1, what many other tools read).
"""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.spec.write import Flow, write_document
from reconciler.spec.yamlfile import parse_documents
from tests.properties.conftest import PROFILE

TRAPS = st.sampled_from(
    [
        "NO", "yes", "On", "y", "n", "~", "null", "True", "0123", "0x1F", "0o17", "1_000",
        "1:20", ".inf", "-.5", "1e3", "2025-03-01", "2025-03-01T00:00:00Z", "<<", "=", "- a",
        "? a", "a: b", "a #b", "'q'", '"q"', "[a]", "{a}", "|", ">", "%YAML", "@x", "`x",
    ]
)  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[A-Za-z0-9 ._:#@,'\-\[\]{}]{0,12}", fullmatch=True),
    TRAPS,
)


@settings(PROFILE, max_examples=400)
@given(value=TEXTS, key=TEXTS, item=TEXTS)
def test_every_text_is_read_back_as_written(value: str, key: str, item: str) -> None:
    data = {
        "name": value,
        "schema": {key: value},
        "team": {"Members": [item, value]},
        "manager": Flow(email=item, name=value),
    }
    text = write_document(data)
    expected = {**data, "manager": {"email": item, "name": value}}
    documents, problems = parse_documents(text, "written.yaml")
    assert problems == [], (text, [str(p) for p in problems])
    assert [d.data for d in documents] == [expected], text
    assert yaml.safe_load(text) == expected, text
