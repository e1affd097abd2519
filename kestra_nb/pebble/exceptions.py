"""Errors of the expression engine, shaped like the messages Kestra shows.

`PebbleError` is what filters, functions and tests raise with Pebble's bare message; the
renderer wraps it as Kestra does: `io.pebbletemplates.pebble.error.PebbleException: <msg>
(<template>:<line>)`. Undefined variables become Kestra's
``Unable to find `<name>` used in the expression `<template>` at line <n>``.
"""

from __future__ import annotations

from ..errors import RenderError, SecretNotFound

PEBBLE_EXCEPTION = "io.pebbletemplates.pebble.error.PebbleException"
PARSER_EXCEPTION = "io.pebbletemplates.pebble.error.ParserException"


class PebbleError(RenderError):
    """A runtime error with Pebble's bare message (no template, no line yet)."""

    java_class = PEBBLE_EXCEPTION


class PebbleParseError(PebbleError):
    """The template does not parse under Pebble's grammar."""

    java_class = PARSER_EXCEPTION


class UndefinedError(RenderError):
    """A variable, key or attribute does not exist (strict variables, as in Kestra).

    `name` is the missing attribute (or root variable); `root` is the root variable of the
    expression it was looked up in (`outputs` for `outputs.t1.value`), so callers can tell
    run-time-only context apart from a typo.
    """

    def __init__(self, message: str, *, name: str, root: str | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.root = root if root is not None else name


class SecretNotFoundError(RenderError, SecretNotFound):
    """`secret(key)` found nothing. `.key` is the key as written in the template."""

    def __init__(self, key: str, message: str | None = None) -> None:
        SecretNotFound.__init__(self, key)
        if message is not None:
            self.args = (message,)


class NotAvailableError(PebbleError):
    """A Kestra server function (`kv`, `read`, `http`, ...) with no local implementation."""
