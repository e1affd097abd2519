"""Mask secrets, and their common encodings, in text before it reaches an output.

Each secret expands into *variants* (`secret_variants`): the literal, each line of a
multi-line value, base64 in both alphabets at the three byte alignments (and each line of
it wrapped at 64 or 76 columns), percent, JSON, `repr` and HTML escaping. The masker also
looks for the first and last characters of every long variant and follows them as far as
the text goes on matching (`truncated`: what `%whos`, `%store` or `obj?` print of a long
value). All variants of all secrets go into one multi-pattern scanner
(hyperscan when importable, else ahocorasick-rs, else a pure-Python search). Every match is
found, overlapping and adjacent ranges are merged, and each merged range becomes one
placeholder (`******`), so neither a tail of an overlapping secret nor a length leaks.
For speed on large outputs (`benchmarks/mask.py`), hyperscan looks for a 16-byte piece of
each variant and checks the whole variant around each hit, two halves of a large text are
scanned at once, and a large ASCII text is read and its masked copy written in place.

`MaskStream` masks text that arrives in pieces: it holds back only a tail that could still
become a match, so a secret split across writes (or across kernel flushes) is still masked,
and the concatenated output equals `Masker.mask` of the whole text. A tail is held back when
it could start a variant, or when it lies inside a line of a long variant: a `truncated`
match of a long secret's cut-off tail grows backward from its last 16 characters, so what
comes before those must not leave first (a suffix array of the long variants' lines answers
this with one lookup per drain). A line break is never held back for this, so `print`'s
line end leaves at once; the one exception to the equality follows from it: a multi-line
form's tail printed with its line breaks and flushed right after one of them shows the part
of its cut first line before that break (see `docs/secrets-and-masking.md`).

This module is core: it never imports IPython. Nothing here ever puts a secret value (or an
encoding of one) into a message, warning or repr.
"""

from __future__ import annotations

import base64
import bisect
import ctypes
import html
import itertools
import json
import os
import sys
import threading
import warnings
from array import array
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple
from urllib.parse import quote, quote_plus

from .kestra import PLACEHOLDER as KESTRA_PLACEHOLDER

__all__ = [
    "ENGINES",
    "MaskStream",
    "Masker",
    "MaskingWarning",
    "Match",
    "secret_variants",
]

PLACEHOLDER = KESTRA_PLACEHOLDER
# Derived variants (encodings, lines) shorter than this are dropped: too many false positives.
MIN_DERIVED_LENGTH = 6
# Lines of a multi-line secret are kept from this length (the default minimum secret length).
MIN_LINE_LENGTH = 4
# The hold-back prefix test looks up this many leading characters in a set before verifying.
_PREFIX_KEY = 16
# Line widths at which base64 text is commonly wrapped (PEM/openssl, MIME/GNU base64).
WRAP_WIDTHS = (64, 76)
# Truncated displays print only a long value's head or tail: IPython's `%whos` shows the
# first and last 25 characters of a value of 50 or more, `%store` the first 49 of its repr,
# `obj?` the first and last 97 of a long string form, pandas the first 47 and `...`. So every
# variant of this many characters or more also has its first and last `TRUNCATION_KEY`
# characters searched for (kind `truncated`), and such a match is extended for as long as the
# text keeps following that variant.
TRUNCATION_MIN = 32
TRUNCATION_KEY = 16

# hit = (pattern index, start, end) in str offsets
_Hit = tuple[int, int, int]
_Finder = Callable[[str], list[_Hit]]
_by_start = itemgetter(1)


class MaskingWarning(UserWarning):
    """A secret cannot be masked (too short); the message names the key, never the value."""


class Match(NamedTuple):
    """One occurrence of one variant: where it is, whose secret, which variant (no value)."""

    start: int
    end: int
    name: str | None
    kind: str


# ---------------------------------------------------------------------------- variants


