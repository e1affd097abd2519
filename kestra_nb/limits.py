"""Bounds on every evaluation: time, memory, output size, items, loop iterations, YAML aliases.

One frozen `Limits` holds every bound; `current()` is the process-wide value and `set_limits`
changes it (the notebook's `%config KestraMagics.max_*` traits and the CLI's `--max-*` flags
call it). `evaluation()` opens a budget — a deadline and an iteration counter — for one unit
of work (a template, a flow cell, a CLI file); nested calls share the outer budget. The
engine calls the cheap checks (`check_deadline`, `check_string`, `check_items`,
`count_iterations`); past a bound they raise `LimitExceeded`, whose message is one line
naming the bound and how to raise it, never a value. See docs/limits.md.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import KestraNbError

__all__ = [
    "LIMITS",
    "Budget",
    "LimitExceeded",
    "Limits",
    "check_deadline",
    "check_items",
    "check_string",
    "close_budget",
    "count_iterations",
    "current",
    "evaluation",
    "open_budget",
    "remaining_time",
    "set_limits",
]


@dataclass(frozen=True)
class Limits:
    """Every bound, with defaults a user never meets in normal work."""

    max_time_s: float = 10.0  # one template, flow cell or CLI file (wall clock)
    max_memory_mb: int = 512  # address space of the jq worker process
    max_output_mb: float = 16.0  # one string built by the engine or a jq result (M chars)
    max_items: int = 1_000_000  # one list/map built: range(), jq results, YAML collections
    max_iterations: int = 1_000_000  # `{% for %}` iterations of one evaluation, all loops
    max_yaml_aliases: int = 50  # alias references per YAML document (SnakeYAML's default)
    max_input_mb: float = 64.0  # one file read (flows, dotenv files, notebooks, schemas)

    @property
    def max_chars(self) -> int:
        """`max_output_mb` as a number of characters (1 MB = 1,000,000 characters)."""
        return int(self.max_output_mb * 1_000_000)

    @property
    def max_input_bytes(self) -> int:
        """`max_input_mb` in bytes (1 MB = 1,000,000 bytes)."""
        return int(self.max_input_mb * 1_000_000)


#: Each limit: (what it bounds, its unit, the CLI flag, the `%config KestraMagics` trait).
LIMITS: dict[str, tuple[str, str, str]] = {
    "max_time_s": ("time", "s", "--max-time"),
    "max_memory_mb": ("memory", "MB", "--max-memory"),
    "max_output_mb": ("output size", "MB", "--max-output"),
    "max_items": ("item", "items", "--max-items"),
    "max_iterations": ("loop iteration", "iterations", "--max-iterations"),
    "max_yaml_aliases": ("YAML alias", "aliases", "--max-yaml-aliases"),
    "max_input_mb": ("input size", "MB", "--max-input"),
}

_current = Limits()


def current() -> Limits:
    """The process-wide limits."""
    return _current


def set_limits(limits: Limits | None = None, **changes: Any) -> Limits:
    """Replace the process-wide limits (`limits`, else the current ones) with `changes`
    applied; returns the new value. Each value must be positive."""
    global _current
    new = replace(limits or _current, **changes)
    for f in fields(new):
        if not getattr(new, f.name) > 0:
            raise ValueError(f"{f.name} must be positive")
    _current = new
    return new


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else f"{value:,}"


class LimitExceeded(KestraNbError):
    """A bound of `Limits` was reached. One line: the bound, where, how to raise it."""

    def __init__(self, name: str, value: float | None = None, where: str | None = None) -> None:
        self.name = name
        self.value = getattr(_current, name) if value is None else value
        self.where = where
        what, unit, flag = LIMITS[name]
        amount = f"{_number(self.value)} {unit}" if unit in ("s", "MB") else _number(self.value)
        if unit not in ("s", "MB"):
            what = f"{what} count"
        at = f" while {where}" if where else ""
        super().__init__(
            f"{what} limit of {amount} exceeded{at} "
            f"(raise it with {flag} / %config KestraMagics.{name})"
        )

    def at(self, where: str) -> LimitExceeded:
        """The same error located further (`where`: "rendering tasks[0].message"), after the
        place already named ("running jq, rendering tasks[0].message")."""
        return LimitExceeded(
            self.name, self.value, f"{self.where}, {where}" if self.where else where
        )


class Budget:
    """One evaluation's deadline and iteration count."""

    __slots__ = ("deadline", "iterations", "limits")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_time_s
        self.iterations = 0


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "kestra_nb_budget", default=None
)


class evaluation:  # a class used as a function: `with evaluation():`
    """A budget for one unit of work: the deadline starts now. Inside another evaluation it
    shares the outer budget (so a flow cell's templates share one deadline). A class, not a
    generator: every render enters one, so it must cost well under a microsecond."""

    __slots__ = ("_limits", "_token")

    def __init__(self, limits: Limits | None = None) -> None:
        self._limits = limits
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> Budget:
        outer = _BUDGET.get()
        if outer is not None:
            return outer
        budget = Budget(self._limits or _current)
        self._token = _BUDGET.set(budget)
        return budget

    def __exit__(self, *_exc: object) -> None:
        if self._token is not None:
            _BUDGET.reset(self._token)
            self._token = None


def open_budget() -> contextvars.Token[Budget | None] | None:
    """`evaluation().__enter__` for the engine's hot path: a new budget unless one is open
    (then None). Give the result to `close_budget` in a `finally`."""
    if _BUDGET.get() is not None:
        return None
    return _BUDGET.set(Budget(_current))


def close_budget(token: contextvars.Token[Budget | None] | None) -> None:
    """Close what `open_budget` opened (nothing when it returned None)."""
    if token is not None:
        _BUDGET.reset(token)


def active() -> Budget | None:
    """The budget of the evaluation under way, if any."""
    return _BUDGET.get()


def check_deadline() -> None:
    """Raise `LimitExceeded` when the evaluation under way is past its deadline."""
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise LimitExceeded("max_time_s", budget.limits.max_time_s)


def remaining_time() -> float:
    """Seconds left to the deadline (the whole `max_time_s` outside an evaluation); >= 0."""
    budget = _BUDGET.get()
    if budget is None:
        return _current.max_time_s
    return max(0.0, budget.deadline - time.monotonic())


def limits_in_force() -> Limits:
    """The limits of the evaluation under way, else the process-wide ones."""
    budget = _BUDGET.get()
    return _current if budget is None else budget.limits


def check_string(value: Any) -> Any:
    """`value` unchanged; a string longer than `max_output_mb` raises `LimitExceeded`."""
    if isinstance(value, str):
        limits = limits_in_force()
        if len(value) > limits.max_chars:
            raise LimitExceeded("max_output_mb", limits.max_output_mb)
    return value


def check_length(n: int) -> None:
    """Refuse to build a string of `n` characters past `max_output_mb` (before building it)."""
    limits = limits_in_force()
    if n > limits.max_chars:
        raise LimitExceeded("max_output_mb", limits.max_output_mb)


def check_items(n: int) -> None:
    """Refuse a collection of `n` items past `max_items`."""
    limits = limits_in_force()
    if n > limits.max_items:
        raise LimitExceeded("max_items", limits.max_items)


def count_iterations(n: int) -> None:
    """Count `n` loop iterations against `max_iterations`; also checks the deadline."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.iterations += n
    if budget.iterations > budget.limits.max_iterations:
        raise LimitExceeded("max_iterations", budget.limits.max_iterations)
    if time.monotonic() > budget.deadline:
        raise LimitExceeded("max_time_s", budget.limits.max_time_s)
