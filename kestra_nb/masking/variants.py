"""The forms of a secret the masker looks for (`secret_variants`), and their length rules.

Each secret expands into *variants*: the literal, each line of a multi-line value, base64 in
both alphabets at the three byte alignments (and each line of it wrapped at 64 or 76
columns), percent, JSON, `repr` and HTML escaping. Nothing here keeps a value.
"""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

from .formats import drop_format_text

__all__ = [
    "MIN_DERIVED_LENGTH",
    "MIN_LINE_LENGTH",
    "TRUNCATION_KEY",
    "TRUNCATION_MIN",
    "WRAP_WIDTHS",
    "secret_variants",
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
    out = drop_format_text(value, out, secret_variants)  # a format's fixed text is no secret
    return out
