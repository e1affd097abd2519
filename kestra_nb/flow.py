"""`KestraFlow`: a flow parsed, validated and rendered as Kestra would run it, safe to display.

    flow = KestraFlow.from_yaml(text, secrets=store, inputs={"user": "Ada"}, environ=env)

`from_yaml` raises `FlowError` (every problem, with path, line and column) when the text is
not a valid flow (`kestra_nb.flow_validation`); otherwise the flow is rendered
(`kestra_nb.flow_render`): a missing secret or a bad expression does not raise but is listed
on `.errors`, and an expression needing run-time values is listed on `.deferred`.

`.rendered` holds real values: never display it. Everything this object shows (`repr`,
`_repr_html_`, `to_yaml()`) is masked (`kestra_nb.flow_display`). `.save()` writes the
source, never a rendered value.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import FlowError, FlowProblem
from .flow_render import Deferred, RenderProblem, RenderResult, render_flow
from .flow_validation import Marks, format_path, load_flow_yaml, validate_flow, walk_tasks

__all__ = ["Deferred", "FlowError", "FlowProblem", "KestraFlow", "RenderProblem"]


def _session() -> Any:
    """The loaded notebook extension's session, if any, without importing the notebook layer."""
    module = sys.modules.get("kestra_nb.notebook.extension")
    current = getattr(module, "current", None)
    try:
        return current() if callable(current) else None
    except Exception:  # pragma: no cover - defensive: a broken session must not break the core
        return None


class KestraFlow:
    """A parsed, validated and rendered Kestra flow (see the module docstring)."""

    source: str
    flow: dict[str, Any]
    marks: Marks
    rendered: dict[str, Any]
    secrets_used: list[str]
    missing_secrets: list[str]
    envs_used: list[str]
    inputs_used: list[str]
    deferred: list[Deferred]
    warnings: list[FlowProblem]
    errors: list[RenderProblem]

    def __init__(
        self,
        source: str,
        flow: dict[str, Any],
        marks: Marks,
        result: RenderResult,
        warnings: list[FlowProblem],
    ) -> None:
        """Use `KestraFlow.from_yaml`; this only assembles the pieces."""
        self.source = source
        self.flow = flow
        self.marks = marks
        self.rendered = result.rendered
        self._display = result.display
        # (name, value) of everything to hide; names only label the masker's warnings
        self._secret_values: list[tuple[str, str]] = [
            ("a secret used by the flow", v) for v in result.secret_values
        ]
        self._masker: Any = None
        self.secrets_used = result.secrets_used
        self.missing_secrets = result.missing_secrets
        self.envs_used = result.envs_used
        self.inputs_used = result.inputs_used
        self.deferred = result.deferred
        self.warnings = [*warnings, *result.warnings]
        self.errors = result.errors
        self.context = result.context

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_yaml(
        cls,
        text: str,
        secrets: Any = None,
        inputs: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        renderer: Any = None,
        execution: Mapping[str, Any] | None = None,
    ) -> KestraFlow:
        """Parse, validate and render `text`.

        `secrets`: a `SecretStore` or a mapping name -> plain value; `environ`: env-style
        entries (`ENV_X=...` gives `envs.x`). When omitted they come from `renderer` if one
        is given, else from the loaded notebook extension's session if there is one, else
        from the process environment (`SECRET_*` base64 values and `ENV_*`, as Kestra reads
        them). `inputs`: values by input id (text or typed); when given, every required input
        without a default must be in it (else a required input without a value is a warning
        and the expressions using it are deferred). `renderer`: a `kestra_nb.pebble.Renderer`
        to use instead of a new one. `execution`: values overriding the generated `execution`
        variable (`id`, `startDate`).
        Raises `FlowError` listing every problem when `text` is not a valid flow.
        """
        if not isinstance(text, str):
            raise TypeError(f"a flow is YAML text, not {type(text).__name__}")
        if renderer is not None and secrets is not None:
            # the renderer resolves secret() from its own store: one source, said once
            raise TypeError("give secrets= or renderer= (which has its own secrets), not both")
        data, marks, problems = load_flow_yaml(text)
        warnings: list[FlowProblem] = []
        if data is not None:
            result = validate_flow(data, marks, inputs=inputs)
            problems = [*problems, *result.problems]
            warnings = result.warnings
        if problems or data is None:
            raise FlowError(_masked(_sorted(problems), secrets, environ, renderer))
        store, env = _sources(secrets, environ, renderer)
        engine = renderer
        if engine is None:
            from .pebble import Renderer

            engine = Renderer(secrets=store, environ=env)
        envs = _envs(env, engine)
        rendered = render_flow(
            data,
            marks,
            engine,
            inputs=inputs,
            envs=envs,
            execution=execution,
            secret_exists=lambda name: _has_secret(store, engine, name),
        )
        flow = cls(text, data, marks, rendered, warnings)
        # Every value of the store is hidden, not only those `secret()` reads: a secret given
        # as a plain input (`inputs.token`) is rendered, and quoted by an input's error message.
        named = []
        unused = [n for n in _store_names(store) if n not in flow.secrets_used]
        for name in [*flow.secrets_used, *unused]:
            if name not in flow.missing_secrets and _has_secret(store, engine, name):
                value = _get_secret(store, engine, name)
                if value:
                    named.append((name, value))
        flow._secret_values = named + flow._secret_values
        # an error message may quote a value (`'<value>' is not a valid number`): never keep one
        masker = flow.masker
        flow.errors = [replace(e, message=masker.mask(e.message)) for e in flow.errors]
        flow.warnings = [replace(w, message=masker.mask(w.message)) for w in flow.warnings]
        return flow

    # -- attributes ----------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The flow's id."""
        return str(self.flow.get("id"))

    @property
    def namespace(self) -> str:
        """The flow's namespace."""
        return str(self.flow.get("namespace"))

    @property
    def tasks(self) -> list[tuple[str, Mapping[str, Any]]]:
        """Every task as (path, task), nested ones included, parents first."""
        return [
            (format_path(path), task)
            for path, task in walk_tasks(self.flow)
            if isinstance(task, Mapping)
        ]

    @property
    def masker(self) -> Any:
        """A `Masker` holding every secret value this flow used (and its SECRET inputs)."""
        if self._masker is None:
            from .masking import Masker

            masker = Masker()
            for name, value in self._secret_values:
                masker.add(value, name)
            self._masker = masker
        return self._masker

    # -- output --------------------------------------------------------------------------
    def to_yaml(self, masked: bool = True) -> str:
        """The rendered flow as YAML; masked (`******`) unless `masked=False` is asked for."""
        from .flow_display import dump_yaml

        if not masked:
            return dump_yaml(self.rendered)
        return str(self.masker.mask(dump_yaml(self._display)))

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the source YAML (never a rendered value) to `path`, atomically; returns it."""
        from .atomic import write_atomic

        target = Path(path)
        write_atomic(target, self.source, mode=0o644, overwrite=overwrite)
        return target

    def html(self, show: str = "rendered") -> str:
        """The HTML display; `show` is `rendered`, `source` or `both`."""
        from .flow_display import render_html

        return render_html(self, show)

    def text(self, show: str = "rendered") -> str:
        """The plain-text display; `show` is `rendered`, `source` or `both`."""
        from .flow_display import render_text

        return render_text(self, show)

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else self.text())

    def __repr__(self) -> str:
        missing = f", {len(self.missing_secrets)} missing secret(s)" if self.missing_secrets else ""
        return (
            f"<KestraFlow {self.namespace}.{self.id}: {len(self.tasks)} task(s), "
            f"{len(self.deferred)} deferred, {len(self.errors)} error(s){missing}>"
        )


def _sorted(problems: list[FlowProblem]) -> list[FlowProblem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0, p.column or 0))


def _masked(
    problems: list[FlowProblem], secrets: Any, environ: Mapping[str, str] | None, renderer: Any
) -> list[FlowProblem]:
    """Problems quote the flow's text (`Invalid type: ...`): a secret pasted there is masked."""
    import warnings

    from .masking import Masker

    with warnings.catch_warnings():  # decode or too-short warnings belong to other calls
        warnings.simplefilter("ignore")
        try:
            store, _ = _sources(secrets, environ, renderer)
            masker = Masker(list(store.values()))
        except Exception:  # no usable store: nothing known to mask
            return problems
    return [replace(p, message=masker.mask(p.message)) for p in problems]


