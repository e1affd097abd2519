"""Wording shared by every message kestra_nb prints: counts and one-line reasons."""

from __future__ import annotations

__all__ = ["one_line", "plural"]


def plural(n: int, one: str, many: str | None = None) -> str:
    """`3 secrets`, `1 secret`, `2 invalid entries` (with `many` for irregular plurals)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (an OSError's reason), for one-line reports."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
