"""`KestraFlow`: a flow parsed, validated and rendered as Kestra would run it, safe to display.

    flow = KestraFlow.from_yaml(text, secrets=store, inputs={"user": "Ada"}, environ=env)

`from_yaml` raises `FlowError` when the text is not a valid flow
(`kestra_nb.flow.validation`), with every problem at once in line order: what can be rendered
is rendered anyway, so a bad input type does not hide a missing secret. Otherwise a missing
secret or a bad expression does not raise but is listed on `.errors`, and an expression
needing run-time values is listed on `.deferred`. Lines are the editor's (`first_line`), and
each problem may carry a hint (`kestra_nb.flow.hints`).

`.rendered` holds real values: never display it. Everything this object shows (`repr`,
`_repr_html_`, `to_yaml()`) is masked (`kestra_nb.flow.display`). `.save()` writes the
source, never a rendered value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..errors import FlowError, FlowProblem, KestraNbError
from ..kestra import PLACEHOLDER, envs_from
from ..limits import LimitExceeded, evaluation
from ..masking import Masker
from ..pebble import Renderer
from ..secrets import SecretStore
from ..sources import SecretsLike, SecretSource, as_source
from . import display, hints
from .evaluation import Deferred, RenderProblem, RenderResult, evaluate_flow
from .inputs import INPUT_TYPES, MISSING, lookup_supplied
from .schema import ServerSchema
from .source import Marks, format_path, load_flow_yaml
from .tasks import walk_tasks
from .validation import validate_flow

__all__ = ["Deferred", "FlowError", "FlowProblem", "KestraFlow", "RenderProblem"]

_DATA_TOKEN = "KestraNbMaskedValue7f3a9c"  # plain YAML, never in a flow


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
    unchecked_types: list[str]  # plugin types neither the index nor a server schema checked

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
        self._masker: Masker | None = None
        self._data_masker: Masker | None = None  # the same values, a token for placeholder
        self.mask_notes: list[str] = []  # a secret too short to be masked (names only)
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
        secrets: SecretsLike = None,
        inputs: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        renderer: Renderer | None = None,
        execution: Mapping[str, Any] | None = None,
        first_line: int = 1,
        hints_for: str = "python",
        schema: ServerSchema | None = None,
    ) -> KestraFlow:
        """Parse, validate and render `text`.

        `secrets`: a `SecretSource` (the `SecretStore`), a mapping name -> plain value or
        `(name, value)` pairs (`kestra_nb.sources.as_source`); `environ`: env-style entries
        (`ENV_X=...` gives `envs.x`). When omitted they come from `renderer` if one is given,
        else from the process environment (`SECRET_*` base64 values and `ENV_*`, as Kestra
        reads them): a notebook passes its session's store and environ explicitly.
        `inputs`: values by input id (text or typed); when given, every required input
        without a default must be in it (else a required input without a value is a warning
        and the expressions using it are deferred). `renderer`: a `kestra_nb.pebble.Renderer`
        to use instead of a new one. `execution`: values overriding the generated `execution`
        variable (`id`, `startDate`). `first_line`: the line number of the text's first line,
        as the editor shows it (1 for a file, 2 in a `%%kestra_flow` cell). `hints_for`:
        who reads the problems' hints, one of `kestra_nb.flow.hints.AUDIENCES` ("python",
        "notebook", "cli"). `schema`: a server's flow schema (`kestra_nb.flow.schema`), which
        checks the plugins the bundled index does not cover.
        Raises `FlowError` listing every problem (structural, input and render ones, in line
        order) when `text` is not a valid flow.
        """
        if not isinstance(text, str):
            raise TypeError(f"a flow is YAML text, not {type(text).__name__}")
        if renderer is not None and secrets is not None:
            # the renderer resolves secret() from its own store: one source, said once
            raise TypeError("give secrets= or renderer= (which has its own secrets), not both")
        if hints_for not in hints.AUDIENCES:
            raise ValueError(f"hints_for must be one of {', '.join(hints.AUDIENCES)}")
        with evaluation():  # one deadline for loading, validating and rendering
            store, env = _sources(secrets, environ, renderer)
            data, marks, problems = load_flow_yaml(text, first_line=first_line)
            warnings: list[FlowProblem] = []
            unchecked: list[str] = []
            if data is not None:
                result = validate_flow(data, marks, inputs=inputs, schema=schema)
                problems = [*problems, *result.problems]
                warnings = result.warnings
                unchecked = result.unchecked_types
            problems = [_with_hint(p, data, inputs, hints_for) for p in problems]
            engine = renderer if renderer is not None else Renderer(secrets=store, environ=env)
            envs = envs_from(env) if env is not None else dict(engine.envs)

            def evaluate() -> RenderResult:
                return evaluate_flow(
                    data,
                    marks,
                    engine,
                    inputs=inputs,
                    envs=envs,
                    execution=execution,
                    secret_exists=lambda name: name in store,
                    hints_for=hints_for,
                )

            if problems or data is None:
                if isinstance(data, Mapping):
                    # every problem at once: render what renders despite the broken parts
                    try:
                        partial = evaluate()
                    except LimitExceeded:
                        raise
                    except (KestraNbError, LookupError, TypeError, ValueError, AttributeError):
                        partial = None  # a part the evaluation needs is broken: said above
                    if partial is not None:
                        problems = [*problems, *(e.as_flow_problem() for e in partial.errors)]
                raise FlowError(_masked(_sorted(problems), store))
            rendered = evaluate()
            flow = cls(text, data, marks, rendered, warnings)
            flow.unchecked_types = unchecked  # plugins neither the index nor a schema checked
            # Every value of the store is hidden, not only those `secret()` reads: a secret given
            # as a plain input (`inputs.token`) is rendered, and quoted by an input's error message.
            named = []
            unused = [n for n in store.names() if n not in flow.secrets_used]
            for name in [*flow.secrets_used, *unused]:
                if name not in flow.missing_secrets and name in store:
                    value = store.get(name)
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
    def masker(self) -> Masker:
        """A `Masker` holding every secret value this flow used (and its SECRET inputs)."""
        if self._masker is None:
            masker = Masker()
            for name, value in self._secret_values:
                note = masker.register(value, name)
                if note is not None:
                    self.mask_notes.append(note)
            self._masker = masker
        return self._masker

    def register_secrets(self, masker: Masker) -> list[str]:
        """Hand `masker` every value this flow hides (the secrets it used, the store's others,
        its SECRET inputs): for a masker only, values never leave otherwise. Returns the
        one-line notes for values too short to be masked (names only). One build, on the
        calling thread (nothing to build when `masker` knew them all)."""
        return masker.add_many(self._secret_values)

    # -- output --------------------------------------------------------------------------
    def to_yaml(self, masked: bool = True) -> str:
        """The rendered flow as YAML; masked (`******`) unless `masked=False` is asked for."""
        if not masked:
            return display.dump_yaml(self.rendered)
        # masked on the data first: YAML quoting (`it''s`, `\a`) must not hide a value. A
        # plain token stands for the placeholder while dumping, so the YAML reads as before.
        if self._data_masker is None:  # built once: a store of 10,000 secrets takes 0.3 s
            self._data_masker = Masker(placeholder=_DATA_TOKEN)
            for name, value in self._secret_values:
                self._data_masker.register(value, name)
        shown = display.dump_yaml(self._data_masker.mask_data(self._display))
        return str(self.masker.mask(shown.replace(_DATA_TOKEN, PLACEHOLDER)))

    @property
    def file_name(self) -> str:
        """`<namespace>.<id>.yml`: the name `save` gives the flow in a directory."""
        return f"{self.namespace}.{self.id}.yml"

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the source YAML (never a rendered value) to `path`, atomically; returns the
        file written. A directory (existing, or a path ending in `/`) gets
        `<dir>/<namespace>.<id>.yml`. Replacing a file keeps the previous one as a backup
        (`kestra_nb.atomic.write_atomic`, which rotates `.bak`, `.bak.1`, ...)."""
        target = Path(path)
        if target.is_dir() or str(path).endswith(("/", os.sep)):
            target = target / self.file_name
        write_atomic(target, self.source, mode=0o644, overwrite=overwrite, backup=True)
        return target

    def html(self, show: str = "rendered") -> str:
        """The HTML display; `show` is one of `display.SHOW_CHOICES`."""
        return display.render_html(self, show)

    def text(self, show: str = "rendered") -> str:
        """The plain-text display; `show` is one of `display.SHOW_CHOICES`."""
        return display.render_text(self, show)

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


