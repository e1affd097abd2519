"""An immutable, built scanner over every variant of a set of secrets (`Scanner`).

`build_scanner` turns registered values into one `Scanner`: the patterns (each variant, and
the first and last 16 characters of each long variant, kind `truncated`), who owns each,
one engine finder over all of them, and what a stream needs to decide how much of its end
to hold back. A `Scanner` never changes; the masker swaps in a new one when secrets are
added, so a thread masking with one keeps a consistent view. Its repr counts patterns and
never shows one (they are the secrets' forms).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

from .engines import ENGINES, Finder, Hit
from .formats import format_text
from .variants import TRUNCATION_KEY, TRUNCATION_MIN, secret_variants

__all__ = ["Scanner", "TailIndex", "build_scanner", "cut_before_range", "replace_ranges"]

# The hold-back prefix test looks up this many leading characters in a set before verifying.
_PREFIX_KEY = 16
_by_start = itemgetter(1)


def build_scanner(
    values: Iterable[tuple[str, str | None]], min_length: int, engine: str
) -> Scanner | None:
    """One `Scanner` over every variant of `(value, name)` pairs, or None when there is none.

    Variants shorter than `min_length` are left out, and so are heads and tails made of a
    format's fixed text (`formats`: a JWT's header, a PEM key's armour line); a real variant
    keeps its kind even when it equals another variant's head or tail.
    """
    owners: dict[str, tuple[str | None, str]] = {}
    # head/tail -> (variant to follow, +1 head / -1 tail, the name of its secret), in order
    ends: dict[str, list[tuple[str, int, str | None]]] = {}
    tails: dict[str, None] = {}  # long variants, in order
    heads = min_length <= TRUNCATION_KEY
    for value, name in values:
        fmt = format_text(value, secret_variants) if heads else None
        for kind, text in secret_variants(value):
            if len(text) >= min_length:
                owners.setdefault(text, (name, kind))
            if heads and len(text) >= TRUNCATION_MIN:
                tails[text] = None
                for key, direction in (
                    (text[:TRUNCATION_KEY], 1),
                    (text[-TRUNCATION_KEY:], -1),
                ):
                    if fmt is not None and not fmt.keeps(key):
                        continue  # e.g. a JWT's header: every token of the format has it
                    found = ends.get(key)  # (one list per key: 100,000 secrets build fast)
                    if found is None:
                        ends[key] = [(text, direction, name)]
                    else:
                        found.append((text, direction, name))
    for key, found in ends.items():  # after every real variant: a real variant keeps its kind
        owners.setdefault(key, (found[0][2], "truncated"))
    if not owners:
        return None
    patterns = list(owners)
    index = {p: i for i, p in enumerate(patterns)}
    owner_list = [owners[p] for p in patterns]
    # A head or tail shared by secrets is named by the variant the text follows furthest:
    # one extra `truncated` owner per name, after the patterns' own.
    named: dict[str | None, int] = {}

    def owner_of(name: str | None) -> int:
        at = named.get(name)
        if at is None:
            at = named[name] = len(owner_list)
            owner_list.append((name, "truncated"))
        return at

    def targets(found: list[tuple[str, int, str | None]]) -> tuple[tuple[str, int, int], ...]:
        if len(found) == 1:
            variant, direction, name = found[0]
            return ((variant, direction, owner_of(name)),)
        first: dict[tuple[str, int], str | None] = {}  # a variant followed once: its first name
        for variant, direction, name in found:
            first.setdefault((variant, direction), name)
        return tuple((v, d, owner_of(n)) for (v, d), n in first.items())

    extend = {index[key]: targets(found) for key, found in ends.items()}
    return Scanner(
        patterns=patterns,
        owners=owner_list,
        find=ENGINES[engine](patterns),
        max_length=max(map(len, patterns)),
        sorted_patterns=sorted(patterns),
        prefix_keys=frozenset(p[:_PREFIX_KEY] for p in patterns if len(p) > _PREFIX_KEY),
        extend=extend,
        tails=tuple(tails),
    )


@dataclass(frozen=True, repr=False)
class Scanner:
    """Every pattern of a set of secrets and one finder over them; never changes.

    Its repr counts patterns and never shows one (they are the secrets' forms).
    """

    patterns: list[str]
    # (name, kind) per pattern, then one (name, "truncated") per secret a head or tail of
    # a long variant may be followed along (`hits` names such a match by it)
    owners: list[tuple[str | None, str]]
    find: Finder
    max_length: int
    sorted_patterns: list[str]
    prefix_keys: frozenset[str]
    # pattern index -> (variant, +1 for its head / -1 for its tail, owner index): matches
    # to extend
    extend: Mapping[int, tuple[tuple[str, int, int], ...]]
    # variants whose tail is searched (`truncated`): streams hold back text inside them
    tails: tuple[str, ...] = ()

    @cached_property
    def tail_index(self) -> TailIndex | None:
        """Built on first use (by a stream only): `Masker.mask` never needs it."""
        return TailIndex(self.tails) if self.tails else None

    def __repr__(self) -> str:
        return f"Scanner(patterns={len(self.patterns)}, tails={len(self.tails)})"

    def hits(self, text: str) -> list[Hit]:
        """Every match; a head (tail) of a long variant is extended forward (backward) for
        as long as the text follows that variant (a truncated display shows more of it),
        and named by the variant it follows furthest (secrets may share a head)."""
        hits = self.find(text)
        extend = self.extend
        if not extend or not hits:
            return hits
        for k, (i, start, end) in enumerate(hits):
            targets = extend.get(i)
            if targets is None:
                continue
            low, high, owner, best = start, end, i, end - start
            for variant, direction, who in targets:
                if direction > 0:
                    reach = common_prefix(text, start, variant)
                    high = max(high, start + reach)
                else:
                    reach = common_suffix(text, end, variant)
                    low = min(low, end - reach)
                if reach > best:
                    owner, best = who, reach
            if owner != i and self.owners[owner][0] == self.owners[i][0]:
                owner = i
            hits[k] = (owner, low, high)
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

    def safe_cut(self, buf: str, ranges: list[list[int]]) -> int:
        """How much of a stream's pending `buf` (whose merged match `ranges` are given) can
        leave now: everything before the first place a match could still start or grow."""
        # A truncated tail grows backward from a long variant's last characters: an end of
        # buf that lies inside such a variant may still be the beginning of one.
        n = len(buf)
        tails = self.tail_index
        cut = n if tails is None else n - tails.held(buf)
        # Every match starting before len - (L - 1) ends inside buf and was found; later
        # positions are held back only where the rest of buf could still start a match.
        for i in range(max(0, n - self.max_length + 1), cut):
            if self.could_start(buf, i):
                cut = i
                break
        return cut_before_range(cut, ranges)


# A stream's index of long variants sorts its positions by this many characters; where the
# last ones of a text match there, each such place (at most `_TAIL_PLACES`) is followed back.
_TAIL_KEY = 16
_TAIL_PLACES = 64


class TailIndex:
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
            common_prefix(probe, 0, key(positions[j]))
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
        return max(common_prefix(probe, 0, joined[p : p + size]) for p in positions[i:high])


def common_prefix(text: str, start: int, variant: str) -> int:
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


def common_suffix(text: str, end: int, variant: str) -> int:
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


def replace_ranges(text: str, ranges: list[list[int]], placeholder: str) -> str:
    """`text` with each of the sorted, disjoint `ranges` replaced by `placeholder`."""
    if not ranges:
        return text
    parts: list[str] = []
    append = parts.append
    pos = 0
    for start, end in ranges:
        append(text[pos:start])
        append(placeholder)
        pos = end
    append(text[pos:])
    return "".join(parts)


def cut_before_range(cut: int, ranges: list[list[int]]) -> int:
    """`cut`, moved back to the start of a merged match range that reaches it: such a range
    could still join a match starting at the cut, so it is held back whole (unmasked) and
    masked as one, later."""
    for start, end in reversed(ranges):
        if end < cut:
            break
        if start < cut:
            return start
    return cut
