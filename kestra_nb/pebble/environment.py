"""The Jinja2 environment that runs Kestra's Pebble dialect.

A `SandboxedEnvironment` with autoescaping off, the final newline kept (Pebble keeps it),
values printed by `values.output` (null empty, `true`, compact JSON, Java numbers), strict
undefined, the Pebble front end in place of Jinja2's parser (`parser.parse`), and
`codegen.PebbleCodeGenerator`. Filters, tests and functions are Kestra's catalogue
(`filters.FILTERS`, `tests.TESTS`, `functions.FUNCTIONS`); Jinja2's own are not registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, NoReturn

from jinja2 import nodes
from jinja2.runtime import Undefined
from jinja2.sandbox import SandboxedEnvironment

from . import filters, functions, runtime, tests, values
from .codegen import PebbleCodeGenerator
from .lexer import BINARY_OPERATORS, BINARY_OPERATORS_2
from .parser import parse


class StrictUndefined(Undefined):
    """Never instantiated: looking up an undefined variable raises Pebble's error at once."""

    __slots__ = ()

    def __new__(
        cls, hint: str | None = None, obj: Any = None, name: str | None = None, exc: Any = None
    ) -> NoReturn:
        raise runtime.missing_root(name or "?")


class PebbleEnvironment(SandboxedEnvironment):
    """Kestra's Pebble engine on Jinja2's machinery (see the module docstring)."""

    code_generator_class = PebbleCodeGenerator

    def __init__(
        self,
        functions_: Mapping[str, Callable[..., Any]] | None = None,
        recursive: bool = False,
        kestra_version: str = "1",
    ) -> None:
        """`functions_`: caller-supplied server functions; `recursive`: Kestra's
        `recursive-rendering`, under which `render`/`renderOnce` are not registered;
        `kestra_version`: "1" (1.1-1.3, the default) or "2" (the 2.0 development line:
        `??`/`???`/`isIn` at precedence 30, strings comparable with `<`/`>`)."""
        if kestra_version not in ("1", "2"):
            raise ValueError(f"kestra_version must be '1' or '2', not {kestra_version!r}")
        super().__init__(
            autoescape=False,
            keep_trailing_newline=True,
            finalize=runtime.taint_output,
            undefined=StrictUndefined,
            cache_size=0,
            auto_reload=False,
        )
        self.globals = {}  # no Jinja2 globals (`range`, `dict`, `lipsum`, `cycler`...)
        # every filter, test and function: tainted in, tainted out (the display pass)
        self.filters = {k: runtime.taint_guard(f) for k, f in filters.FILTERS.items()}
        self.tests = {k: runtime.taint_guard(f) for k, f in tests.TESTS.items()}
        catalogue: dict[str, Callable[..., Any]] = {
            k: runtime.taint_guard(f) for k, f in functions.FUNCTIONS.items()
        }
        for name in functions.SERVER_FUNCTIONS:
            catalogue.setdefault(name, runtime.server_function(name))
        # functions reading the render context: the runtime's (`secret`, ...) and those of
        # `functions` that read the template's variables (`tasksWithState`)
        context_functions = {**functions.CONTEXT_FUNCTIONS, **runtime.CONTEXT_FUNCTIONS}
        catalogue.update(
            {
                k: f if k == "secret" else runtime.taint_guard(f, probe=False)
                for k, f in context_functions.items()
            }
        )
        if recursive:
            del catalogue["render"], catalogue["renderOnce"]
        for name in functions_ or {}:
            # caller-supplied functions (a local `kv`, ...) go through the render state
            if name not in context_functions:
                catalogue[name] = runtime.server_function(name)
        self.pebble_functions = catalogue
        self.context_functions = frozenset(context_functions) & frozenset(catalogue)
        self.pebble_range = functions.FUNCTIONS["range"]
        self.kestra_version = kestra_version
        self.operators = BINARY_OPERATORS_2 if kestra_version == "2" else BINARY_OPERATORS
        self.pebble_compare = (
            partial(values.compare, strings=True) if kestra_version == "2" else values.compare
        )
        self._function_names = frozenset(catalogue)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Pebble's grammar instead of Jinja2's."""
        return parse(source, name, self._function_names, self.operators)
