"""What compiled Pebble templates call at run time.

Strict undefined (`Missing`, raised where Pebble raises `AttributeNotFoundException`), the
attribute resolver and its sandbox (dict keys, list indices and a small allow-list of the
Java getters Pebble would resolve; never a Python attribute), the escape hatches (`??`,
`???`, `is defined`, `default`), `if`/`for` semantics, the 0-based `loop`, and the context
functions (`secret`, `render`, `renderOnce`, `printContext`, `fetchContext`, `block`).
Per-render state (secrets, masking, the secrets used, server functions) lives in a
`ContextVar`, so nested `render()` calls and threads stay apart.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2.runtime import LoopContext, Macro
from jinja2.utils import missing

from ..kestra import PLACEHOLDER
from ..limits import (
    LimitExceeded,
    check_deadline,
    check_items,
    check_length,
    count_iterations,
)
from . import values
from .exceptions import NotAvailableError, PebbleError, SecretNotFoundError, UndefinedError
from .nodes import block_ident

MASK = PLACEHOLDER  # what `secret()` shows in a masked rendering


class Missing(Exception):
    """Pebble's `AttributeNotFoundException`: `name` is missing, `root` is the chain's root."""

    def __init__(self, name: str, root: str | None, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.root = root if root is not None else name
        self.line = line  # template line, when known better than the statement's


def missing_root(name: str, line: int | None = None) -> Missing:
    return Missing(
        name,
        name,
        f"Root attribute [{name}] does not exist or can not be accessed and strict variables "
        "is set to true.",
        line,
    )


def raise_missing_root(name: str, line: int | None = None) -> Any:
    """An undefined root variable (strict variables)."""
    raise missing_root(name, line)


# --- per-render state ----------------------------------------------------------------------


@dataclass
class RenderState:
    """What a render needs beyond its variables (one per `Renderer.render` call)."""

    lookup_secret: Callable[[str], str]
    masked: bool = False
    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    render_string: Callable[[str, Mapping[str, Any], bool], str] | None = None
    # told about values derived from a secret (a JSON field read with `subkey`)
    consume_secret: Callable[[str, str], None] | None = None
    # secret values: never in a repr
    used: list[str] = field(default_factory=list, repr=False)
    seen: list[str] = field(default_factory=list, repr=False)  # every secret text read
    depth: int = 0
    # the display pass: `secret()` gives a `Tainted` placeholder, never a value
    taint: bool = False
    has_secret: Callable[[str], bool] | None = None
    taints: list[Tainted] = field(default_factory=list)  # printed ones, by sentinel number
    probe_errors: list[BaseException] = field(default_factory=list)
    output: int = 0  # characters printed by `{{ }}` so far (bounded by `max_output_mb`)


_STATE: contextvars.ContextVar[RenderState | None] = contextvars.ContextVar(
    "kestra_nb_render_state", default=None
)


def current_state() -> RenderState:
    state = _STATE.get()
    if state is None:  # rendering outside a Renderer: no secrets, no server functions
        state = RenderState(lookup_secret=_no_secret)
        _STATE.set(state)
    return state


def set_state(state: RenderState) -> contextvars.Token[RenderState | None]:
    return _STATE.set(state)


def reset_state(token: contextvars.Token[RenderState | None]) -> None:
    _STATE.reset(token)


def _no_secret(key: str) -> str:
    raise SecretNotFoundError(key)


# --- taint: values computed from secrets, in the display pass -------------------------------


class TaintedControl(BaseException):
    """A condition or a loop of the display pass depends on a secret: the whole template is
    then shown as one placeholder (a `BaseException`, so no `except Exception` swallows it)."""

    def __init__(self, sources: frozenset[str]) -> None:
        super().__init__("depends on a secret")
        self.sources = sources


class Tainted:
    """A value computed from secrets in the display pass: it holds only the secrets' names.

    `secret('X')` gives `Tainted({"X"}, direct=True)`; any filter, function, operator, test or
    attribute receiving one gives a derived `Tainted`. Printed, it is `******` (direct) or
    `****** (computed from X)`; a condition or loop over one raises `TaintedControl`.
    """

    __slots__ = ("direct", "sources")

    def __init__(self, sources: Iterable[str], direct: bool = False) -> None:
        self.sources = frozenset(sources)
        self.direct = direct

    def __str__(self) -> str:
        return placeholder(self.sources, self.direct)

    __repr__ = __str__

    def __bool__(self) -> bool:
        raise TaintedControl(self.sources)

    def __iter__(self) -> Any:
        raise TaintedControl(self.sources)

    def __len__(self) -> int:
        raise TaintedControl(self.sources)

    __hash__ = object.__hash__


def placeholder(sources: Iterable[str], direct: bool = False) -> str:
    """`******`, or `****** (computed from A, B)` for a value derived from secrets."""
    names = sorted(set(sources))
    if direct or not names:
        return MASK
    return f"{MASK} (computed from {', '.join(names)})"


_SENTINEL = re.compile("\x00\x01(\\d+)\x02")


def _sentinel(state: RenderState, tainted: Tainted) -> str:
    state.taints.append(tainted)
    return f"\x00\x01{len(state.taints) - 1}\x02"


def taint_of(value: Any, state: RenderState, depth: int = 0) -> Tainted | None:
    """The taint a value carries (itself, a printed placeholder inside a string, or inside a
    list or map), else None."""
    if isinstance(value, Tainted):
        return value
    if isinstance(value, str):
        found = [state.taints[int(m.group(1))] for m in _SENTINEL.finditer(value)]
        if not found:
            return None
        names = frozenset().union(*(f.sources for f in found))
        whole = len(found) == 1 and _SENTINEL.fullmatch(value) is not None and found[0].direct
        return Tainted(names, direct=whole)
    if depth > 50:
        return None
    items: Iterable[Any] = ()
    if isinstance(value, Mapping):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    sources: set[str] = set()
    tainted = False
    for item in items:
        inner = taint_of(item, state, depth + 1)
        if inner is not None:
            tainted = True
            sources |= inner.sources
    return Tainted(sources) if tainted else None


def _probe_value(value: Any, state: RenderState) -> Any:
    """`value` with every taint replaced by `******` (what a probe call works on)."""
    if isinstance(value, Tainted):
        return MASK
    if isinstance(value, str):
        return _SENTINEL.sub(MASK, value)
    if isinstance(value, Mapping):
        return {_probe_value(k, state): _probe_value(v, state) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_probe_value(v, state) for v in value]
    return value


_SMALL = 65_536  # results up to this size are never checked (docs/limits.md)


def sized(out: Any) -> Any:
    """`out` unchanged; a string past `max_output_mb` or a list/map past `max_items` raises
    `LimitExceeded` (so a result doubling in a loop stops at the bound)."""
    if isinstance(out, str):
        if len(out) > _SMALL:
            check_length(len(out))
    elif isinstance(out, (list, dict)) and len(out) > _SMALL:
        check_items(len(out))
    return out


def taint_guard(func: Callable[..., Any], *, probe: bool = True) -> Callable[..., Any]:
    """`func` for the display pass: given a tainted operand it returns a derived `Tainted`
    (never computing on a placeholder); `probe` runs `func` once on `******` in its place, to
    learn the error Kestra would word (kept on the state, never shown as a value)."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        state = _STATE.get()
        if state is None or not state.taint:
            return sized(func(*args, **kwargs))
        taints = [taint_of(a, state) for a in (*args, *kwargs.values())]
        found = [x for x in taints if x is not None]
        if not found:
            return sized(func(*args, **kwargs))
        if probe:
            try:
                func(
                    *(_probe_value(a, state) for a in args),
                    **{k: _probe_value(v, state) for k, v in kwargs.items()},
                )
            except LimitExceeded:
                raise
            except Exception as exc:  # what Kestra would say, worded on `******`
                state.probe_errors.append(exc)
        return Tainted(frozenset().union(*(x.sources for x in found)))

    guarded.__name__ = getattr(func, "__name__", "guarded")
    guarded.__doc__ = func.__doc__
    guarded.__wrapped__ = func  # type: ignore[attr-defined]
    return guarded