def _b64_core(data: bytes, offset: int, urlsafe: bool) -> str:
    """The base64 characters fixed by `data` alone when it sits `offset` bytes into a group.

    Whatever bytes surround `data` in a longer encoded stream, these characters appear.
    """
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(b"\0" * offset + data).decode("ascii")
    first = -(-8 * offset // 6)  # first char whose 6 bits all come from `data`
    last = 8 * (offset + len(data)) // 6
    return encoded[first:last]


def _repr_inner(value: str) -> list[str]:
    """`repr(value)` without its quotes, in both quoting styles Python may pick."""
    plain = repr(value)[1:-1]
    # With both quote kinds present repr() uses '...' and escapes every "'".
    escaped = repr(value + "'\"")[1:-4]
    return [plain, escaped]


def secret_variants(value: str) -> list[tuple[str, str]]:
    """Every form of `value` the masker looks for, as `(kind, text)` pairs, deduplicated.

    Kinds are stable short words the scanner reports: `literal`, `line`, `base64`,
    `base64-offset1`, `base64-offset2`, `base64url`, `base64url-offset1`,
    `base64url-offset2`, `percent`, `percent-plus`, `json`, `json-ascii`, `repr`, `html`.
    Lines of a multi-line value shorter than 4 characters and other derived forms shorter
    than 6 are left out (they would mask ordinary text).
    Empty and whitespace-only values have no variants.
    """
    if not isinstance(value, str):
        raise TypeError(f"a secret must be str, not {type(value).__name__}")
    if not value.strip():
        return []
    raw = value.encode("utf-8", "surrogatepass")
    derived: list[tuple[str, str]] = []
    lines = [line.strip() for line in value.splitlines()]
    encoded = base64.b64encode(raw).decode("ascii")
    derived.append(("base64", encoded))
    # Wrapped base64 (`base64` wraps at 76 columns, PEM and `openssl base64` at 64): each
    # line is a form of its own, so `SECRET_X=$(base64 key.pem)` printed back is masked.
    for width in WRAP_WIDTHS:
        if len(encoded) > width:
            derived.extend(
                ("base64", encoded[i : i + width]) for i in range(0, len(encoded), width)
            )
    derived.append(("base64url", base64.urlsafe_b64encode(raw).decode("ascii")))
    for urlsafe, kind in ((False, "base64"), (True, "base64url")):
        for offset in range(3):
            name = kind if offset == 0 else f"{kind}-offset{offset}"
            derived.append((name, _b64_core(raw, offset, urlsafe)))
    derived.append(("percent", quote(value, safe="")))
    derived.append(("percent", quote(value)))
    derived.append(("percent-plus", quote_plus(value, safe="")))
    derived.append(("percent-plus", quote_plus(value)))
    derived.append(("json", json.dumps(value, ensure_ascii=False)[1:-1]))
    derived.append(("json-ascii", json.dumps(value)[1:-1]))
    derived.extend(("repr", text) for text in _repr_inner(value))
    derived.append(("html", html.escape(value)))
    derived.append(("html", html.escape(value, quote=False)))

    seen = {value}
    out = [("literal", value)]
    for line in lines:  # per-line masking keeps lines as short as a secret may be
        if len(line) >= MIN_LINE_LENGTH and line not in seen:
            seen.add(line)
            out.append(("line", line))
    for kind, text in derived:
        if len(text) >= MIN_DERIVED_LENGTH and text not in seen:
            seen.add(text)
            out.append((kind, text))
    return out


# ---------------------------------------------------------------------------- engines


def _byte_to_char(data: Any, hits: list[tuple[int, int, int]]) -> list[_Hit]:
    """Map UTF-8 byte offsets of hits (which fall on character boundaries) to str offsets."""
    offsets = sorted({o for _, s, e in hits for o in (s, e)})
    mapping: dict[int, int] = {}
    prev_b = prev_c = 0
    for off in offsets:
        prev_c += len(data[prev_b:off].decode("utf-8", "surrogatepass"))
        prev_b = off
        mapping[off] = prev_c
    return [(i, mapping[s], mapping[e]) for i, s, e in hits]


# CPython stores an ASCII str as its bytes right after a fixed-size header; for a large text
# the scanners read that buffer in place instead of paying for `str.encode()`'s copy. The
# layout is checked once here and the ends of every text are checked again before use.
_ZERO_COPY_MIN = 1 << 16
_ASCII_OFFSET = sys.getsizeof("") - 1


def _ascii_view_works() -> bool:
    if sys.implementation.name != "cpython":
        return False
    probe = "kestra_nb ascii probe " * 4
    try:
        view = (ctypes.c_char * len(probe)).from_address(id(probe) + _ASCII_OFFSET)
        return bytes(view) == probe.encode("ascii")
    except (ValueError, TypeError, OSError):  # pragma: no cover - other runtimes
        return False


_ZERO_COPY = _ascii_view_works()


def _utf8(text: str) -> tuple[Any, bool]:
    """UTF-8 bytes of `text` (a read-only view for a large ASCII str), and whether ASCII."""
    if text.isascii():
        # exact str only: a subclass instance keeps its characters elsewhere
        if _ZERO_COPY and len(text) >= _ZERO_COPY_MIN and type(text) is str:
            view = (ctypes.c_char * len(text)).from_address(id(text) + _ASCII_OFFSET)
            if view[:16] == text[:16].encode() and view[-16:] == text[-16:].encode():
                return memoryview(view).cast("B"), True
        return text.encode("ascii"), True
    return text.encode("utf-8", "surrogatepass"), False


# The masked copy of a large ASCII text is written straight into a new str (`PyUnicode_New`,
# then filled before anything else sees it, as C code does): one copy of the text instead of
# slicing (a copy) and joining (another copy). Checked once here on a probe.
_StrNew = Callable[[int, int], str]


def _ascii_buffer(text: str, size: int) -> memoryview:
    """The `size` bytes of a compact ASCII str's characters, in place (writable: take care)."""
    return memoryview((ctypes.c_char * size).from_address(id(text) + _ASCII_OFFSET)).cast("B")


def _ascii_writer() -> _StrNew | None:
    if not _ZERO_COPY:
        return None
    try:
        proto = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_ssize_t, ctypes.c_uint32)
        new: _StrNew = proto(("PyUnicode_New", ctypes.pythonapi))
        probe = "kestra_nb ascii writer probe " * 4
        out = new(len(probe), 127)
        _ascii_buffer(out, len(probe))[:] = probe.encode("ascii")
        ok = type(out) is str and out.isascii() and out == probe and hash(out) == hash(probe)
    except (AttributeError, ValueError, TypeError, OSError):  # pragma: no cover - other runtimes
        return None
    return new if ok else None


