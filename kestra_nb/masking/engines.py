"""Multi-pattern scan engines: each turns a list of patterns into a finder of every match.

A finder takes a text and returns `(pattern index, start, end)` for every occurrence of every
pattern (overlaps included), in str offsets. Engines, fastest first where importable:
hyperscan (a 16-byte anchor of each pattern, each anchor hit checked against its whole
pattern; a text of 1 MB or more is scanned as two halves at once), ahocorasick-rs, and a
pure-Python `str.find` fallback. Two more serve very large sets of patterns (many thousands
of secrets), where compiling hyperscan or ahocorasick-rs takes seconds and grows faster than
the patterns: `hashed` builds in time linear in the patterns (a dict of each pattern's first
characters) and is what masks while the chosen engine compiles in the background, in shards
of a fixed size (`sharded_finder`), so that compiling is linear too. Texts are encoded to
UTF-8 once per scan (no reading of `str` internals: a slip there could crash the user's kernel).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["ENGINES", "Finder", "Hit", "available_engines", "sharded_finder"]

# hit = (pattern index, start, end) in str offsets
Hit = tuple[int, int, int]
Finder = Callable[[str], list[Hit]]


def byte_to_char(data: Any, hits: list[Hit]) -> list[Hit]:
    """Map UTF-8 byte offsets of hits (which fall on character boundaries) to str offsets."""
    offsets = sorted({o for _, s, e in hits for o in (s, e)})
    mapping: dict[int, int] = {}
    prev_b = prev_c = 0
    for off in offsets:
        prev_c += len(data[prev_b:off].decode("utf-8", "surrogatepass"))
        prev_b = off
        mapping[off] = prev_c
    return [(i, mapping[s], mapping[e]) for i, s, e in hits]


def utf8(text: str) -> tuple[bytes, bool]:
    """UTF-8 bytes of `text`, and whether it is ASCII (then byte offsets are str offsets)."""
    if text.isascii():
        return text.encode("ascii"), True
    return text.encode("utf-8", "surrogatepass"), False


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


def _hyperscan_finder(patterns: list[str]) -> Finder:
    import hyperscan  # optional engine: imported only when chosen

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
    rest: Finder | None = None
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
    ) -> list[Hit]:
        """Whole-pattern matches around anchor matches (ends shifted by `shift`) that start
        in [low, high), in byte offsets; `starts_with(needles[i], start)` checks one."""
        hits: list[Hit] = []
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

    def find(text: str) -> list[Hit]:
        data, ascii_only = utf8(text)
        size = len(data)
        hits: list[Hit] = []
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
            hits = byte_to_char(data, hits)
        if rest is not None:
            hits.extend((long[i], start, end) for i, start, end in rest(text))
        return hits

    return find


def _ahocorasick_finder(patterns: list[str]) -> Finder:
    import ahocorasick_rs  # imported only when chosen (hyperscan, when present, is preferred)

    encoded = [p.encode("utf-8", "surrogatepass") for p in patterns]
    size = sum(map(len, encoded))
    # A full DFA is fastest but its memory grows with the patterns; let the crate pick
    # a (contiguous) NFA for very large sets.
    impl = ahocorasick_rs.Implementation.DFA if size <= 1_000_000 else None
    automaton = ahocorasick_rs.BytesAhoCorasick(
        encoded, matchkind=ahocorasick_rs.MatchKind.Standard, implementation=impl
    )

    def find(text: str) -> list[Hit]:
        data, ascii_only = utf8(text)
        hits = automaton.find_matches_as_indexes(data, overlapping=True)
        return hits if ascii_only or not hits else byte_to_char(data, hits)

    return find


def _occurrences(text: str, index: int, pattern: str, hits: list[Hit]) -> None:
    """Add every occurrence of `pattern` in `text` (overlapping ones too) to `hits`."""
    pos = text.find(pattern)
    while pos >= 0:
        hits.append((index, pos, pos + len(pattern)))
        pos = text.find(pattern, pos + 1)


def _python_finder(patterns: list[str]) -> Finder:
    """Portable fallback: `str.find` per pattern (correct, slow with many patterns)."""

    def find(text: str) -> list[Hit]:
        hits: list[Hit] = []
        for i, pattern in enumerate(patterns):
            _occurrences(text, i, pattern, hits)
        return hits

    return find


# The `hashed` engine keys long patterns by their first characters, short ones by the
# shortest pattern's length; a text is cut into windows of this many positions.
_HASH_KEY = 16
_HASH_WINDOW = 1 << 16


def _hashed_finder(patterns: list[str]) -> Finder:
    """Linear to build (one dict entry per pattern), for very large pattern sets.

    Every position of a text is looked up by the characters that start there (a set of the
    text's `_HASH_KEY`-character substrings, intersected with the keys in C); each pattern
    whose key occurs is then found with `str.find`. About ten times slower than hyperscan
    on a clean text, but ready at once: it masks while a faster engine compiles.
    """
    # key -> the pattern's index, or a list of them when several share the key (rare: one
    # int per key keeps building to one dict entry per pattern)
    longs: dict[str, int | list[int]] = {}
    shorts: dict[str, int | list[int]] = {}
    short = min((len(p) for p in patterns if len(p) < _HASH_KEY), default=_HASH_KEY)
    for i, pattern in enumerate(patterns):
        size = len(pattern)
        if not size:
            continue
        if size >= _HASH_KEY:
            table, key = longs, pattern[:_HASH_KEY]
        else:
            table, key = shorts, pattern[:short]
        had = table.setdefault(key, i)
        if had != i:
            if isinstance(had, int):
                table[key] = [had, i]
            else:
                had.append(i)
    tables = [(table, size) for table, size in ((longs, _HASH_KEY), (shorts, short)) if table]

    def find(text: str) -> list[Hit]:
        hits: list[Hit] = []
        n = len(text)
        for table, size in tables:
            keys = table.keys()
            found: set[str] = set()
            for low in range(0, max(0, n - size + 1), _HASH_WINDOW):
                high = min(n - size + 1, low + _HASH_WINDOW)
                found.update(keys & {text[i : i + size] for i in range(low, high)})
            for key in found:
                entry = table[key]
                for index in [entry] if isinstance(entry, int) else entry:
                    _occurrences(text, index, patterns[index], hits)
        return hits

    return find


ENGINES: dict[str, Callable[[list[str]], Finder]] = {
    "hyperscan": _hyperscan_finder,
    "ahocorasick": _ahocorasick_finder,
    "python": _python_finder,
    "hashed": _hashed_finder,
}


def sharded_finder(
    engine: str,
    patterns: list[str],
    shard: int,
    keep_going: Callable[[], bool] = lambda: True,
) -> Finder | None:
    """`engine` over `patterns` compiled in shards of `shard` patterns: each compile costs
    the same, so the whole is linear in the patterns (a hyperscan database of 100,000
    literals takes four times as long as four of 25,000). A text is scanned once per
    shard. Returns None when `keep_going()` turns false between shards (a newer set of
    patterns replaced this one)."""
    build = ENGINES[engine]
    parts: list[tuple[int, Finder]] = []
    for low in range(0, len(patterns), shard):
        if not keep_going():
            return None
        parts.append((low, build(patterns[low : low + shard])))
    if len(parts) == 1:
        return parts[0][1]

    def find(text: str) -> list[Hit]:
        hits: list[Hit] = []
        for low, part in parts:
            hits.extend((low + i, start, end) for i, start, end in part(text))
        return hits

    return find


def available_engines() -> list[str]:
    """Engines usable here, fastest first (measured in `benchmarks/mask.py`)."""
    names = []
    for name, module in (("hyperscan", "hyperscan"), ("ahocorasick", "ahocorasick_rs")):
        try:
            __import__(module)
        except ImportError:
            continue
        names.append(name)
    names += ["hashed", "python"]
    return names
