"""Issue 16 item 8: format text is no secret, and a finding is named by its best match.

What every value of a format shares (PEM armour lines, the DER header opening a key's body,
a common JWT header, a token's well-known prefix) is not searched for, by the scanner and
the masker alike; the value's own text (the key body, the JWT payload and signature) is.
Where several secrets' variants match at a place, the exact and then the longest match
names the finding.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kestra_nb.masking import Masker, secret_variants
from kestra_nb.masking.formats import (
    JWT_HEADERS,
    MIN_SPECIFIC,
    TOKEN_PREFIXES,
    fixed_spans,
    format_text,
)
from kestra_nb.scan import Scanner, scan_paths

P = "******"
_rng = random.Random(16)


def _bytes(n: int) -> bytes:
    return bytes(_rng.randrange(256) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def pem(label: str, body: str) -> str:
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def der_pem(label: str, header_hex: str, size: int) -> str:
    """A PEM whose body is a real DER header followed by random bytes (a key's shape)."""
    return pem(label, base64.b64encode(bytes.fromhex(header_hex) + _bytes(size)).decode())


PKCS1 = "308204a30201000282010100"  # RSA-2048 private key, PKCS#1
SPKI = "30820122300d06092a864886f70d01010105000382010f003082010a0282010100"
TLS_KEY = der_pem("RSA PRIVATE KEY", PKCS1, 1180)
OTHER_KEY = der_pem("RSA PRIVATE KEY", PKCS1, 1180)  # another key of the same kind
PUBLIC_KEY = der_pem("PUBLIC KEY", SPKI, 260)
RSA_PUBLIC_KEY = der_pem("RSA PUBLIC KEY", "3082010a0282010100", 260)
HS256 = b64url(b'{"alg":"HS256","typ":"JWT"}')
JWT_SERVICE = (
    HS256
    + "."
    + b64url(json.dumps({"sub": "svc-deploy", "iat": 1700000000, "scope": "flows"}).encode())
    + "."
    + b64url(_bytes(32))
)
# jwt.io's example token: another HS256 token, public
JWT_IO = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwia"
    "WF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
GITHUB = "ghp_" + "R8x2Lq0Vb7Nc4Tz1Wm6Ke9Jd3Hs5Pa0Fy2Ug"
SECRETS = {"TLS_KEY": TLS_KEY, "JWT_SERVICE": JWT_SERVICE, "GITHUB_TOKEN": GITHUB}

HARMLESS = {
    "doc.md": (
        "A key file starts with `-----BEGIN RSA PRIVATE KEY-----` and ends with\n"
        "`-----END RSA PRIVATE KEY-----`; a token starts with `ghp_`, a JWT with\n"
        f"`{HS256}`.\n"
    ),
    "id_rsa.pub.pem": PUBLIC_KEY,
    "rsa_pub.pem": RSA_PUBLIC_KEY,
    "other.pem": OTHER_KEY,
    "jwt.md": f"Paste a token into jwt.io, e.g. {JWT_IO}\n",
    "k8s.yaml": f"data:\n  tls.key: {base64.b64encode(OTHER_KEY.encode()).decode()}\n",
}


# -- formats ----------------------------------------------------------------------------------


def test_fixed_spans_of_each_format() -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----"
    assert [key[s:e] for s, e in fixed_spans(key)] == [
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
        "\n-----END OPENSSH PRIVATE KEY-----",
    ]
    # the DER header opening the body of a PKCS#1 RSA key is fixed too
    spans = fixed_spans(TLS_KEY)
    assert TLS_KEY[spans[0][0] : spans[0][1]].endswith("\nMIIEowIBAAKCAQEA")
    assert [JWT_SERVICE[s:e] for s, e in fixed_spans(JWT_SERVICE)] == [HS256 + "."]
    assert [GITHUB[s:e] for s, e in fixed_spans(GITHUB)] == ["ghp_"]
    assert [v[s:e] for v in ["token=xoxb-123-456"] for s, e in fixed_spans(v)] == ["xoxb-"]
    # ordinary values, a prefix alone and a JWT header with a key id hold no format text
    kid = b64url(b'{"alg":"HS256","kid":"k-2024-07"}') + ".e30.c2ln"
    for value in ["hunter2-but-longer", "ghp_", "skeleton", kid, "AKI", "x-----y"]:
        assert fixed_spans(value) == [], value


def test_jwt_headers_hold_the_common_ones() -> None:
    assert "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" in JWT_HEADERS  # HS256, alg first
    assert b64url(b'{"typ":"JWT","alg":"RS256"}') in JWT_HEADERS
    for header in JWT_HEADERS:
        assert fixed_spans(f"{header}.eyJzdWIiOiIxIn0.c2lnbmF0dXJl") != []
    assert {"ghp_", "github_pat_", "xoxb-", "sk-", "sk_live_", "AKIA", "glpat-"} <= set(
        TOKEN_PREFIXES
    )


def test_no_variant_is_format_text_alone() -> None:
    for value in SECRETS.values():
        fmt = format_text(value, secret_variants)
        assert fmt is not None
        for _kind, text in secret_variants(value):
            assert fmt.specific(text) >= MIN_SPECIFIC
    texts = {t for _k, t in secret_variants(TLS_KEY)}
    assert "-----BEGIN RSA PRIVATE KEY-----" not in texts  # an armour line is no pattern
    assert TLS_KEY.splitlines()[3] in texts  # a body line is
    assert TLS_KEY in texts


def test_a_value_that_is_only_format_text_is_not_looked_for() -> None:
    assert secret_variants("-----BEGIN RSA PRIVATE KEY-----") == []
    assert secret_variants("ghp_abc") == []  # the token's own part is too short
    scanner = Scanner({"ARMOUR": "-----END CERTIFICATE-----", "REAL": GITHUB})
    assert scanner.count == 1
    assert scanner.notes == [
        "secret ARMOUR is only a format's fixed text (a PEM armour line, a JWT header, "
        "a token prefix): not looked for"
    ]


def test_no_head_or_tail_of_format_text_is_searched() -> None:
    scanner = Masker(SECRETS).scanner()
    assert scanner is not None
    patterns = set(scanner.patterns)
    assert JWT_SERVICE[:16] not in patterns  # the JWT header's first 16 characters
    assert "-----BEGIN RSA P" not in patterns and "PRIVATE KEY-----" not in patterns
    assert "MIIEowIBAAKCAQEA" not in patterns  # every RSA-2048 key's first 16 body chars
    assert JWT_SERVICE[-16:] in patterns  # the signature's tail is the token's own


# -- the masker -------------------------------------------------------------------------------


def test_masker_leaves_format_text_and_other_values_alone() -> None:
    masker = Masker(SECRETS)
    for name, text in HARMLESS.items():
        assert masker.find(text) == [], name
        assert masker.mask(text) == text, name


def test_masker_still_masks_each_secret_and_its_parts() -> None:
    masker = Masker(SECRETS)
    assert masker.mask(f"Authorization: Bearer {JWT_SERVICE}\n") == f"Authorization: Bearer {P}\n"
    assert masker.mask(TLS_KEY).count("MII") == 0  # the whole key, armour included
    body = TLS_KEY.splitlines()[7]
    assert masker.mask(f"line: {body}\n") == f"line: {P}\n"
    first = TLS_KEY.splitlines()[1]  # starts with the DER header; the rest is the key's own
    assert masker.mask(f"{first}\n") == f"{P}\n"
    payload_and_signature = JWT_SERVICE.split(".", 1)[1]
    assert P in masker.mask(payload_and_signature)
    assert masker.mask(f"token {GITHUB} ok") == f"token {P} ok"
    assert masker.mask(base64.b64encode(TLS_KEY.encode()).decode()) == P


# -- the scanner ------------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        (root / name).write_text(text)
        paths.append(root / name)
    return paths


def test_scan_reports_no_format_text(tmp_path: Path) -> None:
    report = scan_paths(_write(tmp_path, HARMLESS), SECRETS)
    assert report.findings == [] and report.outcome == "clean"


def test_scan_still_finds_real_leaks(tmp_path: Path) -> None:
    leaks = {
        "key.txt": TLS_KEY,
        "body.txt": "key line: " + TLS_KEY.splitlines()[9] + "\n",
        "jwt.txt": f"curl -H 'Authorization: Bearer {JWT_SERVICE}'\n",
        "k8s.yaml": f"tls.key: {base64.b64encode(TLS_KEY.encode()).decode()}\n",
        "gh.txt": f"GH={GITHUB}\n",
    }
    report = scan_paths(_write(tmp_path, leaks), SECRETS)
    found = {(Path(f.path).name, f.secret, f.kind) for f in report.findings}
    assert {
        ("key.txt", "TLS_KEY", "literal"),
        ("body.txt", "TLS_KEY", "line"),
        ("jwt.txt", "JWT_SERVICE", "literal"),
        ("k8s.yaml", "TLS_KEY", "base64"),
        ("gh.txt", "GITHUB_TOKEN", "literal"),
    } <= found
    assert {name for name, _, _ in found} == set(leaks)


# -- naming -----------------------------------------------------------------------------------

AWS = "Zq8Xw7Vu6Ts5R4Qp3On2Ml1Kj0Ih9Gf8Ed7Cb6"
MYPASSWORD = AWS[:30] + "own-tail-of-mypassword-42"


def _names(tmp_path: Path, text: str, secrets: dict[str, str]) -> set[tuple[str, str]]:
    (tmp_path / "env.bak").write_text(text)
    report = scan_paths(tmp_path / "env.bak", secrets)
    return {(f.secret, f.kind) for f in report.findings}


def test_the_reported_backup_line_is_named_by_its_own_secret(tmp_path: Path) -> None:
    """Issue 16: two values share a long prefix; a backup holds the second one's base64
    (`echo "$pw" | base64`, so with a line break): named by it, not `AWS_ACCESS_KEY_ID
    (truncated)`."""
    secrets = {"AWS_ACCESS_KEY_ID": AWS, "MYPASSWORD": MYPASSWORD}
    encoded = base64.b64encode(f"{MYPASSWORD}\n".encode()).decode()
    found = _names(tmp_path, f"SECRET_MYPASSWORD={encoded}\n", secrets)
    assert ("MYPASSWORD", "base64") in found
    assert {name for name, _kind in found} == {"MYPASSWORD"}
    assert _names(tmp_path, f"MYPASSWORD={MYPASSWORD}\n", secrets) == {("MYPASSWORD", "literal")}


def test_a_truncated_display_is_named_by_the_value_it_follows(tmp_path: Path) -> None:
    secrets = {"AWS_ACCESS_KEY_ID": AWS, "MYPASSWORD": MYPASSWORD}
    shown = f"pw = {MYPASSWORD[:40]}...\n"  # 10 characters past the shared prefix
    assert _names(tmp_path, shown, secrets) == {("MYPASSWORD", "truncated")}
    shown = f"key = {AWS[:36]}...\n"
    assert _names(tmp_path, shown, secrets) == {("AWS_ACCESS_KEY_ID", "truncated")}


def test_a_value_holding_another_is_named_by_the_longest(tmp_path: Path) -> None:
    secrets = {"SHORT": "db-password-42", "LONG": "db-password-42-and-its-suffix"}
    assert _names(tmp_path, "x=db-password-42-and-its-suffix\n", secrets) == {("LONG", "literal")}
    assert _names(tmp_path, "x=db-password-42\n", secrets) == {("SHORT", "literal")}
    # two different values side by side are both reported
    both = _names(tmp_path, "a=db-password-42 b=db-password-42-and-its-suffix\n", secrets)
    assert both == {("SHORT", "literal"), ("LONG", "literal")}


ALNUM = string.ascii_letters + string.digits


@settings(max_examples=100, deadline=None)
@given(
    chars=st.permutations(ALNUM),
    sizes=st.tuples(st.integers(16, 40), st.integers(1, 11), st.integers(3, 11)),
    form=st.sampled_from(["literal", "base64", "base64-newline", "repr"]),
)
def test_a_whole_value_is_always_named_by_its_secret(
    chars: list[str], sizes: tuple[int, int, int], form: str
) -> None:
    """Two values sharing their first characters (no other text in common: a text that is
    a variant of both, as a repeating value can make, is named by the first secret read)."""
    shared, own_a, own_b = sizes
    a = "".join(chars[: shared + own_a])
    b = "".join(chars[:shared] + chars[shared + own_a : shared + own_a + own_b])
    text = {
        "literal": b,
        "base64": base64.b64encode(b.encode()).decode(),
        "base64-newline": base64.b64encode(f"{b}\n".encode()).decode(),
        "repr": repr(b),
    }[form]
    found = Scanner({"FIRST": a, "SECOND": b})._text_findings("f", f"SECRET_SECOND={text}\n")
    assert found and {f.secret for f in found} == {"SECOND"}


# -- properties -------------------------------------------------------------------------------

LABELS = [
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "CERTIFICATE",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
    "PGP PRIVATE KEY BLOCK",
]
B64 = string.ascii_letters + string.digits + "+/"


@st.composite
def format_secrets(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["pem", "jwt", "token"]))
    if kind == "pem":
        body = base64.b64encode(draw(st.binary(min_size=12, max_size=400))).decode()
        return pem(draw(st.sampled_from(LABELS)), body)
    if kind == "jwt":
        payload = b64url(draw(st.binary(min_size=6, max_size=80)))
        signature = b64url(draw(st.binary(min_size=16, max_size=64)))
        return f"{draw(st.sampled_from(JWT_HEADERS))}.{payload}.{signature}"
    return draw(st.sampled_from(TOKEN_PREFIXES)) + draw(st.text(ALNUM, min_size=8, max_size=40))


