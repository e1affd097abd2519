"""The forms of a secret the masker looks for (`secret_variants`), and their length rules.

Each secret expands into *variants*: the literal, each line of a multi-line value, base64 in
both alphabets at the three byte alignments (and each line of it wrapped at 64 or 76
columns), percent, JSON, `repr` and HTML escaping. Nothing here keeps a value.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from typing import NamedTuple
from urllib.parse import quote, quote_plus

from .formats import drop_format_text

__all__ = [
    "MIN_DERIVED_LENGTH",
    "MIN_LINE_LENGTH",
    "TRUNCATION_KEY",
    "TRUNCATION_MIN",
    "WRAP_WIDTHS",
    "ShortForm",
    "find_short_base64",
    "secret_variants",
    "short_base64_forms",
]

# Derived variants (encodings, lines) shorter than this are dropped: too many false positives.
MIN_DERIVED_LENGTH = 6
# Lines of a multi-line secret are kept from this length (the default minimum secret length).
MIN_LINE_LENGTH = 4
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


_URLSAFE = str.maketrans("+/", "-_")
# Characters that percent, JSON, repr and HTML escaping all leave as they are.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")


def _b64_core(data: bytes, offset: int, urlsafe: bool) -> str:
    """The base64 characters fixed by `data` alone when it sits `offset` bytes into a group.

    Whatever bytes surround `data` in a longer encoded stream, these characters appear.
    """
    encoded = binascii.b2a_base64(b"\0" * offset + data, newline=False).decode("ascii")
    if urlsafe:
        encoded = encoded.translate(_URLSAFE)
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
    # the three alignments in the standard alphabet, once; the URL-safe ones translated
    cores = [_b64_core(raw, offset, False) for offset in range(3)]
    encoded = binascii.b2a_base64(raw, newline=False).decode("ascii")
    derived.append(("base64", encoded))
    # Wrapped base64 (`base64` wraps at 76 columns, PEM and `openssl base64` at 64): each
    # line is a form of its own, so `SECRET_X=$(base64 key.pem)` printed back is masked.
    for width in WRAP_WIDTHS:
        if len(encoded) > width:
            derived.extend(
                ("base64", encoded[i : i + width]) for i in range(0, len(encoded), width)
            )
    derived.append(("base64url", encoded.translate(_URLSAFE)))
    for urlsafe, kind in ((False, "base64"), (True, "base64url")):
        for offset, core in enumerate(cores):
            name = kind if offset == 0 else f"{kind}-offset{offset}"
            derived.append((name, core.translate(_URLSAFE) if urlsafe else core))
    # A value of letters, digits and `_.-~` (most API tokens) is its own percent, JSON,
    # repr and HTML form: nothing to compute (a quarter of the cost of loading many secrets).
    if not _PLAIN.fullmatch(value):
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
    out = drop_format_text(value, out, secret_variants)  # a format's fixed text is no secret
    return out


# Base64 of a short value inside a longer encoded text (`user:pa55` in a Basic auth header):
# its offset forms are shorter than `MIN_DERIVED_LENGTH` and would mask ordinary text, so
# each occurrence of one is first decoded in place and kept only when the decoded bytes are
# the value's (32 bits of evidence for a 4-byte value, not 24).
_B64_STD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_B64_URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# The shortest offset form checked this way (shorter ones would be looked up everywhere).
_SHORT_FORM_MIN = 4


class ShortForm(NamedTuple):
    """One base64 offset form of a value too short to be a pattern, checked by decoding."""

    core: str  # the characters fixed by the value alone (`_b64_core`)
    offset: int  # bytes before the value in its 3-byte group
    urlsafe: bool
    raw: bytes  # the value's UTF-8 bytes (kept with the masker's other forms, never shown)
    kind: str
    name: str | None


def short_base64_forms(value: str, name: str | None = None) -> list[ShortForm]:
    """The base64 offset forms of `value` that `secret_variants` leaves out for being
    shorter than `MIN_DERIVED_LENGTH` (a 4-byte value's forms have 4 or 5 characters)."""
    raw = value.encode("utf-8", "surrogatepass")
    forms: list[ShortForm] = []
    for urlsafe, kind in ((False, "base64"), (True, "base64url")):
        for offset in range(3):
            core = _b64_core(raw, offset, urlsafe)
            if _SHORT_FORM_MIN <= len(core) < MIN_DERIVED_LENGTH:
                label = kind if offset == 0 else f"{kind}-offset{offset}"
                forms.append(ShortForm(core, offset, urlsafe, raw, label, name))
    return forms


def find_short_base64(text: str, forms: list[ShortForm]) -> list[tuple[int, int, ShortForm]]:
    """`(start, end, form)` of each place in `text` whose base64, decoded in place, holds a
    form's value at the form's offset; the range covers every character that carries a bit
    of the value."""
    found: list[tuple[int, int, ShortForm]] = []
    for form in forms:
        pos = text.find(form.core)
        while pos >= 0:
            span = _decode_at(text, pos, form)
            if span is not None:
                found.append((*span, form))
            pos = text.find(form.core, pos + 1)
    return found


def _decode_at(text: str, pos: int, form: ShortForm) -> tuple[int, int] | None:
    k, size = form.offset, len(form.raw)
    group = pos - (-(-8 * k // 6))  # where the 3-byte group holding the value starts
    low, high = group + 8 * k // 6, group - (-(8 * (k + size)) // 6)  # chars with its bits
    if low < 0 or high > len(text):
        return None
    alphabet = _B64_URL if form.urlsafe else _B64_STD
    chars = []
    for j in range(group, group + 4 * -(-(k + size) // 3)):
        c = text[j] if 0 <= j < len(text) else "A"
        if c not in alphabet:
            if low <= j < high:
                return None
            c = "A"
        chars.append(c)
    encoded = "".join(chars)
    data = base64.urlsafe_b64decode(encoded) if form.urlsafe else base64.b64decode(encoded)
    return (low, high) if data[k : k + size] == form.raw else None
