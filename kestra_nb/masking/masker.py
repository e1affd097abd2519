"""`Masker`: the registered secrets, and masking with the scanner built from them.

Every variant of every secret is found (overlaps included), overlapping and adjacent
ranges are merged, and each merged range becomes one placeholder (`******`), so neither a
tail of an overlapping secret nor a length leaks. Nothing here ever puts a secret value (or
an encoding of one) into a message, warning or repr.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ..kestra import PLACEHOLDER
from .engines import ENGINES, available_engines
from .scanner import Scanner, build_scanner, replace_ranges
from .stream import MaskStream

__all__ = ["Masker", "MaskingWarning", "Match"]


class MaskingWarning(UserWarning):
    """A secret cannot be masked (too short); the message names the key, never the value."""


class Match(NamedTuple):
    """One occurrence of one variant: where it is, whose secret, which variant (no value)."""

    start: int
    end: int
    name: str | None
    kind: str


class Masker:
    """Replace every variant of every registered secret with one placeholder per range.

    `secrets` is an iterable of values, or a mapping of names to values (so that a
    too-short value's warning can name its key).

    Thread-safe: one thread may `add` while others `mask` (the kernel's IO thread masks
    streams while the shell thread registers new secrets). The scanner is rebuilt lazily
    on the first use after a change.
    """

    def __init__(
        self,
        secrets: Iterable[str] | Mapping[str, str] = (),
        min_length: int = 4,
        placeholder: str = PLACEHOLDER,
        *,
        engine: str | None = None,
    ) -> None:
        if engine is not None and engine not in ENGINES:
            raise ValueError(f"unknown masking engine {engine!r}; one of {sorted(ENGINES)}")
        self.min_length = min_length
        self.placeholder = placeholder
        self.engine = engine or available_engines()[0]
        self._lock = threading.RLock()
        self._values: dict[str, str | None] = {}  # value -> name (first registered)
        self._too_short: set[str] = set()  # warned keys (names, or a generic label)
        self._compiled: Scanner | None = None
        self._dirty = False
        if isinstance(secrets, Mapping):  # name -> value: warnings can name the key
            for name, value in secrets.items():
                self.add(value, name)
        else:
            for value in secrets:
                self.add(value)

    # -- registration

    def add(self, value: str, name: str | None = None) -> bool:
        """Register a secret; returns whether it will be masked.

        Empty and whitespace-only values are ignored. Values shorter than `min_length`
        are not masked; one `MaskingWarning` naming the key (never the value) is issued
        (`register` returns that note as data instead).
        """
        masked, note = self._register(value, name)
        if note is not None:
            warnings.warn(note, MaskingWarning, stacklevel=2)
        return masked

    def register(self, value: str, name: str | None = None) -> str | None:
        """Register a secret, as `add`; returns the one-line note for a value too short to
        be masked (the first time for its key; never the value), else None. No warning."""
        return self._register(value, name)[1]

    def _register(self, value: str, name: str | None) -> tuple[bool, str | None]:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be str, not {type(value).__name__}")
        if not value.strip():
            return False, None
        if len(value) < self.min_length:
            label = name or "(unnamed)"
            with self._lock:
                first = label not in self._too_short
                self._too_short.add(label)
            if not first:
                return False, None
            return False, (
                f"secret {label} is shorter than {self.min_length} characters "
                "and will not be masked in output"
            )
        with self._lock:
            if value not in self._values or (self._values[value] is None and name is not None):
                self._values[value] = name
                self._dirty = True
        return True, None

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        compiled = self._compiled
        patterns = len(compiled.patterns) if compiled and not self._dirty else "?"
        return (
            f"Masker(secrets={len(self._values)}, patterns={patterns}, "
            f"min_length={self.min_length}, engine={self.engine!r})"
        )

    def scanner(self) -> Scanner | None:
        """The scanner over every registered secret (None when there is none), built now if
        secrets were added since the last build. A `Scanner` never changes: a stream or a
        thread masks with one consistent set while the masker moves on."""
        scanner = self._compiled
        if not self._dirty:
            return scanner
        with self._lock:
            if self._dirty:
                self._compiled = build_scanner(
                    list(self._values.items()), self.min_length, self.engine
                )
                self._dirty = False
            return self._compiled

    @property
    def max_pattern_length(self) -> int:
        """Length (characters) of the longest variant: the most a stream ever holds back."""
        compiled = self.scanner()
        return compiled.max_length if compiled else 0

    @property
    def pattern_count(self) -> int:
        """How many distinct variants are searched for."""
        compiled = self.scanner()
        return len(compiled.patterns) if compiled else 0

    # -- masking

    def find(self, text: str) -> list[Match]:
        """Every occurrence of every variant (overlaps included), sorted by position.

        A `truncated` match (a long variant's head or tail) inside a match of a whole
        variant is left out: it adds nothing.
        """
        compiled = self.scanner()
        if compiled is None or not text:
            return []
        hits = sorted(compiled.hits(text), key=lambda h: (h[1], h[2]))
        found = [Match(s, e, *compiled.owners[i]) for i, s, e in hits]
        whole = [m for m in found if m.kind != "truncated"]
        if len(whole) == len(found):
            return found
        kept: list[Match] = []
        j, reach = 0, -1  # reach: furthest end of a whole match starting at or before m
        for m in found:
            while j < len(whole) and whole[j].start <= m.start:
                reach = max(reach, whole[j].end)
                j += 1
            if m.kind != "truncated" or m.end > reach:
                kept.append(m)
        return kept

    def mask(self, text: str) -> str:
        """`text` with each merged range of matches replaced by the placeholder."""
        compiled = self.scanner()
        if compiled is None or not text:
            return text
        return replace_ranges(text, compiled.ranges(text), self.placeholder)

    def mask_data(self, obj: Any) -> Any:
        """A copy of `obj` with every str inside (dict keys too) masked.

        Walks dicts, lists and tuples; other values are returned unchanged.
        """
        if self.scanner() is None:
            return obj
        return self._mask_data(obj)

    def _mask_data(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, dict):
            return {self._mask_data(k): self._mask_data(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._mask_data(v) for v in obj]
        if isinstance(obj, tuple):
            return tuple(self._mask_data(v) for v in obj)
        return obj

    def stream(self, threshold: int = 16384) -> MaskStream:
        """A `MaskStream` for text that arrives in pieces (one per output stream)."""
        return MaskStream(self, threshold)
