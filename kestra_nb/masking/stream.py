"""`MaskStream`: mask text that arrives in pieces (a kernel output stream).

It holds back only a tail that could still become a match, so a secret split across writes
(or across kernel flushes) is still masked, and the concatenated output equals
`Masker.mask` of the whole text. A tail is held back when it could start a variant, or when
it lies inside a line of a long variant: a `truncated` match of a long secret's cut-off tail
grows backward from its last 16 characters, so what comes before those must not leave first
(a suffix array of the long variants' lines answers this with one lookup per drain). A line
break is never held back for this, so `print`'s line end leaves at once; the one exception
to the equality follows from it: a multi-line form's tail printed with its line breaks and
flushed right after one of them shows the part of its cut first line before that break (see
`docs/secrets-and-masking.md`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .scanner import replace_ranges

if TYPE_CHECKING:
    from .masker import Masker

__all__ = ["MaskStream"]


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
        view = masker.view(stream=True)
        if view.scanner is None:
            cut = len(buf)
            ranges: list[list[int]] = []
        else:
            ranges = view.ranges(buf)
            cut = len(buf) if final else view.safe_cut(buf, ranges)
        head = replace_ranges(buf[:cut], [r for r in ranges if r[1] <= cut], masker.placeholder)
        rest = buf[cut:]
        self._parts = [rest] if rest else []
        self._size = len(rest)
        return head
