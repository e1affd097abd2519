"""Kestra's Pebble expression dialect on Jinja2's machinery (see `docs/architecture.md`).

`Renderer` renders templates as Kestra 1.x does; `template_segments` cuts a template into
text, `{{ }}`, `{% %}`, comment, verbatim and raw pieces; `referenced_names` and
`referenced_secrets` list what a template reads (for the magics' summaries).
"""

from __future__ import annotations

from ..errors import RenderError
from .exceptions import (
    NotAvailableError,
    PebbleError,
    PebbleParseError,
    SecretNotFoundError,
    UndefinedError,
)
from .lexer import Segment, template_segments
from .parser import referenced_names, referenced_secrets
from .renderer import Renderer
from .runtime import ConditionError, NotAvailableConditionError, UndefinedConditionError

__all__ = [
    "ConditionError",
    "NotAvailableConditionError",
    "NotAvailableError",
    "PebbleError",
    "PebbleParseError",
    "RenderError",
    "Renderer",
    "SecretNotFoundError",
    "Segment",
    "UndefinedConditionError",
    "UndefinedError",
    "referenced_names",
    "referenced_secrets",
    "template_segments",
]