_NEW_ASCII = _ascii_writer()


def _replace_ascii(text: str, ranges: list[list[int]], placeholder: bytes) -> str | None:
    """`_replace` for a large ASCII `text` with one copy, or None where it does not apply."""
    view, _ = _utf8(text)
    if _NEW_ASCII is None or not isinstance(view, memoryview):
        return None
    size = len(text) + sum(start - end for start, end in ranges) + len(placeholder) * len(ranges)
    if size < _ZERO_COPY_MIN:
        return None
    out = _NEW_ASCII(size, 127)
    # Bounds: every slice assignment below is checked by memoryview against `size` bytes.
    dst = _ascii_buffer(out, size)
    src = view.toreadonly()
    width = len(placeholder)
    pos = at = 0
    try:
        for start, end in ranges:
            n = start - pos
            dst[at : at + n] = src[pos:start]
            at += n
            dst[at : at + width] = placeholder
            at += width
            pos = end
        dst[at:] = src[pos:]
    except ValueError:  # ranges not sorted and disjoint: leave it to the general path
        return None
    finally:
        dst.release()
        src.release()
    return out


# hyperscan refuses literals of about 16 KB and more, and its Python binding cuts patterns
# at a NUL byte: such patterns go to another engine.
_HYPERSCAN_MAX_BYTES = 15000


def _hyperscan_can(pattern: bytes) -> bool:
    return len(pattern) <= _HYPERSCAN_MAX_BYTES and b"\0" not in pattern


# Texts from this size are scanned as two halves in parallel (when there are 2+ CPUs).
_PARALLEL_MIN = 1 << 20
_POOL: list[ThreadPoolExecutor] = []
_POOL_LOCK = threading.Lock()