def taint_control(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a truth test, an iteration) for the display pass: a tainted operand makes the
    whole template a placeholder (`TaintedControl`)."""

    def guarded(value: Any, *args: Any) -> Any:
        state = _STATE.get()
        if state is not None and state.taint:
            found = taint_of(value, state)
            if found is not None:
                raise TaintedControl(found.sources)
        return func(value, *args)

    guarded.__name__ = getattr(func, "__name__", "guarded")
    return guarded


def taint_concat(left: Any, right: Any) -> Any:
    """`~`: a tainted side is printed as its placeholder inside the text (so the known parts
    of `'Basic ' ~ secret('X')` still show); elsewhere Pebble's concatenation."""
    state = _STATE.get()
    if state is not None and state.taint:
        if isinstance(left, Tainted):
            left = _sentinel(state, left)
        if isinstance(right, Tainted):
            right = _sentinel(state, right)
    out = values.concat(left, right)
    if len(out) > _SMALL:
        check_length(len(out))
    return out


def taint_output(value: Any) -> Any:
    """The printed form of a value: a tainted one is its placeholder (kept as a sentinel in
    the text until the render ends, so a filter over the printed text still sees the taint)."""
    state = _STATE.get()
    if state is not None and state.taint:
        found = taint_of(value, state)
        if found is not None and not isinstance(value, str):
            return _sentinel(state, found)
    out = values.output(value)
    if state is not None:  # `{{ s }}` in a long loop: the printed total is bounded
        state.output += len(out)
        if state.output > _SMALL:
            check_length(state.output)
    return out


