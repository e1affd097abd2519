"""`kestra-nb deploy`: check flow files, then create or update them on a Kestra server.

Each file is validated locally first (`KestraFlow.from_yaml`: the structural rules), then by
the server (`validateFlows`: its plugins), then deployed: a new flow, a new revision, or
nothing when the server already has this source. With `--dry-run` nothing is deployed.
Exit 0 when every flow is (or would be) deployed, 1 when a flow is refused, 2 on usage or
connection errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import FlowError
from ..files import read_text
from ..limits import LimitExceeded
from ..server.errors import ServerError, violation_line
from .common import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, add_limit_arguments
from .common import input_reason as _reason
from .server_options import add_server_arguments, connect


def register(subparsers: Any) -> None:
    """Add the `deploy` subcommand to the `kestra-nb` parser."""
    p = subparsers.add_parser(
        "deploy",
        help="validate flow files and deploy them to a Kestra server",
        description="Validate each flow file (locally, then on the server) and create or "
        "update it on the server; prints the revision and a link into Kestra's UI. The "
        "password or API token comes from KESTRA_PASSWORD or KESTRA_API_TOKEN. Exit 0 when "
        "all are deployed, 1 when a flow is refused, 2 on usage or connection errors.",
    )
    p.add_argument("files", nargs="+", metavar="PATH", help="flow YAML files")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate locally and on the server, deploy nothing",
    )
    add_server_arguments(p)
    add_limit_arguments(p)
    p.set_defaults(func=run_deploy)


def _local_problems(name: str, text: str) -> list[str]:
    from ..flow import KestraFlow
    from ..secrets import SecretStore

    try:
        # structure only: the server has its own secrets, so render problems do not count
        KestraFlow.from_yaml(text, secrets=SecretStore(), environ={})
    except FlowError as exc:
        return [f"{name}: {problem}" for problem in exc.problems]
    return []


def _refused(name: str, text: str, error: ServerError) -> list[str]:
    if not error.violations:
        return [f"{name}: {error}"]
    out = []
    for v in error.violations:
        line = violation_line(text, v.path)
        out.append(f"{name}:{line}: {v}" if line else f"{name}: {v}")
    return out


def run_deploy(args: argparse.Namespace) -> int:
    """`kestra-nb deploy PATH... [--dry-run] [--server URL] [--tenant T] [--user U]`."""
    status = EXIT_OK
    sources: list[tuple[str, str]] = []
    for name in args.files:
        try:
            text = read_text(name)  # devices, FIFOs and directories refused unread
        except (OSError, UnicodeDecodeError, LimitExceeded) as exc:
            reason = _reason(exc)
            print(f"kestra-nb deploy: {name}: {reason}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        problems = _local_problems(name, text)
        for problem in problems:
            print(problem)
        if problems:
            status = max(status, EXIT_PROBLEMS)
        else:
            sources.append((name, text))
    if not sources:
        return status
    with connect(args) as client:
        for name, text in sources:
            try:
                violations = client.validate(text)
            except ServerError as exc:
                if exc.reason != "invalid":
                    raise
                violations = exc.violations
            if violations:
                for v in violations:
                    line = violation_line(text, v.path)
                    print(f"{name}:{line}: {v}" if line else f"{name}: {v}")
                status = max(status, EXIT_PROBLEMS)
                continue
            if args.dry_run:
                print(f"{name}: valid on {client.url} (dry run: not deployed)")
                continue
            try:
                deployed = client.deploy(text)
            except ServerError as exc:
                if exc.reason not in ("invalid", "conflict"):
                    raise
                for message in _refused(name, text, exc):
                    print(message)
                status = max(status, EXIT_PROBLEMS)
                continue
            what = "created" if deployed.created else "updated" if deployed.changed else "unchanged"
            print(
                f"{name}: {deployed.namespace}.{deployed.flow_id} revision {deployed.revision} "
                f"({what}) {deployed.url_in_ui}"
            )
    return status