def _scan_pool() -> ThreadPoolExecutor | None:
    """One worker thread for the second half of large scans, or None on a single CPU."""
    if (os.cpu_count() or 1) < 2:
        return None
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kestra_nb-mask"))
        return _POOL[0]


# hyperscan looks for one 16-byte *anchor* from the middle of each longer pattern, and each
# anchor match is checked against its whole pattern. Measured (`benchmarks/mask.py`): its
# literal matcher runs up to a third faster on such anchors than on the whole variants, whose
# beginnings and ends the variants share (a value, its head and tail, base64 with and without
# padding). Every pattern has one anchor at one offset, so each occurrence is found once.
_ANCHOR = 16


def _hyperscan_finder(patterns: list[str]) -> _Finder:
    import hyperscan

    encoded = [p.encode("utf-8", "surrogatepass") for p in patterns]
    short = [i for i, p in enumerate(encoded) if _hyperscan_can(p)]
    long = [i for i, p in enumerate(encoded) if not _hyperscan_can(p)]
    lengths = [len(p) for p in encoded]
    anchor_ids: dict[bytes, int] = {}
    # anchor -> [(pattern, offset of the anchor in it)]; None: the anchor is the pattern
    targets: list[list[tuple[int, int]]] = []
    exact: list[int | None] = []
    for i in short:
        at = max(0, (lengths[i] - _ANCHOR) // 2)
        key = encoded[i][at : at + _ANCHOR]
        j = anchor_ids.setdefault(key, len(targets))
        if j == len(targets):
            targets.append([])
            exact.append(None)
        targets[j].append((i, at))
        if len(key) == lengths[i]:
            exact[j] = i
    for j, found in enumerate(targets):
        if len(found) > 1:
            exact[j] = None
    anchors = list(anchor_ids)
    anchor_lengths = [len(a) for a in anchors]
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    if anchors:  # literal mode; no SOM flag needed: a literal starts at its end minus its length
        db.compile(
            expressions=anchors,
            ids=list(range(len(anchors))),
            elements=len(anchors),
            flags=0,
            literal=True,
        )
    lock = threading.Lock()  # a scratch space serves one scan at a time
    scratches: list[Any] = [hyperscan.Scratch(db), hyperscan.Scratch(db)] if anchors else []
    overlap = max((lengths[i] for i in short), default=1) - 1
    rest: _Finder | None = None
    if long:
        fallback = _ahocorasick_finder if "ahocorasick" in available_engines() else _python_finder
        rest = fallback([patterns[i] for i in long])

    def scan(data: Any, scratch: Any) -> list[tuple[int, int]]:
        """(anchor, end) of every anchor match in `data`."""
        ends: list[tuple[int, int]] = []
        add = ends.append

        # Called by hyperscan once per match (with the GIL): keep it as small as can be.
        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            add((ident, to))

        db.scan(data, match_event_handler=on_match, scratch=scratch)
        return ends

    def verify(
        starts_with: Callable[[Any, int], bool],
        needles: list[Any],
        ends: list[tuple[int, int]],
        shift: int,
        low: int,
        high: int,
    ) -> list[_Hit]:
        """Whole-pattern matches around anchor matches (ends shifted by `shift`) that start
        in [low, high), in byte offsets; `starts_with(needles[i], start)` checks one."""
        hits: list[_Hit] = []
        for j, to in ends:
            i = exact[j]
            if i is not None:  # the anchor is the whole (only) pattern
                start = to + shift - lengths[i]
                if low <= start < high:
                    hits.append((i, start, start + lengths[i]))
                continue
            anchor_start = to + shift - anchor_lengths[j]
            for i, at in targets[j]:
                start = anchor_start - at
                if low <= start < high and starts_with(needles[i], start):
                    hits.append((i, start, start + lengths[i]))
        return hits

    def find(text: str) -> list[_Hit]:
        data, ascii_only = _utf8(text)
        size = len(data)
        hits: list[_Hit] = []
        if anchors:
            # an ASCII str's offsets are its byte offsets: check there, without copies
            as_str = ascii_only and type(text) is str
            starts_with = text.startswith if as_str else bytes(data).startswith
            needles = patterns if as_str else encoded
            with lock:
                pool = _scan_pool() if size >= _PARALLEL_MIN else None
                if pool is None:
                    ends = scan(data, scratches[0])
                    hits = verify(starts_with, needles, ends, 0, 0, size)
                else:
                    # The GIL is released while hyperscan scans: two halves run at once.
                    # The first half runs on past the middle by the longest pattern; each
                    # half keeps the matches that start in it.
                    view, mid = memoryview(data), size // 2
                    first = pool.submit(scan, view[: mid + overlap], scratches[1])
                    try:
                        second = scan(view[mid:], scratches[0])
                    finally:  # the worker's scratch is free again before the lock is
                        head = first.result()
                    hits = verify(starts_with, needles, head, 0, 0, mid)
                    hits += verify(starts_with, needles, second, mid, mid, size)
        if hits and not ascii_only:
            hits = _byte_to_char(data, hits)
        if rest is not None:
            hits.extend((long[i], start, end) for i, start, end in rest(text))
        return hits

    return find


def _ahocorasick_finder(patterns: list[str]) -> _Finder:
    import ahocorasick_rs

    encoded = [p.encode("utf-8", "surrogatepass") for p in patterns]
    size = sum(map(len, encoded))
    # A full DFA is fastest but its memory grows with the patterns; let the crate pick
    # a (contiguous) NFA for very large sets.
    impl = ahocorasick_rs.Implementation.DFA if size <= 1_000_000 else None
    automaton = ahocorasick_rs.BytesAhoCorasick(
        encoded, matchkind=ahocorasick_rs.MatchKind.Standard, implementation=impl
    )

    def find(text: str) -> list[_Hit]:
        data, ascii_only = _utf8(text)
        hits = automaton.find_matches_as_indexes(data, overlapping=True)
        return hits if ascii_only or not hits else _byte_to_char(data, hits)

    return find


def _python_finder(patterns: list[str]) -> _Finder:
    """Portable fallback: `str.find` per pattern (correct, slow with many patterns)."""

    def find(text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        for i, pattern in enumerate(patterns):
            pos = text.find(pattern)
            while pos >= 0:
                hits.append((i, pos, pos + len(pattern)))
                pos = text.find(pattern, pos + 1)
        return hits

    return find


ENGINES: dict[str, Callable[[list[str]], _Finder]] = {
    "hyperscan": _hyperscan_finder,
    "ahocorasick": _ahocorasick_finder,
    "python": _python_finder,
}


def available_engines() -> list[str]:
    """Engines usable here, fastest first (measured in `benchmarks/mask.py`)."""
    names = []
    for name, module in (("hyperscan", "hyperscan"), ("ahocorasick", "ahocorasick_rs")):
        try:
            __import__(module)
        except ImportError:
            continue
        names.append(name)
    names.append("python")
    return names


# ---------------------------------------------------------------------------- compiled set


@dataclass(frozen=True, repr=False)
class _Compiled:
    """An immutable snapshot of every pattern and its scanner; swapped whole on change.

    Its repr counts patterns and never shows one (they are the secrets' forms).
    """

    patterns: list[str]
    owners: list[tuple[str | None, str]]  # (name, kind) per pattern
    find: _Finder
    max_length: int
    sorted_patterns: list[str]
    prefix_keys: frozenset[str]
    # pattern index -> (variant, +1 for its head / -1 for its tail): matches to extend
    extend: Mapping[int, tuple[tuple[str, int], ...]]
    # variants whose tail is searched (`truncated`): streams hold back text inside them
    tails: tuple[str, ...] = ()

    @cached_property
    def tail_index(self) -> _TailIndex | None:
        """Built on first use (by a stream only): `Masker.mask` never needs it."""
        return _TailIndex(self.tails) if self.tails else None

    def __repr__(self) -> str:
        return f"_Compiled(patterns={len(self.patterns)}, tails={len(self.tails)})"

    def hits(self, text: str) -> list[_Hit]:
        """Every match; a head (tail) of a long variant is extended forward (backward) for
        as long as the text follows that variant (a truncated display shows more of it)."""
        hits = self.find(text)
        extend = self.extend
        if not extend or not hits:
            return hits
        for k, (i, start, end) in enumerate(hits):
            targets = extend.get(i)
            if targets is None:
                continue
            for variant, direction in targets:
                if direction > 0:
                    end = max(end, start + _common_prefix(text, start, variant))
                else:
                    start = min(start, end - _common_suffix(text, end, variant))
            hits[k] = (i, start, end)
        return hits

    def ranges(self, text: str) -> list[list[int]]:
        """Merged [start, end) ranges of all matches; overlapping and adjacent ones join."""
        hits = self.hits(text)
        if not hits:
            return []
        hits.sort(key=_by_start)
        merged: list[list[int]] = []
        _, low, high = hits[0]
        for _, start, end in hits:
            if start > high:
                merged.append([low, high])
                low, high = start, end
            elif end > high:
                high = end
        merged.append([low, high])
        return merged

    def could_start(self, buf: str, i: int) -> bool:
        """True if `buf[i:]` is a proper prefix of some pattern (a match may still complete)."""
        if len(buf) - i > _PREFIX_KEY and buf[i : i + _PREFIX_KEY] not in self.prefix_keys:
            return False
        tail = buf[i:]
        pats = self.sorted_patterns
        j = bisect.bisect_left(pats, tail)
        if j < len(pats) and pats[j] == tail:  # a whole pattern; a longer one may follow
            j += 1
        return j < len(pats) and pats[j].startswith(tail)


# A stream's index of long variants sorts its positions by this many characters; where the
# last ones of a text match there, each such place (at most `_TAIL_PLACES`) is followed back.
_TAIL_KEY = 16
_TAIL_PLACES = 64


class _TailIndex:
    """Finds the longest end of a text that lies inside one of some long variants.

    A `truncated` tail match grows backward from a variant's last 16 characters, so while
    the end of a stream's pending text lies inside a variant, a tail match may yet close
    over it: a stream holds that much back, up to a line break (each line of a multi-line
    variant is indexed on its own). The index is a suffix array over the lines reversed:
    every entry is a position in one joined string, sorted by the next 16 characters (so
    memory and build time grow with the variants' length, not its square). The text's
    last 16 characters, reversed, are looked up once (`bisect`); their longest common
    prefix with either neighbour is the answer, unless all 16 match: then each place they
    match is followed backward (a variant so repetitive that more than 64 places match
    holds back as much as the longest line could). No value ever leaves the index.
    """

    def __init__(self, variants: Iterable[str]) -> None:
        # Each line of a variant on its own (and without the variant's last character, after
        # which no more of it can follow): a line break is never held back, so `print`'s
        # line end leaves at once even when a multi-line value is registered.
        inner = sorted({line for v in variants for line in v[:-1].split("\n") if line})
        chars = frozenset(itertools.chain.from_iterable(inner))
        # a separator no variant contains: no match runs across it
        sep = next(c for c in map(chr, itertools.count()) if c not in chars)
        joined = sep.join(v[::-1] for v in inner) + sep

        def key(p: int) -> str:
            return joined[p : p + _TAIL_KEY]

        positions = [p for p, c in enumerate(joined) if c != sep]
        positions.sort(key=key)
        self._joined = joined
        self._key = key
        self._positions = array("q", positions)
        self._chars = chars
        self._sep = sep
        self._longest = max(map(len, inner), default=0)

    def _probe(self, text: str, size: int) -> str:
        """The last `size` characters of `text`, reversed, up to a line break or the
        separator (which no indexed line has)."""
        probe = text[-size:][::-1]
        for stop in (probe.find(self._sep), probe.find("\n")):
            if stop >= 0:
                probe = probe[:stop]
        return probe

    def held(self, text: str) -> int:
        """Length of the longest end of `text` found inside a variant (0 when none)."""
        if not text or text[-1] not in self._chars:  # the common case (a line's "\n")
            return 0
        probe = self._probe(text, _TAIL_KEY)
        positions, key = self._positions, self._key
        i = bisect.bisect_left(positions, probe, key=key)
        found = max(
            _common_prefix(probe, 0, key(positions[j]))
            for j in (i - 1, i)
            if 0 <= j < len(positions)
        )
        if found < _TAIL_KEY:
            return found
        # The last 16 characters lie inside a variant: the entries equal to them are
        # positions[i:high]; follow each backward through its variant.
        probe = self._probe(text, self._longest)
        last = min(len(positions), i + _TAIL_PLACES + 1)
        high = bisect.bisect_right(positions, probe[:_TAIL_KEY], i, last, key=key)
        if high > i + _TAIL_PLACES:
            return len(probe)
        joined, size = self._joined, len(probe)
        return max(_common_prefix(probe, 0, joined[p : p + size]) for p in positions[i:high])


def _common_prefix(text: str, start: int, variant: str) -> int:
    """How many characters of `text` from `start` equal the start of `variant`."""
    if text.startswith(variant, start):
        return len(variant)
    low, high = 0, min(len(variant), len(text) - start)  # invariant: low chars agree
    while low < high:
        mid = (low + high + 1) // 2
        if text.startswith(variant[:mid], start):
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(text: str, end: int, variant: str) -> int:
    """How many characters of `text` before `end` equal the end of `variant`."""
    if text.endswith(variant, 0, end):
        return len(variant)
    low, high = 0, min(len(variant), end)
    while low < high:
        mid = (low + high + 1) // 2
        if text.endswith(variant[len(variant) - mid :], 0, end):
            low = mid
        else:
            high = mid - 1
    return low


def _replace(text: str, ranges: list[list[int]], placeholder: str) -> str:
    """`text` with each of the sorted, disjoint `ranges` replaced by `placeholder`."""
    if not ranges:
        return text
    # (with a range every few hundred characters, small slices and a join are cheaper)
    big = len(text) >= _ZERO_COPY_MIN and len(ranges) < len(text) >> 8
    if big and text.isascii() and placeholder.isascii():
        out = _replace_ascii(text, ranges, placeholder.encode("ascii"))
        if out is not None:
            return out
    parts: list[str] = []
    pos = 0
    for start, end in ranges:
        parts.append(text[pos:start])
        parts.append(placeholder)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# ---------------------------------------------------------------------------- masker


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
        self._compiled: _Compiled | None = None
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

    def _snapshot(self) -> _Compiled | None:
        compiled = self._compiled
        if not self._dirty:
            return compiled
        with self._lock:
            if self._dirty:
                self._compiled = self._build()
                self._dirty = False
            return self._compiled

    def _build(self) -> _Compiled | None:
        owners: dict[str, tuple[str | None, str]] = {}
        ends: dict[str, dict[tuple[str, int], None]] = {}  # head/tail -> variants to follow
        truncated: list[tuple[str, str | None]] = []
        tails: dict[str, None] = {}  # long variants, in order
        heads = self.min_length <= TRUNCATION_KEY
        for value, name in self._values.items():
            for kind, text in secret_variants(value):
                if len(text) >= self.min_length:
                    owners.setdefault(text, (name, kind))
                if heads and len(text) >= TRUNCATION_MIN:
                    tails[text] = None
                    for key, direction in (
                        (text[:TRUNCATION_KEY], 1),
                        (text[-TRUNCATION_KEY:], -1),
                    ):
                        ends.setdefault(key, {})[(text, direction)] = None
                        truncated.append((key, name))
        for key, name in truncated:  # after every real variant: a real variant keeps its kind
            owners.setdefault(key, (name, "truncated"))
        if not owners:
            return None
        patterns = list(owners)
        index = {p: i for i, p in enumerate(patterns)}
        return _Compiled(
            patterns=patterns,
            owners=[owners[p] for p in patterns],
            find=ENGINES[self.engine](patterns),
            max_length=max(map(len, patterns)),
            sorted_patterns=sorted(patterns),
            prefix_keys=frozenset(p[:_PREFIX_KEY] for p in patterns if len(p) > _PREFIX_KEY),
            extend={index[key]: tuple(targets) for key, targets in ends.items()},
            tails=tuple(tails),
        )

    @property
    def max_pattern_length(self) -> int:
        """Length (characters) of the longest variant: the most a stream ever holds back."""
        compiled = self._snapshot()
        return compiled.max_length if compiled else 0

    @property
    def pattern_count(self) -> int:
        """How many distinct variants are searched for."""
        compiled = self._snapshot()
        return len(compiled.patterns) if compiled else 0

    # -- masking

    def find(self, text: str) -> list[Match]:
        """Every occurrence of every variant (overlaps included), sorted by position.

        A `truncated` match (a long variant's head or tail) inside a match of a whole
        variant is left out: it adds nothing.
        """
        compiled = self._snapshot()
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
        compiled = self._snapshot()
        if compiled is None or not text:
            return text
        return _replace(text, compiled.ranges(text), self.placeholder)

    def mask_data(self, obj: Any) -> Any:
        """A copy of `obj` with every str inside (dict keys too) masked.

        Walks dicts, lists and tuples; other values are returned unchanged.
        """
        if self._snapshot() is None:
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


class MaskStream:
    """Mask text written in pieces; what it returns, concatenated, equals `mask(whole)`
    (but for the line-break case the module describes).

    `write` only appends until `threshold` characters are pending, so small writes cost
    almost nothing; `drain` scans now and returns everything already safe, holding back
    only a tail that could still grow into a match: the start of a variant, text inside
    a line of a long variant (a `truncated` tail grows backward from its last 16
    characters), or a masked range that a following match could join. `flush` returns the
    rest, masked. Ordinary text waits at most until the next drain that sees it continue
    differently, or until `flush` (the kernel's end of cell); a line break is never held
    for a long variant (the exception to the equality: see the module).
    """

    def __init__(self, masker: Masker, threshold: int = 16384) -> None:
        self._masker = masker
        self._threshold = threshold
        self._parts: list[str] = []
        self._size = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Number of characters held back (not yet returned)."""
        return self._size

    def write(self, chunk: str) -> str:
        """Take `chunk`; return text that is safe to emit now (often empty)."""
        with self._lock:
            self._parts.append(chunk)
            self._size += len(chunk)
            if self._size < self._threshold:
                return ""
            return self._emit(final=False)

    def drain(self) -> str:
        """Scan what is pending and return all of it that is safe to emit now."""
        with self._lock:
            return self._emit(final=False) if self._size else ""

    def flush(self) -> str:
        """Return everything pending, masked (end of output: nothing more can follow)."""
        with self._lock:
            return self._emit(final=True) if self._size else ""

    def _emit(self, final: bool) -> str:
        buf = "".join(self._parts)
        masker = self._masker
        compiled = masker._snapshot()
        if compiled is None:
            cut = len(buf)
            ranges: list[list[int]] = []
        else:
            ranges = compiled.ranges(buf)
            cut = len(buf) if final else self._safe_cut(buf, compiled, ranges)
        head = _replace(buf[:cut], [r for r in ranges if r[1] <= cut], masker.placeholder)
        rest = buf[cut:]
        self._parts = [rest] if rest else []
        self._size = len(rest)
        return head

    @staticmethod
    def _safe_cut(buf: str, compiled: _Compiled, ranges: list[list[int]]) -> int:
        # A truncated tail grows backward from a long variant's last characters: an end of
        # buf that lies inside such a variant may still be the beginning of one.
        n = len(buf)
        tails = compiled.tail_index
        cut = n if tails is None else n - tails.held(buf)
        # Every match starting before len - (L - 1) ends inside buf and was found; later
        # positions are held back only where the rest of buf could still start a match.
        for i in range(max(0, n - compiled.max_length + 1), cut):
            if compiled.could_start(buf, i):
                cut = i
                break
        # A merged range reaching the cut could still join a match that starts there:
        # hold the whole range back (unmasked) so it is masked as one, later.
        for start, end in reversed(ranges):
            if end < cut:
                break
            if start < cut:
                return start
        return cut
