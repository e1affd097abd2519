"""`Renderer`: Kestra's `VariableRenderer` pipeline over the Pebble engine.

1. A string without `{` is returned untouched (Pebble never parses it).
2. Kestra's single-line `{% raw %}...{% endraw %}` blocks are swapped for UUIDs before
   rendering and put back afterwards; the final result drops the raw tags (§3.2).
3. The template (its "name" is its own source, as Kestra's literal templates) is compiled
   once and kept in an LRU cache (1000 entries, like Kestra's `PebbleLruCache`).
4. Errors take Kestra's shapes: ``Unable to find `x` used in the expression `{{ x }}` at
   line 1`` (`UndefinedError`), `io.pebbletemplates.pebble.error.PebbleException: <msg>
   (<template>:<line>)` (`PebbleError`, `SecretNotFoundError`, `NotAvailableError`) and
   `...ParserException: ...` (`PebbleParseError`).
5. `recursive=True` re-renders until the output stops changing (at most 100 times).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateSyntaxError

from ..dotenv_codec import decode_environ
from ..errors import RenderError, SecretNotFound, SecretStoreError
from ..kestra import SECRET_PREFIX, envs_from
from ..limits import LimitExceeded, close_budget, evaluation, open_budget
from ..sources import MappingSource, SecretsLike, SecretSource, as_source
from . import runtime
from .environment import PebbleEnvironment
from .exceptions import (
    PARSER_EXCEPTION,
    PEBBLE_EXCEPTION,
    PebbleError,
    PebbleParseError,
    SecretNotFoundError,
    UndefinedError,
)
from .lexer import RAW_PATTERN, ParseFailure
from .runtime import sized

MAX_RENDERING_AMOUNT = 100
_UNEXPECTED_KWARG = re.compile(r"got an unexpected keyword argument '(\w+)'")
_RAW_NAMESPACE = uuid.UUID("6f1d2c4e-5b1a-4c8e-9a52-4b6f0c3d2e71")
DEFAULT_FLOW = {"id": "notebook", "namespace": "company.team"}


class Renderer:
    """Render Kestra expressions exactly as Kestra 1.x would (see the module docstring).

    `secrets`: a `SecretSource` (the `SecretStore`) or a plain mapping (keys looked up
    upper-cased, like Kestra), normalised by `kestra_nb.sources.as_source`. `environ`:
    environment-style entries; `ENV_X` becomes `envs.x`, and without `secrets` its base64
    `SECRET_X` entries are the secrets, as in Kestra. `functions`: implementations of
    server functions (`kv`, `read`, ...).
    `kestra_version="2"` switches to the 2.0 development line's grammar (§3.6: `??`, `???`
    and `isIn` below filters and arithmetic; `<`/`>` on two strings compare them).
    """

    def __init__(
        self,
        secrets: SecretsLike = None,
        environ: Mapping[str, str] | None = None,
        recursive: bool = False,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        cache_size: int = 1000,
        kestra_version: str = "1",
    ) -> None:
        self.recursive = recursive
        self.functions: dict[str, Callable[..., Any]] = dict(functions or {})
        self.envs: dict[str, str] = {}
        if environ:
            self.envs = envs_from(environ)
            if secrets is None and any(k.startswith(SECRET_PREFIX) for k in environ):
                # Kestra reads its secrets from the same environment (base64 `SECRET_*`)
                secrets = _environ_secrets(environ)
        self.secrets: SecretSource | None = None if secrets is None else as_source(secrets)
        self.environment = PebbleEnvironment(
            self.functions, recursive=recursive, kestra_version=kestra_version
        )
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

    # public API --------------------------------------------------------------------------
    def render(
        self, template: str, variables: Mapping[str, Any] | None = None, masked: bool = False
    ) -> str:
        """Render `template` with `variables`; `masked=True` shows `secret()` as `******` and
        anything computed from one as `****** (computed from NAME)` (the display pass, which
        never holds a value; the real pass runs first, so an error is still Kestra's).
        An error never quotes a secret, nor a value computed from one."""
        out = self._render_top(template, variables, False)[0]
        if not masked:
            return out
        return self.render_display(template, variables)

    def render_display(self, template: str, variables: Mapping[str, Any] | None = None) -> str:
        """The display pass alone: `secret()` (and any `Tainted` variable) gives a placeholder,
        anything computed from one is a placeholder too; no secret value is ever read."""
        return self._display(template, variables)[0]

    def explain(
        self, error: RenderError, template: str, variables: Mapping[str, Any] | None = None
    ) -> RenderError:
        """A real pass's `error`, worded by the display pass (which never held a value): its
        own error when it fails the same way, else the error Kestra gives on `******`, else a
        message naming the secrets only."""
        try:
            _, state = self._display(template, variables)
        except RenderError as safe:
            return safe
        match = re.search(r":(\d+)\)$", str(error))
        line = match.group(1) if match else "1"
        for probe in reversed(state.probe_errors):
            if isinstance(probe, runtime.Missing) or not isinstance(probe, Exception):
                continue
            shaped = self._kestra_shape(probe, self.compile(template), template)
            text = re.sub(r":\d+\)$", f":{line})", str(shaped))
            shaped.args = (text, *shaped.args[1:])
            return shaped  # type: ignore[return-value]
        names = ", ".join(sorted({n for t in state.taints for n in t.sources})) or "a secret"
        return _formatted(  # type: ignore[return-value]
            PebbleError(
                f"{PEBBLE_EXCEPTION}: a value computed from {names} cannot be used here "
                f"(the value is not shown) ({template}:{line})"
            )
        )

    def render_with_secrets(
        self, template: str, variables: Mapping[str, Any] | None = None
    ) -> tuple[str, list[str]]:
        """Render, and also return the secret values `secret()` produced (for a masker)."""
        return self._render_top(template, variables, False)

    def render_object(
        self, value: Any, variables: Mapping[str, Any] | None = None, masked: bool = False
    ) -> Any:
        """Kestra's `renderObject`: strings rendered, maps (keys too) and lists walked,
        anything else returned as is (a whole flow's properties in one call)."""
        with evaluation():
            return self._render_object(value, variables, masked)

    def _render_object(self, value: Any, variables: Mapping[str, Any] | None, masked: bool) -> Any:
        state = self._state(False)
        token = runtime.set_state(state)
        try:
            ctx = self.context(variables)
            out = runtime.render_value(state, value, ctx, self.recursive)
        finally:
            runtime.reset_state(token)
        if not masked:
            return out
        state = self._state(False)
        state.taint = True
        state.has_secret = self._has_secret
        token = runtime.set_state(state)
        try:
            shown = runtime.render_value(state, value, self.context(variables), self.recursive)
        finally:
            runtime.reset_state(token)
        return _reveal(shown, state)

    def context(self, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The root variables a template sees: defaults (`flow`, `envs`, `globals`) + yours."""
        ctx: dict[str, Any] = {"flow": dict(DEFAULT_FLOW), "envs": dict(self.envs), "globals": {}}
        if variables:
            ctx.update(variables)
        return ctx

    def compile(self, source: str) -> Template:
        """The compiled template for `source` (LRU-cached); raises `PebbleParseError`."""
        with self._lock:
            cached = self._cache.get(source)
            if cached is not None:
                self._cache.move_to_end(source)
                return cached
        try:
            compiled = self.environment.from_string(source)
        except ParseFailure as exc:
            raise _formatted(
                PebbleParseError(f"{PARSER_EXCEPTION}: {exc.message} ({source}:{exc.line})")
            ) from None
        except TemplateSyntaxError as exc:  # Jinja2's own compile-time checks (`block` twice)
            raise _formatted(
                PebbleParseError(f"{PARSER_EXCEPTION}: {exc.message} ({source}:{exc.lineno})")
            ) from None
        except (SyntaxError, RecursionError) as exc:  # defensive: never a bare Python error
            raise _formatted(
                PebbleParseError(f"{PARSER_EXCEPTION}: {type(exc).__name__}: {exc} ({source}:1)")
            ) from None
        with self._lock:
            self._cache[source] = compiled
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return compiled

    # pipeline ------------------------------------------------------------------------------
    def _render_top(
        self, template: str, variables: Mapping[str, Any] | None, masked: bool
    ) -> tuple[str, list[str]]:
        budget = open_budget()  # bounded (docs/limits.md); inside a flow, the flow's budget
        try:
            return self._render_top_bounded(template, variables, masked)
        finally:
            close_budget(budget)

    def _render_top_bounded(
        self, template: str, variables: Mapping[str, Any] | None, masked: bool
    ) -> tuple[str, list[str]]:
        state = self._state(masked)
        token = runtime.set_state(state)
        try:
            out = self._render(template, self.context(variables), self.recursive)
        except RenderError as exc:
            if not state.seen or getattr(exc, "value_free", False):
                raise
            error = exc  # it may quote a value computed from a secret: reworded
        else:
            return out, list(dict.fromkeys(state.used))
        finally:
            runtime.reset_state(token)
        safe = self.explain(error, template, variables)
        safe.__traceback__ = None
        raise safe from None

    def _display(
        self, template: str, variables: Mapping[str, Any] | None
    ) -> tuple[str, runtime.RenderState]:
        budget = open_budget()
        try:
            return self._display_bounded(template, variables)
        finally:
            close_budget(budget)

    def _display_bounded(
        self, template: str, variables: Mapping[str, Any] | None
    ) -> tuple[str, runtime.RenderState]:
        state = self._state(False)
        state.taint = True
        state.has_secret = self._has_secret
        token = runtime.set_state(state)
        try:
            out = self._render(template, self.context(variables), self.recursive)
        except runtime.TaintedControl as control:  # a condition or loop reads a secret
            return runtime.placeholder(control.sources), state
        finally:
            runtime.reset_state(token)
        return runtime.reveal_placeholders(out, state), state

    def _has_secret(self, key: str) -> bool:
        return self.secrets is not None and key in self.secrets

    def _state(self, masked: bool) -> runtime.RenderState:
        return runtime.RenderState(
            lookup_secret=self._lookup_secret,
            masked=masked,
            functions=self.functions,
            render_string=self._render,
            consume_secret=None if self.secrets is None else self.secrets.note_derived,
        )

    def _render(self, template: str, variables: Mapping[str, Any], recursive: bool) -> str:
        if template is None:
            return template
        if "{" not in template:
            return template
        if recursive:
            out = template
            for _ in range(MAX_RENDERING_AMOUNT + 1):
                rendered = self._render_once(out, variables)
                if rendered == out:
                    break
                out = rendered
            else:
                raise RenderError("Too many rendering attempts")
        else:
            out = self._render_once(template, variables)
        return RAW_PATTERN.sub(r"\2", out)

    def _render_once(self, template: str, variables: Mapping[str, Any]) -> str:
        replacers: dict[str, str] = {}

        def swap(match: re.Match[str]) -> str:
            # a UUID per block, as Kestra; derived from the block so the cache still hits
            key = str(uuid.uuid5(_RAW_NAMESPACE, f"{len(replacers)}:{match.group(1)}"))
            replacers[key] = match.group(1)
            return key

        source = RAW_PATTERN.sub(swap, template) if "raw" in template else template
        compiled = self.compile(source)
        error: Exception | None = None
        try:
            result = "".join(compiled.root_render_func(compiled.new_context(dict(variables))))
            sized(result)  # what `{{ }}` printed is counted as it grows; literal text here
        except LimitExceeded:  # one line naming the bound, never a value: as it is
            raise
        except MemoryError:
            error = LimitExceeded("max_output_mb")
        except Exception as exc:  # re-shaped as Kestra's errors
            error = self._kestra_error(exc, compiled, source)
        if error is not None:
            # raised outside the `except`: no `__context__` chain back to the original
            # exception (whose message or frames may hold a secret value)
            error.__traceback__ = None
            raise error
        for key, raw in replacers.items():
            result = result.replace(key, raw)
        return result

    def _kestra_error(self, exc: Exception, compiled: Template, source: str) -> Exception:
        """Kestra's shape for `exc`, with any secret value read so far masked out of it."""
        if getattr(exc, "kestra_formatted", False):
            return exc
        error = self._kestra_shape(exc, compiled, source)
        seen = runtime.current_state().seen
        if seen:
            error.args = tuple(
                runtime.scrub(a, seen) if isinstance(a, str) else a for a in error.args
            )
            for key, value in list(vars(error).items()):
                if isinstance(value, str):
                    setattr(error, key, runtime.scrub(value, seen))
        return error

    def _kestra_shape(self, exc: Exception, compiled: Template, source: str) -> Exception:
        line = _template_line(exc.__traceback__, compiled)
        if isinstance(exc, runtime.Missing):
            line = exc.line or line
            return _formatted(
                UndefinedError(
                    f"Unable to find `{exc.name}` used in the expression `{source}` at line {line}",
                    name=exc.name,
                    root=exc.root,
                )
            )
        where = f"({source}:{line})"
        if isinstance(exc, SecretNotFoundError):
            return _formatted(SecretNotFoundError(exc.key, f"{PEBBLE_EXCEPTION}: {exc} {where}"))
        if isinstance(exc, SecretNotFound):
            return _formatted(SecretNotFoundError(exc.key, f"{PEBBLE_EXCEPTION}: {exc} {where}"))
        if isinstance(exc, PebbleError):
            java_class = getattr(exc, "java_class", PEBBLE_EXCEPTION)
            error = type(exc)(f"{java_class}: {exc} {where}")
            vars(error).update(vars(exc))  # `detail`, `name`, `root`... of subclasses
            error.java_class = java_class
            return _formatted(error)
        if isinstance(exc, RenderError):
            return _formatted(RenderError(f"{PEBBLE_EXCEPTION}: {exc} {where}"))
        if isinstance(exc, RecursionError):
            return _formatted(PebbleError(f"{PEBBLE_EXCEPTION}: too deeply nested {where}"))
        if isinstance(exc, TypeError):
            unexpected = _UNEXPECTED_KWARG.search(str(exc))
            if unexpected is not None:
                return _formatted(
                    PebbleError(
                        f"{PEBBLE_EXCEPTION}: The following named argument does not exist: "
                        f"{unexpected.group(1)} {where}"
                    )
                )
        # a Python error inside a filter or function: Pebble would wrap it the same way
        name = type(exc).__name__
        return _formatted(PebbleError(f"{PEBBLE_EXCEPTION}: {name}: {exc} {where}"))

    def _lookup_secret(self, key: str) -> str:
        store = self.secrets
        if store is None:
            raise SecretNotFoundError(key)
        try:
            return str(store.get(key))
        except SecretNotFound:
            raise SecretNotFoundError(key) from None


def _environ_secrets(environ: Mapping[str, str]) -> MappingSource:
    """The `SECRET_*` entries decoded as Kestra decodes them (undecodable ones dropped)."""
    result = decode_environ(environ, path=None)
    if result.collisions:
        raise SecretStoreError(str(result.collisions[0]))
    return MappingSource(result.secrets)


def _reveal(value: Any, state: runtime.RenderState) -> Any:
    if isinstance(value, str):
        return runtime.reveal_placeholders(value, state)
    if isinstance(value, Mapping):
        return {_reveal(k, state): _reveal(v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v, state) for v in value]
    return value


def _formatted(exc: Exception) -> Exception:
    exc.kestra_formatted = True  # type: ignore[attr-defined]
    return exc


def _template_line(tb: TracebackType | None, compiled: Template) -> int:
    """The template line of the deepest frame of `compiled` in the traceback (else 1)."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is compiled:
            line = compiled.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line
