"""`kestra-nb flow`: validate flow files and preview them as `%%kestra_flow` does.

For CI and pre-commit hooks on the flows saved with `%%kestra_flow --save`: every problem of
every file is listed (exit 1), and with `--show` the flow is printed as Kestra would render
it, secrets as `******`. Secrets come from `--env-file` files (else the nearest
`.env_encoded` / `.env` from the current directory up) and the `SECRET_*` environment
variables; `envs` from `ENV_*` variables and the same files.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from ..errors import FlowError, KestraNbError
from ..secrets import SecretStore

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add the `flow` subcommand to the `kestra-nb` parser."""
    p = subparsers.add_parser(
        "flow",
        help="validate Kestra flow files and preview them rendered (secrets masked)",
        description="Parse, validate and render each flow file as %%kestra_flow does: every "
        "structural problem is listed with its path and line, render problems (a missing "
        "secret, a bad expression) by property path. Exit 0 when every flow is valid and "
        "renders, 1 when a flow has problems, 2 on usage or read errors.",
    )
    p.add_argument("files", nargs="+", metavar="FLOW", help="flow YAML files")
    p.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="FILE",
        help="dotenv file with SECRET_* (base64) and ENV_* entries; repeatable "
        "(default: the nearest .env_encoded or .env from the current directory up)",
    )
    p.add_argument(
        "--input",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="an input value (converted to the input's type); repeatable. With any --input, "
        "required inputs without a default must all be given",
    )
    p.add_argument(
        "--show",
        choices=("summary", "rendered", "source", "both"),
        default="summary",
        help="what to print for a valid flow (default: summary)",
    )
    p.set_defaults(func=run_flow)


def _inputs(pairs: list[str] | None) -> dict[str, str] | None:
    if pairs is None:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise KestraNbError(f"--input {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def _context(env_files: list[str]) -> tuple[SecretStore, dict[str, str], list[Path]]:
    """The store and env-style entries: SECRET_*/ENV_* variables, then the dotenv files."""
    from ..dotenv_codec import find_env_files

    with warnings.catch_warnings():  # problems are printed from the reports instead
        warnings.simplefilter("ignore")
        store = SecretStore.from_environ(os.environ)
        for problem in store.problems:
            print(f"kestra-nb flow: {problem}", file=sys.stderr)
        environ = {k: v for k, v in os.environ.items() if k.startswith("ENV_")}
        paths = [Path(p) for p in env_files] if env_files else find_env_files()[:1]
        for path in paths:
            report = store.load_dotenv(path)
            environ.update(report.environ)
            for problem in report.problems:
                print(f"kestra-nb flow: {problem}", file=sys.stderr)
    return store, environ, paths


def run_flow(args: argparse.Namespace) -> int:
    """`kestra-nb flow FLOW... [--env-file FILE] [--input K=V] [--show ...]`."""
    inputs = _inputs(args.input)
    store, environ, paths = _context(args.env_file)
    if paths:
        names = ", ".join(str(p) for p in paths)
        print(f"kestra-nb flow: secrets and envs from {names}", file=sys.stderr)
    status = EXIT_OK
    for name in args.files:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            print(f"kestra-nb flow: {name}: {reason}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        from ..flow import KestraFlow

        try:
            flow = KestraFlow.from_yaml(text, secrets=store, inputs=inputs, environ=environ)
        except FlowError as exc:
            for problem in exc.problems:
                print(f"{name}: {problem}")
            status = max(status, EXIT_PROBLEMS)
            continue
        for error in flow.errors:
            print(f"{name}: {error}")
        if flow.errors:
            status = max(status, EXIT_PROBLEMS)
        elif args.show == "summary":
            n = len(flow.tasks)
            print(f"{name}: {flow.namespace}.{flow.id}: valid, {n} task{'s' if n != 1 else ''}")
        if args.show != "summary":
            print(flow.text(args.show))
    return status