def reveal_placeholders(text: str, state: RenderState) -> str:
    """The final text of a display render: every sentinel replaced by its placeholder."""
    if "\x00" not in text:
        return text
    return _SENTINEL.sub(lambda m: str(state.taints[int(m.group(1))]), text)


# --- attributes (the sandbox) ------------------------------------------------------------


class PebbleLoop(LoopContext):
    """Pebble's `loop`: `index` 0-based, `revindex` = length-index-1, `first`, `last`, `length`."""

    @property
    def index(self) -> int:
        return self.index0

    @property
    def revindex(self) -> int:
        return self.length - self.index0 - 1

    def __str__(self) -> str:  # Pebble's `LoopVariables.toString`
        first, last = str(self.first).lower(), str(self.last).lower()
        return (
            f"{{last={last}, length={self.length}, index={self.index}, "
            f"revindex={self.revindex}, first={first}}}"
        )


_LOOP_ATTRS = frozenset({"index", "revindex", "first", "last", "length"})
_DATE_GETTERS = {
    "year": lambda d: d.year,
    "monthValue": lambda d: d.month,
    "dayOfMonth": lambda d: d.day,
    "dayOfYear": lambda d: d.timetuple().tm_yday,
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
    "second": lambda d: d.second,
    "nano": lambda d: d.microsecond * 1000,
}


def _class_name(obj: Any) -> str:
    try:
        return values.class_name(obj)
    except Exception:  # pragma: no cover - defensive: never fail while reporting a failure
        return type(obj).__name__


def _not_found(obj: Any, name: str, root: str | None, line: int | None = None) -> Missing:
    return Missing(
        name,
        root,
        f"Attribute [{name}] of [{_class_name(obj)}] does not exist or can not be accessed "
        "and strict variables is set to true.",
        line,
    )


def _index(obj: Any) -> int | None:
    if isinstance(obj, bool):
        return None
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    if isinstance(obj, str) and obj.isdigit():
        return int(obj)
    return None


