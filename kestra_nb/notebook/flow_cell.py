"""The `%%kestra_flow` cell: options to inputs and secrets, the flow evaluated, shown masked.

`KestraMagics.kestra_flow` parses its options and hands them here. The session's store and
environ are passed to `KestraFlow.from_yaml` explicitly (the core never looks the session up);
`--env` files give a per-cell copy of both. Every value the flow hides is handed to the
session's masker (`KestraFlow.register_secrets`), so a SECRET input stays masked in later
cells too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from ..errors import KestraNbError
from ..flow import KestraFlow
from ..flow.display import SHOW_CHOICES
from ..secrets import SecretStore
from .session import KernelSession, masker_subscriber

__all__ = ["SHOW_CHOICES", "FlowView", "run_flow_cell"]

Fail = Callable[..., NoReturn]


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
    """Evaluate and display the cell's flow; `fail(message, exc)` reports a user error."""
    for item in args.input:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--input {key.strip() or item!r}: expected KEY=VALUE")
        inputs[key.strip()] = value
    store: Any = session.store
    environ: Mapping[str, str] = session.environ
    if args.env:
        store, environ = cell_context(session, args.env, fail)
    try:
        flow = KestraFlow.from_yaml(cell, secrets=store, inputs=inputs, environ=environ)
    except KestraNbError as exc:
        problems = getattr(exc, "problems", None)
        if problems:
            lines = [str(exc).split(":", 1)[0] + ":"]
            lines += [f"  {p}" for p in problems]
            if args.save:
                lines.append(f"  (not saved to {args.save})")
            fail("\n".join(lines), exc)
        fail(str(exc), exc)
    # Kestra masks a SECRET input in every log of the run; here it stays masked in every
    # later cell output too. The flow's own masker has already noted a short one.
    flow.register_secrets(session.masker)
    if args.name and user_ns is not None:
        user_ns[args.name] = flow
    from IPython.display import display  # the notebook layer: IPython is there

    display(FlowView(flow, show))
    if args.save:
        save_source(flow, args.save, fail)


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


def save_source(flow: KestraFlow, path: str, fail: Fail) -> None:
    """`--save`: the cell's YAML as written (never rendered values), atomically."""
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = Path.cwd() / target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        flow.save(target, overwrite=True)  # the previous file is kept as `.bak`
    except OSError as exc:
        fail(f"--save {path}: {os_error(exc, target)}", exc)
    print(f"kestra_nb: saved the flow source to {target}")


def os_error(exc: OSError, path: object) -> str:
    """`<file>: <reason>` for an OSError, in one line."""
    return f"{exc.filename or path}: {exc.strerror or exc}"
