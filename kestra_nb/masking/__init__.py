"""Mask secrets, and their common encodings, in text before it reaches an output.

One concept per module:

- `variants`: `secret_variants(value)`, the forms of a secret looked for (literal, lines,
  base64 at three alignments in both alphabets, percent, JSON, `repr`, HTML), and the length
  rules (`TRUNCATION_MIN`, `TRUNCATION_KEY`, ...).
- `engines`: multi-pattern scan engines (hyperscan, ahocorasick-rs, pure Python),
  `ENGINES` and `available_engines()`.
- `scanner`: `Scanner`, the immutable set of every pattern of the registered secrets with
  one finder over them (matches merged into ranges; what a stream may hold back).
- `masker`: `Masker` (registration, `mask`, `find`, `mask_data`), `Match`, `MaskingWarning`.
- `stream`: `MaskStream`, masking text that arrives in pieces.

This package is core: it never imports IPython. Nothing here ever puts a secret value (or an
encoding of one) into a message, warning or repr.
"""

from __future__ import annotations

from ..kestra import PLACEHOLDER
from .engines import ENGINES, available_engines
from .masker import Masker, MaskingWarning, Match
from .scanner import Scanner
from .stream import MaskStream
from .variants import (
    MIN_DERIVED_LENGTH,
    MIN_LINE_LENGTH,
    TRUNCATION_KEY,
    TRUNCATION_MIN,
    WRAP_WIDTHS,
    secret_variants,
)

__all__ = [
    "ENGINES",
    "MIN_DERIVED_LENGTH",
    "MIN_LINE_LENGTH",
    "PLACEHOLDER",
    "TRUNCATION_KEY",
    "TRUNCATION_MIN",
    "WRAP_WIDTHS",
    "MaskStream",
    "Masker",
    "MaskingWarning",
    "Match",
    "Scanner",
    "available_engines",
    "secret_variants",
]