def getattr_(obj: Any, attr: Any, root: str | None, direct: bool, line: int | None = None) -> Any:
    """`obj.attr` / `obj[attr]` as Pebble resolves it, restricted to data (the sandbox)."""
    if obj is None:
        if direct and root is not None:
            raise missing_root(root, line)
        raise Missing(
            str(attr),
            root,
            "Attempt to get attribute of null object and strict variables is set to true.",
            line,
        )
    if isinstance(obj, Mapping):
        try:
            return obj[attr]
        except (KeyError, TypeError):
            pass
        if isinstance(attr, float) and attr.is_integer() and int(attr) in obj:
            return obj[int(attr)]
        raise _not_found(obj, _attr_name(attr), root, line)
    name = _attr_name(attr)
    if isinstance(obj, (list, tuple)):
        index = _index(attr)
        if index is not None:
            if 0 <= index < len(obj):
                return obj[index]
            raise _not_found(obj, name, root, line)
        if name == "size":
            return len(obj)
        if name == "empty":
            return not obj
    elif isinstance(obj, str):
        if name == "length":
            return len(obj)
        if name == "empty":
            return not obj
        if name == "blank":
            return not obj.strip()
    elif isinstance(obj, values.MapEntry):
        if name == "key":
            return obj.key
        if name == "value":
            return obj.value
    elif isinstance(obj, PebbleLoop):
        if name in _LOOP_ATTRS:
            return getattr(obj, name)
    elif isinstance(obj, (set, frozenset)):
        if name == "size":
            return len(obj)
        if name == "empty":
            return not obj
    elif isinstance(obj, _dt.date):
        getter = _DATE_GETTERS.get(name)
        if getter is not None and (isinstance(obj, _dt.datetime) or name in _DATE_ONLY):
            return getter(obj)
    raise _not_found(obj, name, root, line)


_DATE_ONLY = frozenset({"year", "monthValue", "dayOfMonth", "dayOfYear"})


def _attr_name(attr: Any) -> str:
    if isinstance(attr, str):
        return attr
    return values.to_string(attr)


def _s(obj: Any) -> str:
    return values.to_string(obj)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": lambda s: len(s),
    "isEmpty": lambda s: not s,
    "isBlank": lambda s: not s.strip(),
    "trim": lambda s: s.strip(" \t\n\r\x0b\x0c\x00"),
    "strip": lambda s: s.strip(),
    "toUpperCase": lambda s: s.upper(),
    "toLowerCase": lambda s: s.lower(),
    "startsWith": lambda s, p: s.startswith(_s(p)),
    "endsWith": lambda s, p: s.endswith(_s(p)),
    "contains": lambda s, p: _s(p) in s,
    "indexOf": lambda s, p: s.find(_s(p)),
    "lastIndexOf": lambda s, p: s.rfind(_s(p)),
    "replace": lambda s, a, b: s.replace(_s(a), _s(b)),
    "substring": lambda s, a, b=None: s[a:] if b is None else s[a:b],
    "charAt": lambda s, i: values.JavaChar(s[i]),
    "equals": lambda s, o: isinstance(o, str) and s == o,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "concat": lambda s, o: s + _s(o),
    "toString": lambda s: s,
}
_LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": lambda v: len(v),
    "isEmpty": lambda v: not v,
    "get": lambda v, i: v[i],
    "contains": lambda v, x: values.contains(list(v), x),
    "indexOf": lambda v, x: next((i for i, y in enumerate(v) if values.equals(y, x)), -1),
}
_MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": lambda m: len(m),
    "isEmpty": lambda m: not m,
    "containsKey": lambda m, k: k in m,
    "containsValue": lambda m, v: any(values.equals(x, v) for x in m.values()),
    "get": lambda m, k: m.get(k),
    "getOrDefault": lambda m, k, d: m.get(k, d),
    "keySet": lambda m: list(m),
    "values": lambda m: list(m.values()),
}
_ENTRY_METHODS: dict[str, Callable[..., Any]] = {
    "getKey": lambda e: e.key,
    "getValue": lambda e: e.value,
}


