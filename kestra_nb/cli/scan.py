"""`kestra-nb scan`: find leaked secret values in notebooks and files (see docs/cli-scan.md).

Exit status: 0 clean, 1 something found (also when `--fix` masked it), 2 usage or read
errors. Findings go to stdout (text lines or a JSON list); where the secrets came from and
the summary go to stderr. Nothing printed ever holds a secret value.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..errors import KestraNbError
from ..files import check_regular
from ..scan import (
    ENV_FILE_NAMES,
    find_env_files,
    load_secret_file,
    scan_paths,
    secrets_from_environ,
)
from ..text import plural
from .common import add_limit_arguments, exit_status


def register(subparsers: Any) -> None:
    """Add the `scan` subcommand to the `kestra-nb` parser."""
    p = subparsers.add_parser(
        "scan",
        help="find leaked secret values in notebooks and files",
        description="Look for the values of your secrets (and their base64, URL, JSON, repr and "
        "HTML forms) in notebooks (outputs, sources, metadata, widget state, attachments) and "
        "text files. Exit 0 when clean, 1 when something is found, 2 on errors.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories (default: .); directories honour .gitignore in a git tree",
    )
    p.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a .env_encoded (SECRET_* base64) or plain .env (every value a secret); "
        "repeatable (default: .env_encoded/.env in the current directory or above)",
    )
    p.add_argument(
        "--from-env",
        action="store_true",
        help="also look for the SECRET_* environment variables (base64, as Kestra reads them)",
    )
    p.add_argument(
        "--fix",
        action="store_true",
        help="mask findings in outputs, metadata and widget state in place (a .bak is kept); "
        "sources are only reported",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_limit_arguments(p)
    p.set_defaults(func=run)


def _say(message: str) -> None:
    print(f"kestra-nb scan: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Gather the secrets, scan, print; return the exit status."""
    paths = args.paths or ["."]
    env_files = list(args.env_file)
    auto = not env_files
    if auto:
        env_files = [os.path.relpath(p) for p in find_env_files()]
    pairs: list[tuple[str, str]] = []
    origins: list[str] = []
    for name in env_files:
        loaded = load_secret_file(name)  # DotenvError -> one line, exit 2 (cli.main)
        for problem in loaded.problems:
            _say(f"warning: {problem}")
        pairs.extend(loaded.pairs)
        kind = "encoded" if loaded.encoded else "plain"
        found = ", found from the current directory up" if auto else ""
        origins.append(f"{plural(len(loaded.pairs), 'secret')} from {name} ({kind}{found})")
    if args.from_env:
        from_env = secrets_from_environ()
        for problem in from_env.problems:
            _say(f"warning: {problem}")
        pairs.extend(from_env.pairs)
        origins.append(f"{plural(len(from_env.pairs), 'secret')} from SECRET_* variables")
    for path in paths:
        if not os.path.lexists(path):
            raise KestraNbError(f"{path}: no such file or directory")
        if os.path.exists(path) and not os.path.isdir(path):
            check_regular(path)  # a device or FIFO named on the command line: refused unread

    report = scan_paths(paths, pairs, fix=args.fix, exclude=env_files)
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            print(finding.describe(fix=args.fix))
    for note in report.notes:
        _say(f"note: {note}")
    for error in report.errors:
        _say(f"error: {error}")
    for name, reason in report.skipped:
        if reason == "secret source":
            _say(f"note: {name}: not scanned (the secrets come from it)")
        elif reason != "binary":
            _say(f"note: {name}: {reason}")
    for name, backup in report.fixed:
        kept = f" (backup {backup} still holds the secrets)" if backup else ""
        _say(f"masked {name}{kept}")

    n_files = len(report.files)
    if report.secrets == 0:
        where = (
            "no --env-file given, no "
            + " or ".join(ENV_FILE_NAMES)
            + " in the current directory or above"
            if auto
            else "the env files hold none"
        )
        extra = ", no SECRET_* variables" if args.from_env else ", no --from-env"
        _say(f"no secrets to look for ({where}{extra}); {plural(n_files, 'file')} not checked")
        return exit_status(report.outcome)
    if report.findings:
        hit = len({f.path for f in report.findings})
        status = f"{plural(len(report.findings), 'finding')} in {hit} of {plural(n_files, 'file')}"
    else:
        status = f"clean: {plural(n_files, 'file')} checked"
    if report.errors:
        status += f", {plural(len(report.errors), 'file')} not readable"
    _say(f"{status} ({'; '.join(origins)})")
    return exit_status(report.outcome)
