"""The `%%kestra_flow` cell: options to inputs and secrets, the flow evaluated, shown masked.

`KestraMagics.kestra_flow` parses its options and hands them here. The session's store and
environ are passed to `KestraFlow.from_yaml` explicitly (the core never looks the session up);
`--env` files give a per-cell copy of both. Every value the flow hides is handed to the
session's masker (`KestraFlow.register_secrets`), so a SECRET input stays masked in later
cells too. Lines are the cell's as JupyterLab numbers them (the magic is line 1), and hints
speak of the notebook (`%kestra_env FILE`, `%kestra_secrets`, `--input`).

With `--deploy` or `--run` the cell's YAML then goes to the connected Kestra server
(`server_magics.deploy_and_run`), after a list of the secrets the server needs for it; the
execution of a `--run` is left in `_kestra_execution`.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from ..errors import FlowError, KestraNbError
from ..flow import KestraFlow
from ..flow.display import SHOW_CHOICES
from ..flow.schema import load_schema
from ..limits import evaluation
from ..secrets import SecretStore
from .session import KernelSession, masker_subscriber

__all__ = ["SHOW_CHOICES", "FlowView", "run_flow_cell", "secrets_needed"]

Fail = Callable[..., NoReturn]

FIRST_LINE = 2  # the cell's YAML starts on line 2: line 1 is `%%kestra_flow`
_MISSING_SECRET = "Cannot find secret for key"  # Kestra's wording: the server may have it


class FlowView:
    """A `KestraFlow` displayed as one of `SHOW_CHOICES` (masked HTML and text)."""

    def __init__(self, flow: KestraFlow, show: str = "rendered") -> None:
        if show not in SHOW_CHOICES:
            raise ValueError(f"show must be one of {', '.join(SHOW_CHOICES)}, not {show!r}")
        self.flow = flow
        self.show = show

    def _repr_html_(self) -> str:
        return str(self.flow.html(self.show))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self.flow) if cycle else str(self.flow.text(self.show)))

    def __repr__(self) -> str:
        return str(self.flow.text(self.show))


def run_flow_cell(
    session: KernelSession,
    args: argparse.Namespace,
    cell: str,
    inputs: dict[str, Any],
    *,
    show: str,
    fail: Fail,
    user_ns: dict[str, Any] | None,
) -> None:
    """Evaluate and display the cell's flow, save it, deploy or run it on Kestra;
    `fail(message, exc)` reports a user error (one line per problem, never a value)."""
    for item in args.input:
        key, value = _pair(item, "--input", fail)
        inputs[key] = value
    files: dict[str, str] = {}
    for item in getattr(args, "file", None) or []:
        key, value = _pair(item, "--file", fail)
        files[key] = value
        inputs[key] = value  # the preview shows the `kestra:///` URI the upload will get
    deploying = bool(getattr(args, "deploy", False) or getattr(args, "run", False))
    force = bool(getattr(args, "force", False))
    store: Any = session.store
    environ: Mapping[str, str] = session.environ
    if args.env:
        store, environ = cell_context(session, args.env, fail)
    flow: KestraFlow | None = None
    schema_source = str(getattr(session.magics, "schema", "") or "")  # %config KestraMagics
    with evaluation():  # one deadline for the YAML, every template and jq program
        try:
            schema = load_schema(schema_source) if schema_source else None
            flow = KestraFlow.from_yaml(
                cell,
                secrets=store,
                inputs=inputs,
                environ=environ,
                first_line=FIRST_LINE,
                hints_for="notebook",
                schema=schema,
            )
        except FlowError as exc:
            if not (deploying and force):
                lines = [str(exc).split(":", 1)[0] + ":"]
                lines += [f"  {p}" for p in exc.problems]
                if args.save:
                    lines.append(f"  (not saved to {args.save})")
                if deploying:
                    lines.append("  (not deployed: --force deploys anyway)")
                fail("\n".join(lines), exc)
            n = len(exc.problems)
            print(f"kestra_nb: invalid flow ({n} problem{'s' if n != 1 else ''}): deploying anyway")
        except KestraNbError as exc:
            fail(str(exc), exc)
    if flow is not None:
        with evaluation():
            show_flow(session, flow, args, show, fail, user_ns)
    if deploying:
        send_to_kestra(session, flow, cell, args, inputs, files, fail, user_ns)


def show_flow(
    session: KernelSession,
    flow: KestraFlow,
    args: argparse.Namespace,
    show: str,
    fail: Fail,
    user_ns: dict[str, Any] | None,
) -> None:
    """Save (`--save`: a failure stops the cell before any flow text), store (`--name`) and
    display the flow."""
    # Kestra masks a SECRET input in every log of the run; here it stays masked in every
    # later cell output too. The flow's own masker has already noted a short one.
    flow.register_secrets(session.masker)
    saved = save_source(flow, args.save, fail) if args.save else None
    if args.name and user_ns is not None:
        user_ns[args.name] = flow
    from IPython.display import display  # the notebook layer: IPython is there

    display(FlowView(flow, show))
    if saved is not None:
        print(f"kestra_nb: saved the flow source to {saved}")


def secrets_needed(flow: KestraFlow | None, source: str) -> list[str]:
    """What a Kestra server needs for the `secret()` names the flow reads, in one-line notes
    (names only): its `SECRET_<NAME>` variables, and the command writing exactly those."""
    if flow is not None:
        names = list(flow.secrets_used)
    else:
        from ..pebble import referenced_secrets

        try:
            names = sorted(referenced_secrets(source))
        except KestraNbError:
            names = []
    if not names:
        return ["kestra_nb: the flow reads no secret()"]
    variables = ", ".join(f"SECRET_{n}" for n in names)
    only = " ".join(f"--only {n}" for n in names)
    return [
        f"kestra_nb: secrets the flow reads: {', '.join(names)}; the server needs {variables} "
        "(base64) in its environment",
        f"kestra_nb: write exactly those lines with: kestra-nb encode .env {only} "
        "-o .env_encoded.kestra (then the server's env_file)",
    ]


def send_to_kestra(
    session: KernelSession,
    flow: KestraFlow | None,
    cell: str,
    args: argparse.Namespace,
    inputs: Mapping[str, Any],
    files: Mapping[str, str],
    fail: Fail,
    user_ns: dict[str, Any] | None,
) -> None:
    """`--deploy` / `--run`: list the secrets the server needs, then `deploy_and_run`.
    Local errors stop the deploy unless `--force` (a missing secret does not: the server
    has its own); every `KestraNbError` is one line through `fail`."""
    from .connection import current
    from .server_magics import deploy_and_run

    force = bool(args.force)
    blocking = [e for e in (flow.errors if flow else []) if _MISSING_SECRET not in e.message]
    if blocking and not force:
        n = len(blocking)
        fail(f"not deployed: {n} local error{'s' if n != 1 else ''} above (--force deploys anyway)")
    for line in secrets_needed(flow, cell):
        print(line)
    sent = {k: _input_text(v) for k, v in inputs.items() if k not in files}
    try:
        execution = deploy_and_run(
            cell,
            connection=current(),
            deploy=True,  # `--run` deploys first when the flow changed
            run=bool(args.run),
            inputs=sent,
            files={k: str(Path(v).expanduser()) for k, v in files.items()},
            wait=not args.no_wait,
            masker=session.masker,
            force=force,
            first_line=FIRST_LINE,
        )
    except KestraNbError as exc:
        fail(str(exc), exc)
    except OSError as exc:  # a --file that cannot be read
        fail(f"--file: {os_error(exc, exc.filename)}", exc)
    if execution is not None and user_ns is not None:
        user_ns["_kestra_execution"] = execution


def _pair(item: str, option: str, fail: Fail) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        fail(f"{option} {key.strip() or item!r}: expected KEY=VALUE")
    return key.strip(), value


def _input_text(value: Any) -> str:
    """An input value as the text of a multipart part (Kestra converts it to the type)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def cell_context(
    session: KernelSession, paths: list[str], fail: Fail
) -> tuple[SecretStore, dict[str, str]]:
    """A copy of the session's store and environ with extra dotenv files, for one cell."""
    base = session.store
    store = SecretStore()
    store.subscribe(masker_subscriber(session.masker))
    for name in base.names():
        store.add(name, base.get(name), source=base.source_of(name))
    environ = dict(session.environ)
    for path in paths:
        try:
            loaded = session.load_env_file(path, store=store, environ=environ)
        except OSError as exc:
            fail(f"--env {path}: {os_error(exc, path)}", exc)
        except KestraNbError as exc:
            fail(f"--env {path}: {exc}", exc)
        for problem in loaded.problems:
            print(f"kestra_nb: --env {loaded.path}: invalid: {problem}", file=sys.stderr)
    return store, environ


def save_source(flow: KestraFlow, path: str, fail: Fail) -> Path:
    """`--save`: the cell's YAML as written (never rendered values), atomically; a directory
    (existing, or `DIR/`) gets `DIR/<namespace>.<id>.yml`. Returns the file written; a
    failure is one line naming the path once."""
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = Path.cwd() / target
    if target.is_dir() or path.endswith(("/", os.sep)):
        target = target / flow.file_name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return flow.save(target, overwrite=True)  # the previous file is kept as a backup
    except OSError as exc:
        fail(f"--save: cannot write {target}: {_save_reason(exc, target)}", exc)


def _save_reason(exc: OSError, target: Path) -> str:
    """Why a save failed, without repeating the target's path."""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and exc.filename not in (None, str(target)):
        return f"{exc.filename} is not a directory"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return (exc.strerror or str(exc)).lower()


def os_error(exc: OSError, path: object) -> str:
    """`<file>: <reason>` for an OSError, in one line."""
    return f"{exc.filename or path}: {exc.strerror or exc}"
