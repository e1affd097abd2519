"""`kestra-nb flow`: validate flow files and preview them as `%%kestra_flow` does.

For CI and pre-commit hooks on the flows saved with `%%kestra_flow --save`: every problem of
every file is listed (exit 1), and with `--show` the flow is printed as Kestra would render
it, secrets as `******`. Secrets come from `--env-file` files (else the nearest
`.env_encoded` / `.env` from the current directory up) and the `SECRET_*` environment
variables; `envs` from `ENV_*` variables and the same files.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import FlowError
from ..files import read_text
from ..flow import KestraFlow
from ..flow.display import SHOW_CHOICES, verdict_parts
from ..flow.schema import ServerSchema, load_schema
from ..flow.validation import using_schema
from ..limits import LimitExceeded
from ..text import plural
from .common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PROBLEMS,
    add_limit_arguments,
    gather_secrets,
    parse_pairs,
)
from .common import input_reason as _reason


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
        "--schema",
        metavar="PATH|URL",
        help="also check the plugins outside Kestra's core and script tasks against a "
        "server's flow schema: a JSON file, or a server URL whose schema `kestra-nb schema "
        "pull --server URL` cached (default: the bundled index only)",
    )
    p.add_argument(
        "--show",
        choices=("summary", *SHOW_CHOICES),
        default="summary",
        help="what to print for a valid flow (default: summary)",
    )
    add_limit_arguments(p)
    p.set_defaults(func=run_flow)


def run_flow(args: argparse.Namespace) -> int:
    """`kestra-nb flow FLOW... [--env-file FILE] [--input K=V] [--schema PATH|URL] [--show ...]`."""
    inputs = parse_pairs(args.input)
    schema: ServerSchema | None = load_schema(args.schema) if args.schema else None
    gathered = gather_secrets(args.env_file)
    for line in gathered.problems:
        print(f"kestra-nb flow: {line}", file=sys.stderr)
    store, environ = gathered.store, gathered.environ
    if gathered.paths:
        names = ", ".join(str(p) for p in gathered.paths)
        print(f"kestra-nb flow: secrets and envs from {names}", file=sys.stderr)
    with using_schema(schema):
        return _check_files(args, store, environ, inputs)


def _check_files(
    args: argparse.Namespace, store: Any, environ: Any, inputs: dict[str, Any] | None
) -> int:
    status = EXIT_OK
    for name in args.files:
        try:
            text = read_text(name)  # devices, FIFOs and directories refused unread
        except (OSError, UnicodeDecodeError, LimitExceeded) as exc:
            reason = _reason(exc)
            print(f"kestra-nb flow: {name}: {reason}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        try:
            flow = KestraFlow.from_yaml(
                text, secrets=store, inputs=inputs, environ=environ, hints_for="cli"
            )
        except FlowError as exc:
            for problem in exc.problems:
                print(f"{name}: {problem}")
            status = max(status, EXIT_PROBLEMS)
            continue
        except LimitExceeded as exc:  # a bound (docs/limits.md): an error, not a finding
            print(f"kestra-nb flow: {name}: {exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        for error in flow.errors:
            print(f"{name}: {error}")
        if flow.errors:
            status = max(status, EXIT_PROBLEMS)
        elif args.show == "summary":
            tasks = plural(len(flow.tasks), "task")
            head, tail = verdict_parts(flow)
            print(
                f"{name}: {flow.namespace}.{flow.id}: {head}, {tasks}"
                + (f" · {tail}" if tail else "")
            )
        if args.show != "summary":
            print(flow.text(args.show))
    return status
