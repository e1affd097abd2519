"""`Masker`: the registered secrets, and masking with the scanner built from them.

Every variant of every secret is found (overlaps included), overlapping and adjacent
ranges are merged, and each merged range becomes one placeholder (`******`), so neither a
tail of an overlapping secret nor a length leaks. Nothing here ever puts a secret value (or
an encoding of one) into a message, warning or repr.

Building scales with many secrets (thousands, from one file): `batch()` / `add_many` add a
file's secrets with one build at the end, and `prepare()` builds on the thread that added
them (the kernel's shell thread, never its IOPub thread). Up to `SYNC_PATTERNS` patterns the
chosen engine is compiled there and then; above that, the scanner is built with the
`hashed` engine (linear in the patterns, ready at once) and the chosen engine compiles in a
background thread, in shards of `SHARD_PATTERNS` (linear too), and replaces it when done:
masking is correct at every moment, only faster once the compile is over.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import gc
import json
import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ..kestra import PLACEHOLDER
from .engines import ENGINES, available_engines, sharded_finder
from .scanner import Scanner, build_scanner, cut_before_range, replace_ranges
from .stream import MaskStream
from .variants import ShortForm, find_short_base64, secret_variants, short_base64_forms

__all__ = ["SHARD_PATTERNS", "SYNC_PATTERNS", "Masker", "MaskingWarning", "Match", "ScanView"]

# Up to this many patterns (about 2,700 secrets) the chosen engine is compiled when the
# scanner is built (hyperscan: under half a second); above, it compiles in the background.
SYNC_PATTERNS = 30_000
# Background compiles go in shards of this many patterns (each shard costs the same).
SHARD_PATTERNS = 40_000
# A stream's index of long variants (`Scanner.tail_index`) is built with the scanner up to
# this many long variants (a quarter of a second), in the background up to `TAIL_INDEX_MAX`;
# above that, or until it is built, a stream holds back a line's unfinished end instead.
TAIL_INDEX_SYNC = 5_000
TAIL_INDEX_MAX = 60_000
# The background compile's niceness (Linux): it yields the CPU to the kernel's own threads.
_BACKGROUND_NICE = 10


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while building: a build allocates millions of
    small objects, none of them cyclic, and collections triggered by them made building
    grow faster than linearly (measured: twice as slow at 100,000 secrets)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def merge_ranges(ranges: list[list[int]]) -> list[list[int]]:
    """Sorted ranges with overlapping and adjacent ones joined."""
    ranges.sort()
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


@dataclasses.dataclass(frozen=True)
class ScanView:
    """What one mask or one stream drain uses: a scanner, the short base64 forms checked
    by decoding, and whether the stream's index of long variants is ready. Never changes."""

    scanner: Scanner | None
    short: tuple[ShortForm, ...] = ()
    tails_ready: bool = True
    no_tails: Scanner | None = None  # the scanner without its long-variant index

    def ranges(self, text: str) -> list[list[int]]:
        """Merged ranges of every match, short base64 forms included."""
        found = self.scanner.ranges(text) if self.scanner is not None else []
        if not self.short:
            return found
        extra = [[s, e] for s, e, _ in find_short_base64(text, list(self.short))]
        return merge_ranges(found + extra) if extra else found

    def safe_cut(self, buf: str, ranges: list[list[int]]) -> int:
        """How much of a stream's pending `buf` may leave now (see `Scanner.safe_cut`);
        until the long-variant index is ready, a line's unfinished end is held back."""
        n = len(buf)
        scanner = self.scanner
        if scanner is None:
            cut = n
        elif self.tails_ready or self.no_tails is None:
            cut = scanner.safe_cut(buf, ranges)
        else:
            cut = self.no_tails.safe_cut(buf, ranges)
            cut = min(cut, max(buf.rfind("\n") + 1, n - scanner.max_length))
        if self.short:
            # a short value's base64 ends within 12 characters of a group start: an
            # unfinished run of base64 characters at the end may still become one
            run = n
            while run > max(0, n - 12) and (buf[run - 1].isalnum() or buf[run - 1] in "+/-_="):
                run -= 1
            cut = min(cut, run)
        return cut_before_range(cut, ranges)


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
    streams while the shell thread registers new secrets). The scanner is rebuilt on the
    first use after a change, or by `prepare()` (the kernel calls it after each change, on
    the thread that made it); `batch()` and `add_many` make many changes one rebuild.
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
        self._short: tuple[ShortForm, ...] = ()
        self._dirty = False
        self._final = True  # whether `_compiled` uses `engine` (not the interim `hashed`)
        self._indexed: Scanner | None = None  # the scanner whose tail index is built
        self._no_tails: tuple[Scanner, Scanner] | None = None
        self._generation = 0  # one per build: a background compile of an older one is void
        self._batch = 0
        self._worker: threading.Thread | None = None
        self.builds = 0  # how many times the scanner was built (for tests and benchmarks)
        self.build_threads: list[str] = []  # the thread of each build (names, newest last)
        # name -> value: warnings can name the key
        pairs = secrets.items() if isinstance(secrets, Mapping) else ((None, v) for v in secrets)
        for name, value in pairs:
            note = self._register(value, name)[1]
            if note is not None:
                warnings.warn(note, MaskingWarning, stacklevel=2)

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

    def add_many(self, secrets: Mapping[str, str] | Iterable[tuple[str | None, str]]) -> list[str]:
        """Register many secrets (`{name: value}` or `(name, value)` pairs) with one build;
        returns the notes of values too short to be masked (as `register`, no warning)."""
        pairs = secrets.items() if isinstance(secrets, Mapping) else secrets
        with self.batch():
            notes = [self._register(value, name)[1] for name, value in pairs]
        return [note for note in notes if note is not None]

    @contextlib.contextmanager
    def batch(self) -> Iterator[Masker]:
        """Add many secrets with one build: `prepare()` calls inside do nothing, and the
        outermost `batch` prepares once on leaving (a masked output in between still
        builds, so nothing registered ever passes unmasked)."""
        with self._lock:
            self._batch += 1
        try:
            with _gc_paused():
                yield self
        finally:
            with self._lock:
                self._batch -= 1
                last = self._batch == 0
            if last:
                self.prepare()

    def prepare(self, *, wait: bool = False) -> None:
        """Build the scanner now, on this thread, if secrets were added since the last
        build (inside a `batch`, nothing: the batch prepares at its end); start the
        chosen engine's background compile when the set is too large to compile at once
        (and the stream's index of long variants, when that is too); with `wait`, return
        only once that is done."""
        with self._lock:
            if self._batch:
                return
        scanner = self.scanner()
        with self._lock:
            if scanner is not None and scanner is self._compiled:
                small = len(scanner.tails) <= TAIL_INDEX_SYNC
                if self._final and small:
                    self._index(scanner)
                unindexed = self._indexed is not scanner and len(scanner.tails) <= TAIL_INDEX_MAX
                if (not self._final or (unindexed and scanner.tails)) and self._worker is None:
                    started = threading.Thread(
                        target=self._compile,
                        args=(scanner, self._generation, self._final),
                        name="kestra_nb-masker-build",
                        daemon=True,
                    )
                    self._worker = started
                    started.start()
            worker = self._worker
        if wait and worker is not None:
            worker.join()

    @property
    def ready(self) -> bool:
        """Whether the scanner is built with the chosen engine (no compile pending)."""
        with self._lock:
            return not self._dirty and self._final and self._worker is None

    def _index(self, scanner: Scanner) -> None:
        """Build `scanner`'s index of long variants (under the lock; small sets only)."""
        if scanner.tails and self._indexed is not scanner:
            scanner.tail_index  # noqa: B018 (a cached property: building it is the point)
            self._indexed = scanner

    def _compile(self, interim: Scanner, generation: int, compiled: bool) -> None:
        """Background thread: `engine` over the interim scanner's patterns, in shards
        (unless `compiled` already), then its long-variant index; swapped in unless a
        newer build replaced the interim."""
        with contextlib.suppress(AttributeError, OSError):
            # Linux: a thread's own nice value; the kernel's threads run first (best effort)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _BACKGROUND_NICE)
        try:
            final = interim
            if not compiled:
                finder = sharded_finder(
                    self.engine,
                    interim.patterns,
                    SHARD_PATTERNS,
                    keep_going=lambda: self._generation == generation,
                )
                if finder is None:
                    return
                final = dataclasses.replace(interim, find=finder)
            indexed = len(final.tails) <= TAIL_INDEX_MAX
            if indexed and final.tails:
                final.tail_index  # noqa: B018 (a cached property: building it is the point)
            with self._lock:
                if self._generation == generation and self._compiled is interim:
                    self._compiled = final
                    self._final = True
                    if indexed:
                        self._indexed = final
                    self.build_threads.append(threading.current_thread().name)
        finally:
            with self._lock:
                if self._worker is threading.current_thread():
                    self._worker = None

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
                self._build()
            return self._compiled

    def _build(self) -> None:
        """Build the scanner on this thread (under the lock): variants and bookkeeping,
        linear in the patterns; the chosen engine too when the set is small, else the
        `hashed` engine until `prepare` has the chosen one compiled in the background."""
        values = list(self._values.items())
        with _gc_paused():
            base = build_scanner(values, self.min_length, "python")
            short = tuple(
                form
                for value, name in values
                # a value a format's fixed text makes (`secret_variants` gives it no form)
                # gets no short form either
                if len(value.encode("utf-8", "surrogatepass")) < 6 and secret_variants(value)
                for form in short_base64_forms(value, name)
            )
            final = True
            if base is not None and self.engine != "python":
                engine = self.engine
                if len(base.patterns) > SYNC_PATTERNS and engine != "hashed":
                    engine, final = "hashed", False
                base = dataclasses.replace(base, find=ENGINES[engine](base.patterns))
        self._generation += 1
        self._compiled = base
        self._short = short
        self._final = final
        self._dirty = False
        self.builds += 1
        self.build_threads.append(threading.current_thread().name)
        if self._worker is not None:  # an older compile: it notices and stops
            self._worker = None

    def view(self, *, stream: bool = False) -> ScanView:
        """One consistent snapshot to mask with (built now if needed; see `scanner`); for a
        `stream`, with the index of long variants a stream's hold-back needs (when ready,
        or small enough to build now)."""
        scanner = self.scanner()
        with self._lock:
            short = self._short
            if not stream or scanner is None or not scanner.tails or self._indexed is scanner:
                return ScanView(scanner, short)
            if len(scanner.tails) <= TAIL_INDEX_SYNC:  # small: as cheap as a lookup
                self._index(scanner)
                return ScanView(scanner, short)
            if self._no_tails is None or self._no_tails[0] is not scanner:
                self._no_tails = (scanner, dataclasses.replace(scanner, tails=()))
            return ScanView(scanner, short, tails_ready=False, no_tails=self._no_tails[1])

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
        short = self._short
        if short:
            decoded = find_short_base64(text, list(short))
            extra = [Match(s, e, f.name, f.kind) for s, e, f in decoded]
            found = sorted(found + extra, key=lambda m: (m.start, m.end))
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
        if not text:
            return text
        view = self.view()
        if view.scanner is None:
            return text
        return replace_ranges(text, view.ranges(text), self.placeholder)

    def reveals(self, text: str) -> bool:
        """Whether `text` holds any form of any registered secret."""
        view = self.view()
        return bool(text) and view.scanner is not None and bool(view.ranges(text))

    def mask_data(self, obj: Any) -> Any:
        """A copy of `obj` with every str inside (dict keys too) masked.

        Walks dicts, lists and tuples. A number whose JSON text holds a secret (a numeric
        PIN shown as an int) becomes the placeholder; bytes are masked as UTF-8 text (and
        become the placeholder when their base64 would still hold a secret's form: they are
        base64-encoded after this, on the way out). Other values are returned unchanged.
        """
        if self.scanner() is None:
            return obj
        return self._mask_data(obj)

    def mask_bytes(self, data: bytes | bytearray | memoryview) -> bytes:
        """`data` masked as UTF-8 text (undecodable bytes kept as they are); the placeholder
        alone when its base64 would still show a form of a secret."""
        raw = bytes(data)
        text = raw.decode("utf-8", "surrogateescape")
        masked = self.mask(text)
        out = raw if masked == text else masked.encode("utf-8", "surrogateescape")
        if self.reveals(base64.b64encode(out).decode("ascii")):
            return self.placeholder.encode()
        return out

    def _mask_data(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, (bytes, bytearray, memoryview)):
            return self.mask_bytes(obj)
        if isinstance(obj, (int, float)) and not isinstance(obj, bool):
            try:
                shown = json.dumps(obj)
            except (TypeError, ValueError):
                return obj
            return self.placeholder if self.mask(shown) != shown else obj
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