@st.composite
def format_text_only(draw: st.DrawFn) -> str:
    """A document made only of formats' fixed text: armour lines, JWT headers, prefixes,
    and the base64 of armour lines (as a YAML file of base64 keys would start)."""
    pieces = []
    for _ in range(draw(st.integers(1, 8))):
        which = draw(st.integers(0, 3))
        label = draw(st.sampled_from(LABELS))
        edge = draw(st.sampled_from(["BEGIN", "END"]))
        if which == 0:
            pieces.append(f"-----{edge} {label}-----")
        elif which == 1:
            pieces.append(draw(st.sampled_from(JWT_HEADERS)) + draw(st.sampled_from(["", "."])))
        elif which == 2:
            pieces.append(draw(st.sampled_from(TOKEN_PREFIXES)))
        else:
            pieces.append(base64.b64encode(f"-----{edge} {label}-----\n".encode()).decode())
    seps = st.sampled_from([" ", "\n", "`", ": ", "\n\n", "="])
    return "".join(p + draw(seps) for p in pieces)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=format_secrets(), doc=format_text_only())
def test_format_text_alone_is_never_masked_nor_a_finding(secret: str, doc: str) -> None:
    masker = Masker({"S": secret})
    assert masker.find(doc) == []
    assert masker.mask(doc) == doc
    assert Scanner({"S": secret})._text_findings("doc", doc) == []


