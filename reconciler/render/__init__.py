"""Renderers: pure functions from a Plan to text, JSON or markdown.

They read only the Plan (never the planner, the API or the environment) and
do no I/O, so the CLI decides where output goes and whether it is coloured,
and every rendering can be tested from a Plan built by hand.
"""

from __future__ import annotations

from .jsonplan import render_json
from .markdown import render_markdown
from .text import render_text

__all__ = ["render_json", "render_markdown", "render_text"]