def call_method(
    obj: Any, name: Any, args: list[Any], root: str | None, direct: bool, line: int | None = None
) -> Any:
    """`obj.name(args)`: only a few harmless Java methods on strings, lists, maps, entries."""
    if obj is None:
        return getattr_(obj, name, root, direct, line)
    table: Mapping[str, Callable[..., Any]] = {}
    if isinstance(obj, str):
        table = _STRING_METHODS
    elif isinstance(obj, (list, tuple)):
        table = _LIST_METHODS
    elif isinstance(obj, Mapping):
        table = _MAP_METHODS
    elif isinstance(obj, values.MapEntry):
        table = _ENTRY_METHODS
    method = table.get(name) if isinstance(name, str) else None
    if method is None:
        raise _not_found(obj, _attr_name(name), root, line)
    try:
        return method(obj, *args)
    except (TypeError, IndexError, ValueError) as exc:
        raise PebbleError(f"Method [{name}] of [{_class_name(obj)}] failed: {exc}") from None


# --- escape hatches ----------------------------------------------------------------------


def _arithmetic(op: Callable[[Any, Any], Any], what: str) -> Callable[[Any, Any], Any]:
    """Pebble's `AddExpression` & co.: any failure of the operation becomes
    `PebbleException("Could not perform <what>")` (the cause kept on `.detail`)."""

    def apply(a: Any, b: Any) -> Any:
        try:
            return op(a, b)
        except PebbleError as exc:
            error = PebbleError(f"Could not perform {what}")
            error.detail = str(exc)  # type: ignore[attr-defined]
            raise error from None

    apply.__name__ = op.__name__
    apply.__doc__ = f"`{op.__name__}` as Pebble's expression node runs it."
    return apply


add = _arithmetic(values.add, "addition")
sub = _arithmetic(values.sub, "subtraction")
mul = _arithmetic(values.mul, "multiplication")
div = _arithmetic(values.div, "division")
mod = _arithmetic(values.mod, "modulus")