@settings(max_examples=150, deadline=None)
@given(
    secret=format_secrets(),
    before=st.text(string.ascii_lowercase + " \n", max_size=30),
    after=st.text(string.ascii_lowercase + " \n", max_size=30),
)
def test_a_format_secret_embedded_in_text_is_still_found(
    secret: str, before: str, after: str
) -> None:
    text = f"{before} {secret} {after}"
    masker = Masker({"S": secret})
    masked = masker.mask(text)
    assert masked.startswith(before) and masked.endswith(after)
    # none of the value's own text is left (only format text may remain)
    spans = fixed_spans(secret)
    own = list(secret)
    for s, e in spans:
        own[s:e] = [""] * (e - s)
    middle = masked[len(before) : len(masked) - len(after)]
    for chunk in "".join(own).split():
        if len(chunk) >= MIN_SPECIFIC:
            assert chunk not in middle
    findings = Scanner({"S": secret})._text_findings("doc", text)
    assert {f.secret for f in findings} == {"S"}


@settings(max_examples=200, deadline=None)
@given(value=st.text(ALNUM + " -_=.:", min_size=8, max_size=60))
def test_any_value_with_enough_of_its_own_text_keeps_its_literal(value: str) -> None:
    assume(value.strip())
    spans = fixed_spans(value)
    own = len(value) - sum(e - s for s, e in spans)
    if own >= 2 * MIN_SPECIFIC:
        assert ("literal", value) in secret_variants(value)
        assert Masker({"S": value}).mask(f"x {value} y") == f"x {P} y"


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_each_harmless_file_alone_is_clean(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(HARMLESS[name])
    assert scan_paths(path, SECRETS).outcome == "clean"
