"""GitOps-style desired-state reconciler for Seamless workspaces."""

__version__ = "0.1.0"