def _sources(secrets: Any, environ: Mapping[str, str] | None, renderer: Any) -> tuple[Any, Any]:
    """The secret store and env entries to use.

    Explicit arguments win; else a given renderer's own (its `secrets`, its `envs`); else the
    loaded extension's session; else the process environment, as Kestra reads it.
    """
    from .secrets import SecretStore

    session = None
    if renderer is None and (secrets is None or environ is None):
        session = _session()
    store = secrets
    if store is None and renderer is not None:
        store = getattr(renderer, "secrets", None) or SecretStore()
    if store is None and session is not None:
        store = getattr(session, "store", None)
    if store is None:
        store = SecretStore.from_environ(os.environ)
    elif isinstance(store, Mapping):
        store = SecretStore(store)
    env = environ
    if env is None and session is not None:
        env = getattr(session, "environ", None)
    if env is None and renderer is None:
        env = dict(os.environ)
    return store, env


def _envs(environ: Mapping[str, str] | None, engine: Any) -> dict[str, str]:
    if environ is None:
        return dict(getattr(engine, "envs", {}) or {})
    from .secrets import envs_from

    return envs_from(environ)


def _store_names(store: Any) -> list[str]:
    """The names a store (a `SecretStore` or a mapping) holds; none when it cannot say."""
    try:
        names = store.names() if hasattr(store, "names") else list(store or ())
    except Exception:  # an unusual store: only the secrets the flow uses are known
        return []
    return [n for n in names if isinstance(n, str)]


def _get_secret(store: Any, engine: Any, name: str) -> str | None:
    target = store if store is not None else getattr(engine, "secrets", None)
    try:
        value = target.get(name) if target is not None else None
    except Exception:  # a store without it: nothing to register
        return None
    return value if isinstance(value, str) else None


def _has_secret(store: Any, engine: Any, name: str) -> bool:
    target = store if store is not None else getattr(engine, "secrets", None)
    if target is None:
        return False
    try:
        return name in target
    except TypeError:
        return False
