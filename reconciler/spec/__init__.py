"""Spec files -> desired state: the only package that reads spec YAML.

Offline: nothing here touches the network. `load_specs` is the entry point for
plan and apply; `reconciler validate` uses `load_documents` to report every
problem with its file and line. `load_acknowledgements` reads the acknowledged
drift in `.reconciler-ignore.yaml` beside the specs.
"""

from reconciler.model.diagnostics import Diagnostic, Source
from reconciler.spec.desired import ABSENT, Absent, Person, WorkspaceSpec
from reconciler.spec.ignore import (
    IGNORE_FILE_NAME,
    Acknowledgement,
    find_ignore_files,
    load_acknowledgements,
)
from reconciler.spec.load import LoadResult, load_documents, load_specs

__all__ = [
    "ABSENT",
    "IGNORE_FILE_NAME",
    "Absent",
    "Acknowledgement",
    "Diagnostic",
    "LoadResult",
    "Person",
    "Source",
    "WorkspaceSpec",
    "find_ignore_files",
    "load_acknowledgements",
    "load_documents",
    "load_specs",
]
