"""The `kestra-nb` command: one subcommand per module in this package.

Each module `kestra_nb.cli.<name>` defines `register(subparsers)`, which adds its
subcommand(s) and sets `func` on them; `func(args)` returns the exit status. User errors are
printed as one line on stderr (never a traceback, never a secret value).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import KestraNbError
from .common import EXIT_ERROR, apply_limit_arguments

SUBCOMMAND_MODULES = ("codec", "flow", "scan", "autoload", "deploy", "run", "schema")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the docs tests)."""
    parser = argparse.ArgumentParser(
        prog="kestra-nb",
        description="Kestra secrets and flows from the command line: encode/decode .env "
        "files, validate and preview flows, scan notebooks for leaks, auto-load the extension.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kestra-nb` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        apply_limit_arguments(args)
        return int(args.func(args) or 0)
    except KestraNbError as exc:
        print(f"kestra-nb {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR  # a bound past (`LimitExceeded`) too
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"kestra-nb {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