def coalesce(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """`left ?? right`: right when left is undefined or null."""
    try:
        value = left()
    except Missing:
        return right()
    return right() if value is None else value


def coalesce_undefined(left: Callable[[], Any], right: Callable[[], Any]) -> Any:
    """`left ??? right`: right only when left is undefined."""
    try:
        return left()
    except Missing:
        return right()


def is_defined(expr: Callable[[], Any]) -> bool:
    """`x is defined`: Pebble's `DefinedTest` is "not null", undefined counts as null."""
    try:
        return expr() is not None
    except Missing:
        return False


def apply_default(
    default_filter: Callable[..., Any], expr: Callable[[], Any], *args: Any, **kwargs: Any
) -> Any:
    """`x | default(y)`: an undefined `x` is given to the filter as null."""
    try:
        value = expr()
    except Missing:
        value = None
    if isinstance(value, Tainted):  # a secret that exists is not empty: its taint stays
        return value
    return default_filter(value, *args, **kwargs)


# --- statements ----------------------------------------------------------------------------


class ConditionError(PebbleError):
    """Pebble's `IfNode` wraps every error of its condition in one message:
    `Wrong operand(s) type in conditional expression`.

    `detail` keeps the inner message. When the inner error was an undefined variable or a
    server function, the error is also an `UndefinedError` (with `name`/`root`) or a
    `NotAvailableError`, so a previewer can still tell run-time context from a typo.
    """

    def __init__(
        self,
        message: str = "Wrong operand(s) type in conditional expression",
        *,
        detail: str = "",
        name: str | None = None,
        root: str | None = None,
    ) -> None:
        Exception.__init__(self, message)
        self.detail = detail
        self.name: str = name or ""
        self.root: str = root or self.name


class UndefinedConditionError(ConditionError, UndefinedError):
    """A `ConditionError` caused by an undefined variable."""


class NotAvailableConditionError(ConditionError, NotAvailableError):
    """A `ConditionError` caused by a server function with no local implementation."""


def truthy_if(condition: Callable[[], Any]) -> bool:
    """`{% if %}` / `{% elseif %}`: Boolean, Number or String only; null is an error."""
    try:
        value = condition()
        if isinstance(value, Tainted):  # the display pass: the branch depends on a secret
            raise TaintedControl(value.sources)
        return values.truthy(value, "if")
    except Missing as exc:
        raise UndefinedConditionError(detail=str(exc), name=exc.name, root=exc.root) from None
    except NotAvailableError as exc:
        raise NotAvailableConditionError(detail=str(exc)) from None
    except LimitExceeded:
        raise
    except Exception as exc:
        raise ConditionError(detail=str(exc)) from None


def iterate(value: Any) -> Iterable[Any]:
    """What `{% for %}` iterates: maps yield entries; null yields nothing."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items: Any = [values.MapEntry(k, v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, (set, frozenset)):
        items = list(value)
    elif isinstance(value, str) or not hasattr(value, "__iter__"):
        raise PebbleError(f"Not an iterable object. Value = [{values.to_string(value)}]")
    else:
        items = list(value)
    count_iterations(len(items))  # the budget's loop count, and its deadline
    if len(items) > _CHECK_EVERY:
        return _checked(items)
    return items


_CHECK_EVERY = 1024


def _checked(items: Any) -> Iterable[Any]:
    """`items`, the deadline checked every `_CHECK_EVERY` of them (a long loop's body)."""
    for i, item in enumerate(items):
        if not i % _CHECK_EVERY:
            check_deadline()
        yield item


# --- lookups that fail as Pebble does -----------------------------------------------------


def no_filter(name: str) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise PebbleError(f"Filter [{name}] does not exist.")

    return fail


def no_test(name: str) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise PebbleError(f"Test [{name}] does not exist.")

    return fail


def call_macro(macro: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """A call to a name that is not a function: a macro of the template, or Pebble's error."""
    if macro is missing or not callable(macro) or not hasattr(macro, "catch_kwargs"):
        raise PebbleError(f"Function or Macro [{name}] does not exist.")
    check_deadline()  # a macro calling itself twice per level: exponential, no loop to count
    try:
        return macro(*args, **kwargs)
    except TypeError as exc:
        raise PebbleError(f"Macro [{name}]: {exc}") from None


MASKED_SERVER_FUNCTIONS = frozenset({"kv"})


def server_function(name: str) -> Callable[..., Any]:
    """A Kestra server function: the caller's implementation, else `NotAvailableError`."""

    def call(*args: Any, **kwargs: Any) -> Any:
        state = current_state()
        impl = state.functions.get(name)
        if impl is None:
            raise NotAvailableError(
                f"The '{name}' function is not available outside a Kestra server "
                f"(pass an implementation with Renderer(functions={{'{name}': ...}}))."
            )
        value = impl(*args, **kwargs)
        # Kestra's secure (debug) renderer masks `kv()` like `secret()` (issue #10244)
        if state.taint and name in MASKED_SERVER_FUNCTIONS:
            return Tainted({f"{name}()"}, direct=True)
        return MASK if state.masked and name in MASKED_SERVER_FUNCTIONS else value

    return call


# --- context functions (they receive the Jinja2 context first) ---------------------------

INTERNAL_PREFIX = "kestra-nb:"


def root_variables(context: Any) -> dict[str, Any]:
    """The template's root variables (what `printContext()` shows and `render()` uses)."""
    return {
        k: v
        for k, v in context.get_all().items()
        if isinstance(k, str) and not k.startswith(INTERNAL_PREFIX) and not isinstance(v, Macro)
    }


def fn_secret(
    context: Any, key: Any = None, namespace: Any = None, subkey: Any = None, **extra: Any
) -> str:
    """Kestra's `secret(key, namespace, subkey)` (§1.2); records the value for masking."""
    if extra:
        raise PebbleError(
            f"The 'secret' function does not accept the argument(s) {', '.join(sorted(extra))}."
        )
    if key is None:
        raise PebbleError("The 'secret' function expects an argument 'key'.")
    flow = context.get("flow")
    if not isinstance(flow, Mapping):
        raise PebbleError(
            "The 'secret' function needs a 'flow' variable (java.lang.NullPointerException)."
        )
    state = current_state()
    key_str = values.to_string(key)
    if state.taint:  # the display pass: existence only, never the value
        if state.has_secret is None or not state.has_secret(key_str):
            raise SecretNotFoundError(key_str)
        if subkey is not None and subkey != "":
            subkeyed = Tainted({f"{key_str.upper()}.{values.to_string(subkey)}"}, direct=True)
            return subkeyed  # type: ignore[return-value]
        return Tainted({key_str.upper()}, direct=True)  # type: ignore[return-value]
    try:
        secret = state.lookup_secret(key_str)
    except SecretNotFoundError:
        raise
    except LookupError:
        raise SecretNotFoundError(key_str) from None
    if secret:
        state.seen.append(secret)
    value = secret
    if subkey is not None and subkey != "":
        subkey_str = values.to_string(subkey)
        value = _secret_subkey(secret, subkey_str, key_str)
        if value and state.consume_secret is not None:
            state.consume_secret(f"{key_str.upper()}.{subkey_str}", value)
    if value:
        state.used.append(value)
        state.seen.append(value)
    return MASK if state.masked else value


def _value_free(exc: PebbleError) -> PebbleError:
    """Mark an error worded with names only (no value can be in it)."""
    exc.value_free = True  # type: ignore[attr-defined]
    return exc


def _secret_subkey(secret: str, subkey: str, key: str) -> str:
    try:
        tree = json.loads(secret)
    except ValueError:
        raise _value_free(
            PebbleError(
                f"Failed to read secret sub-key '{subkey}' from secret '{key}'. "
                "Ensure the secret contains valid JSON value."
            )
        ) from None
    if not isinstance(tree, dict) or subkey not in tree:
        raise _value_free(PebbleError(f"Cannot find secret sub-key '{subkey}' in secret '{key}'."))
    node = tree[subkey]
    if isinstance(node, str):
        return node
    if isinstance(node, (dict, list)):
        return json.dumps(node, separators=(",", ":"), ensure_ascii=False)
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "true" if node else "false"
    return json.dumps(node)


def render_value(state: RenderState, value: Any, variables: Mapping[str, Any], rec: bool) -> Any:
    """Kestra's `renderObject`: strings rendered, maps (keys too) and lists walked."""
    if isinstance(value, str):
        if state.render_string is None:  # pragma: no cover - set by every Renderer
            raise PebbleError("Function or Macro [render] does not exist.")
        return state.render_string(value, variables, rec)
    if isinstance(value, Mapping):
        return {
            render_value(state, k, variables, rec): render_value(state, v, variables, rec)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [render_value(state, v, variables, rec) for v in value]
    return value


def fn_render(context: Any, toRender: Any = None, recursive: Any = True) -> Any:
    """Kestra's `render(toRender, recursive=true)`: render with the current root variables."""
    state = current_state()
    if state.depth >= 16:
        raise PebbleError("Maximum render() nesting depth (16) exceeded.")
    state.depth += 1
    try:
        return render_value(state, toRender, root_variables(context), bool(recursive))
    finally:
        state.depth -= 1


def fn_render_once(context: Any, toRender: Any = None) -> Any:
    """Kestra's `renderOnce(toRender)` = `render(toRender, recursive=false)`."""
    return fn_render(context, toRender, False)


def fn_print_context(context: Any) -> dict[str, Any]:
    """`printContext()` / `fetchContext()`: every root variable."""
    return root_variables(context)


def fn_block(context: Any, name: Any = None) -> str:
    """`block("name")`: render a named block of this template again."""
    blocks = context.blocks.get(block_ident(values.to_string(name)))
    if not blocks:
        raise PebbleError(f"Block [{values.to_string(name)}] does not exist.")
    return "".join(blocks[0](context))


CONTEXT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "secret": fn_secret,
    "render": fn_render,
    "renderOnce": fn_render_once,
    "printContext": fn_print_context,
    "fetchContext": fn_print_context,
    "block": fn_block,
}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value in it replaced by `******` (longest first)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text
