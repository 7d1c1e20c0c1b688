"""Spec files -> desired state: the only package that reads spec YAML.

Offline: nothing here touches the network. `load_specs` is the entry point for
plan and apply; `reconciler validate` uses `load_documents` to report every
problem with its file and line.
"""

from reconciler.model.diagnostics import Diagnostic, Source
from reconciler.spec.desired import ABSENT, Absent, Person, WorkspaceSpec
from reconciler.spec.load import LoadResult, load_documents, load_specs

__all__ = [
    "ABSENT",
    "Absent",
    "Diagnostic",
    "LoadResult",
    "Person",
    "Source",
    "WorkspaceSpec",
    "load_documents",
    "load_specs",
]