def _with_hint(
    problem: FlowProblem, data: Any, supplied: Mapping[str, Any] | None, audience: str
) -> FlowProblem:
    """`problem` with a hint when one helps: a misspelt input type (`INTEGER`: did you mean
    INT?), a required input without a value (how to give one)."""
    if problem.hint is not None or not isinstance(data, Mapping):
        return problem
    raw = data.get("inputs")
    match = re.fullmatch(r"inputs\[(\d+)\](?:\.(type|itemType))?", problem.path)
    if not isinstance(raw, list) or match is None or int(match.group(1)) >= len(raw):
        return problem
    item = raw[int(match.group(1))]
    if not isinstance(item, Mapping):
        return problem
    key = match.group(2)
    if key is not None:
        kind = item.get(key)
        if isinstance(kind, str) and kind not in INPUT_TYPES:
            hint = hints.did_you_mean(kind, INPUT_TYPES)
            return replace(problem, hint=hint) if hint else problem
        return problem
    input_id = item.get("id")
    if (
        supplied is not None
        and isinstance(input_id, str)
        and item.get("required", True) is not False
        and item.get("defaults") is None
        and lookup_supplied(supplied, input_id) in (MISSING, None)
    ):
        return replace(problem, hint=hints.missing_input(input_id, audience))
    return problem


def _sorted(problems: list[FlowProblem]) -> list[FlowProblem]:
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0, p.column or 0))


def _masked(problems: list[FlowProblem], store: SecretSource) -> list[FlowProblem]:
    """Problems quote the flow's text (`Invalid type: ...`): a secret pasted there is masked."""
    masker = Masker()
    for name in store.names():
        if name in store:
            masker.register(store.get(name), name)
    return [replace(p, message=masker.mask(p.message)) for p in problems]


def _sources(
    secrets: SecretsLike, environ: Mapping[str, str] | None, renderer: Renderer | None
) -> tuple[SecretSource, Mapping[str, str] | None]:
    """The secret source and env entries to use: explicit arguments win; else a given
    renderer's own (its `secrets`, its `envs`: `environ` stays None); else the process
    environment, as Kestra reads it."""
    if isinstance(secrets, Mapping):
        # a plain mapping gets Kestra's naming rules (names upper-cased), as a store would
        store: SecretSource = SecretStore(secrets)
    elif secrets is not None:
        store = as_source(secrets)
    elif renderer is not None:
        store = renderer.secrets if renderer.secrets is not None else as_source(None)
    else:
        store = SecretStore.from_environ(os.environ, warn=False)
    env = environ
    if env is None and renderer is None:
        env = dict(os.environ)
    return store, env
