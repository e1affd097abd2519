"""The fixed text of secret formats: what every value of a format shares, hence no secret.

A PEM key's armour lines (`-----BEGIN RSA PRIVATE KEY-----`), the DER header that opens
its body, a JWT's header (`eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9`, the base64 of
`{"alg":"HS256","typ":"JWT"}`) and a token's well-known prefix (`ghp_`, `xoxb-`, `AKIA`,
...) appear in every value of the format: a document quoting them, another key or jwt.io's
example token holds them too. A variant of a secret (a line, an encoding, the head or tail
searched for truncated displays) made only of such text, or holding fewer than
`MIN_SPECIFIC` characters of the value's own, would report (and mask) harmless text, so it
is not searched for; the rest of the value (the key body, the JWT payload and signature) is.

`fixed_spans(value)` finds a value's format text; `format_text(value, generate)` returns a
`FormatText` that counts how many of a pattern's characters are the value's own, in any
encoding `generate` (the variant generator) knows. Nothing here keeps or shows a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar

__all__ = [
    "JWT_HEADERS",
    "MIN_SPECIFIC",
    "TOKEN_PREFIXES",
    "FormatText",
    "drop_format_text",
    "fixed_spans",
    "format_text",
]

#: A pattern holding fewer characters of the value's own than this is not searched for.
MIN_SPECIFIC = 4

#: Well-known prefixes of API tokens (fixed text where a value or one of its lines starts).
TOKEN_PREFIXES = (
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "glpat-",
    "gldt-",
    "glrt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xoxe-",
    "xapp-",
    "sk-proj-",
    "sk-ant-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "pk_live_",
    "pk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "AKIA",
    "ASIA",
    "AIza",
    "ya29.",
    "hf_",
    "npm_",
    "pypi-",
    "SG.",
    "shpat_",
    "shpss_",
    "dop_v1_",
    "xkeysib-",
    "glsa_",
    "dapi",
)
_PREFIXES = tuple(sorted(TOKEN_PREFIXES, key=len, reverse=True))

# JWT header algorithms and the fields a common header holds (anything else, a `kid` for
# one, is the value's own).
_JWT_ALGS = (
    *(f"{family}{bits}" for family in ("HS", "RS", "ES", "PS") for bits in (256, 384, 512)),
    "EdDSA",
    "none",
)
_JWT_FIELDS = frozenset({"alg", "typ", "cty"})
_JWT_TYPES = frozenset({"JWT", "jwt", "at+jwt", "JOSE", "JWS"})


def _b64url(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode("ascii")).decode("ascii").rstrip("=")


#: The base64url of common JWT headers (either field order, compact or spaced JSON).
JWT_HEADERS = tuple(
    _b64url(header)
    for alg in _JWT_ALGS
    for header in (
        f'{{"alg":"{alg}","typ":"JWT"}}',
        f'{{"typ":"JWT","alg":"{alg}"}}',
        f'{{"alg": "{alg}", "typ": "JWT"}}',
        f'{{"typ": "JWT", "alg": "{alg}"}}',
        f'{{"alg":"{alg}"}}',
    )
)

# `-----BEGIN <label>-----` / `-----END <label>-----`, with the line breaks around them.
_ARMOUR = re.compile(r"\r?\n?-----(?:BEGIN|END)(?: [^\r\n]*?)?-----\r?\n?")
# The DER header that opens a PEM body: the same for every key of a type and size class.
# Templates in hex, `..` a byte that varies (a length); a base64 character touching one
# matches any.
_DER_TEMPLATES = (
    # PKCS#8 RSA private key: version 0, rsaEncryption, the PKCS#1 key's header inside
    "3082....020100300d06092a864886f70d01010105000482....3082....0201000282....00",
    # PKCS#1 RSA private key: version 0, the modulus' INTEGER header
    "3082....0201000282....00",
    # SubjectPublicKeyInfo RSA public key, PKCS#1 RSA public key
    "3082....300d06092a864886f70d010101050003 82....003082....0282....00",
    "3082....0282....00",
    # EC private keys (SEC1 and PKCS#8 P-256), Ed25519 private and public keys
    "30770201010420",
    "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420",
    "302e020100300506032b657004220420",
    "302a300506032b6570032100",
    # OpenSSH private key: "openssh-key-v1", cipher and kdf "none", one key
    "6f70656e7373682d6b65792d763100000000046e6f6e65000000046e6f6e6500000000000000 01",
)


def _der_regex(template: str) -> str:
    """A regex of the base64 of a DER template: fixed characters, and any base64
    character where a varying byte touches it."""
    hexes = template.replace(" ", "")
    low = base64.b64encode(bytes.fromhex(hexes.replace("..", "00"))).decode("ascii")
    high = base64.b64encode(bytes.fromhex(hexes.replace("..", "ff"))).decode("ascii")
    size = len(hexes) // 2 * 8 // 6  # characters fixed by the template's bytes alone
    pairs = zip(low[:size], high[:size], strict=True)
    return "".join(re.escape(a) if a == b else "[A-Za-z0-9+/]" for a, b in pairs)


_DER_HEADER = re.compile("|".join(map(_der_regex, _DER_TEMPLATES)))
_JWT = re.compile(r"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{6,})\.(?=[A-Za-z0-9_-]*\.)")
_PREFIX_AT = re.compile(r"(?:^|(?<=[\s=:\"']))(" + "|".join(map(re.escape, _PREFIXES)) + ")")


def _is_common_jwt_header(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or not header or not set(header) <= _JWT_FIELDS:
        return False
    if header.get("alg", "HS256") not in _JWT_ALGS:
        return False
    return all(header[k] in _JWT_TYPES for k in ("typ", "cty") if k in header)


def fixed_spans(value: str) -> list[tuple[int, int]]:
    """The `[start, end)` spans of `value` that are a format's fixed text, sorted, disjoint:
    PEM armour lines (any label, with their line breaks) and the DER header opening a PEM
    body, the header of a JWT (`alg`/`typ`/`cty` only, a common algorithm) with its dot, and
    a well-known token prefix where the value, a line or an assignment starts."""
    spans: list[tuple[int, int]] = []
    if "-----" in value:
        for m in _ARMOUR.finditer(value):
            spans.append(m.span())
            if "BEGIN" in m.group():
                der = _DER_HEADER.match(value, m.end())
                if der:
                    spans.append(der.span())
    if "eyJ" in value:
        for m in _JWT.finditer(value):
            if _is_common_jwt_header(m.group(1)):
                spans.append((m.start(1), m.end()))  # the header and its dot
    for m in _PREFIX_AT.finditer(value):
        if m.end() < len(value):  # a prefix alone is no token
            spans.append(m.span(1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# Set while the variants of fixed text itself are generated (they are fixed by definition).
_GENERATING: ContextVar[bool] = ContextVar("kestra_nb_format_fragments", default=False)

Generate = Callable[[str], Iterable[tuple[str, str]]]


class FormatText:
    """The fixed text of one value in every form `generate` makes of it (its *fragments*),
    and `specific(pattern)`: how many characters of a pattern are the value's own."""

    def __init__(self, pieces: Iterable[str], generate: Generate) -> None:
        fragments: set[str] = set()
        token = _GENERATING.set(True)
        try:
            for piece in pieces:
                for form in {piece, piece.strip()}:
                    if form:
                        fragments.add(form)
                        fragments.update(text for _kind, text in generate(form))
        finally:
            _GENERATING.reset(token)
        self._fragments = sorted(fragments, key=len, reverse=True)
        self._find = re.compile("|".join(map(re.escape, self._fragments)))

    def specific(self, pattern: str) -> int:
        """How many characters of `pattern` are not fixed text: occurrences of a fragment
        are fixed, and so are a start that ends a fragment and an end that starts one (of
        at least `MIN_SPECIFIC` characters, so that chance overlaps count as the value's)."""
        n = len(pattern)
        if any(pattern in f for f in self._fragments if len(f) >= n):
            return 0
        covered = bytearray(n)
        for m in self._find.finditer(pattern):
            covered[m.start() : m.end()] = b"\1" * (m.end() - m.start())
        head, tail = pattern[:MIN_SPECIFIC], pattern[-MIN_SPECIFIC:]
        lead = trail = 0
        for f in self._fragments:
            j = f.find(head)
            while j >= 0:  # f ends with pattern[:k]?
                k = len(f) - j
                if lead < k <= n and pattern.startswith(f[j:]):
                    lead = k
                j = f.find(head, j + 1)
            j = f.find(tail)
            while j >= 0:  # f starts with pattern[-k:]?
                k = j + MIN_SPECIFIC
                if trail < k <= n and pattern.endswith(f[:k]):
                    trail = k
                j = f.find(tail, j + 1)
        covered[:lead] = b"\1" * lead
        covered[n - trail :] = b"\1" * trail
        return n - sum(covered)

    def keeps(self, pattern: str) -> bool:
        """Whether `pattern` holds at least `MIN_SPECIFIC` characters of the value's own."""
        return self.specific(pattern) >= MIN_SPECIFIC


def format_text(value: str, generate: Generate) -> FormatText | None:
    """The `FormatText` of `value` (its fixed text in every form `generate` makes), or None
    when `value` holds no format text (the common case: nothing to leave out)."""
    if _GENERATING.get():
        return None
    spans = fixed_spans(value)
    if not spans:
        return None
    return FormatText((value[s:e] for s, e in spans), generate)


def drop_format_text(
    value: str, variants: list[tuple[str, str]], generate: Generate
) -> list[tuple[str, str]]:
    """`variants` of `value` without those holding fewer than `MIN_SPECIFIC` characters of
    the value's own (an armour line, a JWT header, a prefix, or an encoding of one); none
    at all when the value itself holds fewer (it is a format's text, or nearly)."""
    fmt = format_text(value, generate)
    if fmt is None:
        return variants
    if not fmt.keeps(value):
        return []
    return [(kind, text) for kind, text in variants if fmt.keeps(text)]
