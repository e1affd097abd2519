"""`kestra-nb run`: start an execution of a deployed flow, follow its logs to the end.

Logs, the final state and the outputs are printed through a masker holding every known
secret (`SECRET_*` variables and the `--env-file` files, as `kestra-nb flow` gathers them,
and the server credentials): a flow that logs a secret does not put it in a CI log. Ctrl-C
asks the server to kill the execution. Exit 0 when it succeeds, 1 when it fails (or the
server refuses the run), 2 on usage or connection errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import KestraNbError
from ..server.errors import ServerError
from .common import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, add_limit_arguments
from .server_options import (
    add_server_arguments,
    connect,
    credential_values,
    secrets_masker,
)

EXIT_INTERRUPTED = 130


def register(subparsers: Any) -> None:
    """Add the `run` subcommand to the `kestra-nb` parser."""
    p = subparsers.add_parser(
        "run",
        help="run a flow on a Kestra server and follow its logs (secrets masked)",
        description="Create an execution of NAMESPACE.ID with the given inputs and files; "
        "with --wait (the default) follow its logs live until it ends, then print the final "
        "state and outputs. Every known secret is masked. Exit 0 on success, 1 when the "
        "execution fails or the server refuses it, 2 on usage or connection errors.",
    )
    p.add_argument("flow", metavar="NAMESPACE.ID", help="the flow, e.g. company.team.hello")
    p.add_argument(
        "--input", action="append", default=[], metavar="KEY=VALUE", help="an input; repeatable"
    )
    p.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="a FILE input, uploaded; repeatable",
    )
    p.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="follow the execution to its end (default) or only start it",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="give up following after this long (default: 3600; the execution goes on)",
    )
    p.add_argument(
        "--env-file",
        action="append",
        default=[],
        metavar="FILE",
        help="dotenv file whose SECRET_* values are masked in the output; repeatable "
        "(default: the nearest .env_encoded or .env from the current directory up)",
    )
    add_server_arguments(p)
    add_limit_arguments(p)
    p.set_defaults(func=run_run)


def _pairs(pairs: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            # the value is left out of the message: it may be a secret
            raise KestraNbError(f"{option} {key.strip() or '?'}=...: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def _flow_ref(text: str) -> tuple[str, str]:
    namespace, _, flow_id = text.rpartition(".")
    if not namespace or not flow_id:
        raise KestraNbError(f"{text!r}: expected NAMESPACE.ID (e.g. company.team.hello)")
    return namespace, flow_id


def _value(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def run_run(args: argparse.Namespace) -> int:
    """`kestra-nb run NAMESPACE.ID [--input K=V] [--file K=PATH] [--wait|--no-wait]`."""
    namespace, flow_id = _flow_ref(args.flow)
    inputs = _pairs(args.input, "--input")
    files = {k: Path(v) for k, v in _pairs(args.file, "--file").items()}
    for key, path in files.items():
        if not path.is_file():
            raise KestraNbError(f"--file {key}={path}: no such file")
    masker = secrets_masker(args.env_file, "run", credential_values())

    def say(text: str, err: bool = False) -> None:
        print(masker.mask(text), file=sys.stderr if err else sys.stdout, flush=True)

    try:
        return _run(args, namespace, flow_id, inputs, files, say)
    except ServerError as exc:  # printed here, masked: a server's message may quote an input
        say(f"kestra-nb run: {exc}", err=True)
        return EXIT_PROBLEMS if exc.reason in ("invalid", "conflict") else EXIT_ERROR


def _run(
    args: argparse.Namespace,
    namespace: str,
    flow_id: str,
    inputs: dict[str, str],
    files: dict[str, Path],
    say: Callable[..., None],
) -> int:
    from ..server.follow import follow_run, kill_and_wait

    with connect(args) as client:
        execution = client.create_execution(namespace, flow_id, inputs, files)
        say(
            f"kestra-nb run: {args.flow}: execution {execution.id} {execution.url or ''}".rstrip(),
            err=True,
        )
        if not args.wait:
            print(execution.id)
            return EXIT_OK

        def on_log(line: Any) -> None:
            task = f" {line.task_id}" if line.task_id else ""
            stamp = (line.timestamp or "")[11:19]
            say(f"{stamp} {line.level:<5}{task}: {line.message}".lstrip())

        try:
            final = follow_run(client, execution.id, on_log=on_log, deadline=args.max_wait)
        except KeyboardInterrupt:
            say(f"kestra-nb run: interrupted: killing execution {execution.id}", err=True)
            final = kill_and_wait(client, execution.id)
            say(f"kestra-nb run: {args.flow}: {final.state}", err=True)
            return EXIT_INTERRUPTED
        runs = ", ".join(f"{r.task_id} {r.state}" for r in final.task_runs)
        say(f"kestra-nb run: {args.flow}: {final.state} ({runs})", err=True)
        outputs = dict(final.outputs) or {
            f"{task}.{key}": value
            for task, values in final.task_outputs().items()
            for key, value in values.items()
        }
        for key, value in outputs.items():
            say(f"output {key} = {_value(value)}")
        return EXIT_OK if final.succeeded else EXIT_PROBLEMS
