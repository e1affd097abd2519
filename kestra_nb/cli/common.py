"""What every `kestra-nb` subcommand shares: exit codes, `KEY=VALUE` options, secrets and envs.

- `EXIT_OK`, `EXIT_PROBLEMS`, `EXIT_ERROR`: 0 when all is well, 1 when something was found
  or refused (a leak, a flow with problems, a conversion that would lose data, a failed
  execution), 2 on usage, read or connection errors; `exit_status` maps a core result's
  `outcome` to them.
- `parse_pairs`: repeatable `KEY=VALUE` options (`--input`).
- `gather_secrets`: the secret store and env-style entries a command works with (`SECRET_*` /
  `ENV_*` variables, then dotenv files), problems returned as lines (never a value).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dotenv_codec import find_env_files
from ..errors import KestraNbError
from ..kestra import ENV_PREFIX
from ..limits import LIMITS, LimitExceeded, Limits, set_limits
from ..secrets import SecretStore

__all__ = [
    "EXIT_ERROR",
    "EXIT_HELP",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "Gathered",
    "add_limit_arguments",
    "apply_limit_arguments",
    "exit_status",
    "gather_secrets",
    "input_reason",
    "parse_pairs",
]

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2
EXIT_HELP = "exit status: 0 ok, 1 problems found or conversion refused, 2 usage or I/O error"

_OUTCOMES = {"clean": EXIT_OK, "findings": EXIT_PROBLEMS, "errors": EXIT_ERROR}


_LIMIT_HELP = {
    "max_time_s": "seconds one flow file or conversion may take (templates, jq, regexes)",
    "max_memory_mb": "address space of the jq worker, in MB",
    "max_output_mb": "largest string a template or jq program may build, in millions of chars",
    "max_items": "largest list or map built (jq results, YAML with aliases expanded)",
    "max_iterations": "{%% for %%} iterations of one evaluation, all loops together",
    "max_yaml_aliases": "aliases to collections in one YAML document (SnakeYAML's default)",
    "max_input_mb": "largest input file read, in MB",
}


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """`--max-time`, `--max-memory`, ...: the bounds of `kestra_nb.limits` (docs/limits.md)."""
    group = parser.add_argument_group("limits (docs/limits.md)")
    defaults = Limits()
    for name, (_what, _unit, flag) in LIMITS.items():
        default = getattr(defaults, name)
        kind = float if isinstance(default, float) else int
        group.add_argument(
            flag,
            dest=name,
            type=_positive(kind, flag),
            default=None,
            metavar="N",
            help=f"{_LIMIT_HELP[name]} (default: {default:g})",
        )


def _positive(kind: type, flag: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag}: not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{flag}: must be positive")
        return value

    return parse


def apply_limit_arguments(args: argparse.Namespace) -> None:
    """Make the `--max-*` options given the process-wide limits."""
    given = {n: getattr(args, n) for n in LIMITS if getattr(args, n, None) is not None}
    if given:
        set_limits(**given)


def input_reason(exc: BaseException) -> str:
    """Why an input file could not be read, in one line (no path: the caller prints it)."""
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, LimitExceeded):
        return str(exc)
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    return str(exc)


def exit_status(outcome: str) -> int:
    """The exit status for a core result's `outcome` (`clean`, `findings`, `errors`)."""
    return _OUTCOMES[outcome]


def parse_pairs(pairs: Iterable[str] | None, option: str = "--input") -> dict[str, str] | None:
    """`["a=1", "b=x=y"]` -> `{"a": "1", "b": "x=y"}`; None stays None (option not given).
    Raises `KestraNbError` naming the option for an item without `=` or without a key."""
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise KestraNbError(f"{option} {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


@dataclass
class Gathered:
    """The store, the env-style entries, the dotenv files read and their problems (lines)."""

    store: SecretStore
    environ: dict[str, str]
    paths: list[Path]
    problems: list[str] = field(default_factory=list)


def gather_secrets(env_files: Iterable[str | os.PathLike[str]] = ()) -> Gathered:
    """`SECRET_*` / `ENV_*` variables of the process, then each of `env_files` (default: the
    nearest `.env_encoded` or `.env` from the current directory up)."""
    store = SecretStore.from_environ(os.environ, warn=False)
    problems = [str(p) for p in store.problems]
    environ = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    given = [Path(p) for p in env_files]
    paths = given if given else find_env_files()[:1]
    for path in paths:
        report = store.load_dotenv(path, warn=False)
        environ.update(report.environ)
        problems += [str(p) for p in report.problems]
    return Gathered(store, environ, paths, problems)
