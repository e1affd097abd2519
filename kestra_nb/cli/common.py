"""What every `kestra-nb` subcommand shares: exit statuses and `KEY=VALUE` options.

Exit statuses, the same for every subcommand: 0 all is well, 1 something was found or
refused (a leak, a flow with problems, a conversion that would lose data, an execution that
failed), 2 usage, read or connection errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import KestraNbError

__all__ = ["EXIT_ERROR", "EXIT_HELP", "EXIT_OK", "EXIT_PROBLEMS", "exit_status", "parse_pairs"]

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
EXIT_HELP = "exit status: 0 ok, 1 problems found or conversion refused, 2 usage or I/O error"

_OUTCOMES = {"clean": EXIT_OK, "ok": EXIT_OK, "findings": EXIT_PROBLEMS, "errors": EXIT_ERROR}


def exit_status(outcome: str) -> int:
    """The exit status for a core result's `outcome` (`clean`, `findings`, `errors`)."""
    return _OUTCOMES[outcome]


def parse_pairs(pairs: Iterable[str], option: str = "--input") -> dict[str, str]:
    """`KEY=VALUE` options as a dict (the last one of a key wins); a malformed one raises
    `KestraNbError` naming the option (the value is never echoed)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise KestraNbError(f"{option} {key.strip() or '?'}: expected KEY=VALUE")
        out[key.strip()] = value
    return out
