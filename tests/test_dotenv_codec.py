"""The dotenv codec: python-dotenv parsing, lossless encoding, Kestra's decoding, updates."""

from __future__ import annotations

import base64
import io
import os
import re
import stat
import subprocess
import tempfile
from pathlib import Path
from unittest.mock import patch

import pytest
from dotenv import dotenv_values
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kestra_nb import dotenv_codec
from kestra_nb.dotenv_codec import (
    InvalidBase64,
    decode_dotenv,
    decode_environ,
    decode_value,
    encode_dotenv,
    encode_value,
    find_env_files,
    key_problem,
    parse_dotenv,
    read_dotenv_text,
    update_encoded_file,
)
from kestra_nb.errors import DotenvError
from tests.conftest import require_tool

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----"
)
LONG = "eyJhbGciOiJIUzI1NiJ9." + "x" * 80 + ".sig"  # far over 57 bytes


def dotenv_quote(value: str) -> str:
    """A double-quoted dotenv value python-dotenv reads back as exactly `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r")
    return f'"{escaped}"'


def roundtrip(text: str) -> dict[str, str]:
    result = encode_dotenv(text)
    assert not result.refused
    decoded = decode_dotenv(result.text)
    assert decoded.ok, decoded.problems
    return decoded.secrets


# --------------------------------------------------------------------------- parse


def test_parse_matches_python_dotenv_on_a_messy_file(tmp_path: Path) -> None:
    text = (
        "\ufeff# comment\r\n"
        "\r\n"
        "A=1\r\n"
        "export B='two words'  # inline\r\n"
        f'PEM="{PEM}"\r\n'
        "  C = spaced \r\n"
        "NOVALUE\r\n"
        'BROKEN="unterminated\r\n'
        "D=${A}x\r\n"
        "E=last"
    )
    path = tmp_path / ".env"
    path.write_bytes(text.encode("utf-8"))
    parsed = parse_dotenv(read_dotenv_text(path), path=str(path))
    expected = dotenv_values(path, encoding="utf-8-sig", interpolate=False)
    assert parsed.as_dict() == {k: v for k, v in expected.items() if v is not None}
    assert parsed.as_dict()["PEM"] == PEM  # CRLF file: lines of the value joined by LF
    assert [(e.key, e.line) for e in parsed.entries] == [
        ("A", 3),
        ("B", 4),
        ("PEM", 5),
        ("C", 9),
        ("D", 12),
        ("E", 13),
    ]
    assert [(e.key, e.line) for e in parsed.missing] == [("NOVALUE", 10)]
    assert [e.line for e in parsed.errors] == [11]
    assert "BROKEN" not in str(parsed.errors[0])  # the broken line's text is never echoed


def test_parse_interpolation_is_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNB_OUTER", "outer")
    text = "BASE=b\nK='${BASE}-$BASE'\nO=${KNB_OUTER}\nD=${NOPE:-dflt}\n"
    assert parse_dotenv(text).as_dict()["K"] == "${BASE}-$BASE"
    expanded = parse_dotenv(text, interpolate=True).as_dict()
    assert expanded == {"BASE": "b", "K": "b-$BASE", "O": "outer", "D": "dflt"}
    reference = dotenv_values(stream=__import__("io").StringIO(text), interpolate=True)
    assert expanded == reference


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("encoded", "plain"),
    [
        ("cGFzc3dvcmQ=", "password"),  # Kestra's SECRET_PASSWORD
        ("cGFzc3dvcmQ", "password"),  # padding is optional...
        ("QQ==", "A"),
        ("QQ", "A"),
        ("", ""),
        ("cGFz\nc3dv\r\ncmQ=", "password"),  # Kestra's SECRET_NEW_LINE: \R stripped
        ("cGFz\u2028c3dv\x85cmQ\x0b=", "password"),  # every Java \R break
        ("//79", "\ufffd" * 3),  # malformed UTF-8 becomes U+FFFD, no error
        ("7aCA", "\ufffd"),  # an encoded surrogate: one U+FFFD, as the JDK decodes it
    ],
)
def test_decode_value_follows_kestra(encoded: str, plain: str) -> None:
    assert decode_value(encoded) == plain


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        ("some secret value", "space"),  # Kestra's SECRET_NON_B64_SECRET
        ("cGFz c3dv", "space"),
        ("cGFz\tc3dv", "space"),
        ("c-Fzc3dvcmQ", "URL-safe"),
        ("c_Fzc3dvcmQ", "URL-safe"),
        ('"cGFzc3dvcmQ="', "quote"),
        ("QQ=", "wrong padding"),  # padding must be correct when present
        ("Q", "one character"),
        ("QUJD=", "padding"),
        ("QUI==", "after the '=' padding"),
        ("QQ==QQ==", "after the '=' padding"),
        ("cGFzc3dvcmQé", "non-ASCII"),
    ],
)
def test_decode_value_rejects_what_kestra_rejects(encoded: str, reason: str) -> None:
    with pytest.raises(InvalidBase64) as info:
        decode_value(encoded)
    message = str(info.value)
    assert reason in message
    for i in range(len(encoded) - 3):  # no 4-character piece of the input is echoed
        assert encoded[i : i + 4] not in message


@given(st.text())
def test_encode_value_roundtrips_any_text(value: str) -> None:
    encoded = encode_value(value)
    assert "\n" not in encoded and "\r" not in encoded
    assert encoded == base64.b64encode(value.encode("utf-8")).decode("ascii")
    assert decode_value(encoded) == value


def test_decode_value_agrees_with_java(tmp_path: Path) -> None:
    """Differential check against the JDK: Kestra's exact decode expression, many inputs."""
    require_tool("java", "cross-checks decode_value against java.util.Base64")
    source = tmp_path / "Decode.java"
    source.write_text(
        "import java.util.*; import java.nio.charset.StandardCharsets; import java.io.*;\n"
        "public class Decode { public static void main(String[] a) throws Exception {\n"
        "  BufferedReader r = new BufferedReader(new InputStreamReader(System.in,"
        " StandardCharsets.UTF_8));\n"
        "  HexFormat h = HexFormat.of(); String line;\n"
        "  while ((line = r.readLine()) != null) {\n"
        "    String v = new String(h.parseHex(line), StandardCharsets.UTF_8);\n"
        '    try { byte[] b = Base64.getDecoder().decode(v.replaceAll("\\\\R", ""));\n'
        "      String s = new String(b, StandardCharsets.UTF_8);\n"
        '      System.out.println("OK " + h.formatHex(s.getBytes(StandardCharsets.UTF_8)));\n'
        '    } catch (IllegalArgumentException e) { System.out.println("ERR"); }\n'
        "  } } }\n"
    )
    cases = [
        "",
        "QQ",
        "QQ=",
        "QQ==",
        "QQ===",
        "Q",
        "QUI",
        "QUI=",
        "QUI==",
        "QUJD",
        "QUJD=",
        "=",
        "==",
        "QR==",
        "QUJ=",
        "QQ==QQ==",
        "QQ\n==",
        "QQ=\r\n=",
        "Q\u2028Q==",
        "Q\x0cUJD",
        "Q\x0bUJD",
        "QUJD\x85",
        "QU JD",
        "QU\tJD",
        "QU-D",
        "QU_D",
        '"QUJD"',
        "//79",
        "gA==",
        "wA==",
        "7aCA",  # an encoded UTF-16 surrogate: malformed UTF-8
        "8J+YgA==",
        "4oKs",
        "/w==",
        "+/+/",
        encode_value(PEM),
        encode_value(LONG),
    ]
    alphabet = "AQgw+/=\n\r -_é"
    import random

    rng = random.Random(7)
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(400)]
    cases += [base64.b64encode(rng.randbytes(rng.randint(0, 7))).decode() for _ in range(200)]
    # malformed UTF-8 around every boundary the decoders treat specially
    edges = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0]
    edges += [0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF3, 0xF4, 0xF5, 0xF8, 0xFF]
    for _ in range(1500):
        raw = bytes(rng.choice(edges) for _ in range(rng.randint(1, 6)))
        cases.append(base64.b64encode(raw).decode())
    stdin = "".join(c.encode("utf-8").hex() + "\n" for c in cases)
    out = subprocess.run(
        ["java", str(source)], input=stdin, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(out) == len(cases)
    for case, java in zip(cases, out, strict=True):
        try:
            ours = "OK " + decode_value(case).encode("utf-8").hex()
        except InvalidBase64:
            ours = "ERR"
        assert ours == java, repr(case)


# --------------------------------------------------------------------------- encode


def test_encode_writes_exact_kestra_lines() -> None:
    text = (
        "\ufeffMYPASSWORD=password\r\n"
        "GITHUB_ACCESS_TOKEN=mypat\r\n"
        f"LONG={LONG}\r\n"
        f"export PEM='{PEM}'\r\n"
        "# a comment\r\n"
        "FERNET=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPg=\r\n"
        "ECHO_OPT=-n\r\n"
        "EMPTY=\r\n"
        "LAST=no final newline"
    )
    result = encode_dotenv(text)
    assert result.ok and not result.refused
    lines = result.text.split("\n")
    assert lines[0] == "SECRET_MYPASSWORD=cGFzc3dvcmQ="  # as in Kestra's docs
    assert lines[1] == "SECRET_GITHUB_ACCESS_TOKEN=bXlwYXQ="
    assert result.text.endswith("\n") and "\r" not in result.text
    assert not result.text.startswith("\ufeff") and "#" not in result.text
    for line in lines[:-1]:
        key, _, value = line.partition("=")
        assert key.startswith("SECRET_") and value == value.strip()
        assert base64.b64encode(base64.b64decode(value, validate=True)).decode() == value
    assert [e.key for e in result.entries] == [
        "MYPASSWORD",
        "GITHUB_ACCESS_TOKEN",
        "LONG",
        "PEM",
        "FERNET",
        "ECHO_OPT",
        "EMPTY",
        "LAST",
    ]
    assert roundtrip(text) == {
        "MYPASSWORD": "password",
        "GITHUB_ACCESS_TOKEN": "mypat",
        "LONG": LONG,
        "PEM": PEM,
        "FERNET": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPg=",
        "ECHO_OPT": "-n",
        "EMPTY": "",
        "LAST": "no final newline",
    }


def test_encode_reports_every_loss_with_its_line() -> None:
    text = (
        "GOOD=1\n"
        "NOVALUE\n"
        'BROKEN="open\n'
        "bad@key=2\n"
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw\n"  # a torn PEM line: a "key" that is key material
        "ok.dotted=3\n"
    )
    result = encode_dotenv(text, path=".env")
    assert not result.ok and not result.refused
    assert [(p.line, p.key) for p in result.problems] == [
        (2, "NOVALUE"),
        (3, None),
        (4, None),
        (5, None),
    ]
    joined = "\n".join(str(p) for p in result.problems)
    assert ".env:2: NOVALUE:" in joined
    assert "MIIEv" not in joined and "open" not in joined
    assert [e.key for e in result.entries] == ["GOOD", "ok.dotted"]
    assert any(n.key == "ok.dotted" and "shell" in n.message for n in result.notes)
    assert result.text == "SECRET_GOOD=MQ==\nSECRET_ok.dotted=Mw==\n"


def test_encode_refuses_keys_colliding_once_upper_cased() -> None:
    result = encode_dotenv("api_key=a\nOTHER=b\nAPI_KEY=c\n", path="x.env")
    assert result.refused and not result.ok and result.text == ""
    (problem,) = result.problems
    assert (problem.line, problem.key) == (3, "API_KEY")
    assert "api_key" in problem.message and "line 1" in problem.message


def test_encode_duplicates_keep_the_last_value_with_a_note() -> None:
    result = encode_dotenv("A=1\nB=2\nA=3\n")
    assert result.ok
    assert result.text == f"SECRET_A={encode_value('3')}\nSECRET_B={encode_value('2')}\n"
    assert [(n.line, n.key) for n in result.notes] == [(3, "A")]


def test_encode_notes_suspicious_values_but_encodes_them() -> None:
    text = (
        "ALREADY=cGFzc3dvcmQ=\n"
        "DOLLAR=pa${ss}word\n"
        'MACRO={{ "password" | base64encode }}\n'
        "SECRET_TWICE=x\n"
        "PLAIN=password\n"
    )
    result = encode_dotenv(text)
    assert result.ok
    notes = {(n.key, n.line): n.message for n in result.notes}
    assert "already looks base64" in notes[("ALREADY", 1)]
    assert "--interpolate" in notes[("DOLLAR", 2)]
    assert "macro" in notes[("MACRO", 3)]
    assert "SECRET_SECRET_TWICE" in notes[("SECRET_TWICE", 4)]
    assert ("PLAIN", 5) not in notes
    assert roundtrip(text)["DOLLAR"] == "pa${ss}word"
    for note in result.notes:
        assert "password" not in str(note) and "cGFz" not in str(note)


def test_key_rule() -> None:
    for ok in ("A", "api_key", "1PASSWORD", "a.b", "a-b", "a:b"):
        assert key_problem(ok) is None
    for bad in ("", "a b", "a@b", "a/b", "a+b", "a#b", "a$b", "é", "\ufeffA", "a=b"):
        assert key_problem(bad) is not None


def _env_text(mapping: dict[str, str]) -> str:
    return "".join(f"{k}={dotenv_quote(v)}\n" for k, v in mapping.items())


KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
VALUES = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))


def _distinct_upper(d: dict[str, str]) -> bool:
    return len({k.upper() for k in d}) == len(d)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=8).filter(_distinct_upper))
def test_roundtrip_any_mapping(mapping: dict[str, str]) -> None:
    text = _env_text(mapping)
    assert parse_dotenv(text).as_dict() == mapping  # the quoting is exact for python-dotenv
    assert roundtrip(text) == {k.upper(): v for k, v in mapping.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(KEYS, VALUES, min_size=1, max_size=5).filter(_distinct_upper),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_roundtrip_through_real_files(mapping: dict[str, str], newline: str, bom: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / ".env"
        # CRLF everywhere, inside quoted values too: python-dotenv reads those back as LF
        text = _env_text(mapping).replace("\n", newline)
        src.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
        result = encode_dotenv(read_dotenv_text(src))
        out = Path(tmp) / ".env_encoded"
        out.write_text(result.text, encoding="utf-8", newline="")
        decoded = decode_dotenv(read_dotenv_text(out))
    assert decoded.ok and decoded.secrets == {k.upper(): v for k, v in mapping.items()}


# --------------------------------------------------------------------------- decode


def test_decode_dotenv_checks_each_entry_as_kestra() -> None:
    text = (
        "SECRET_GOOD=cGFzc3dvcmQ=\n"
        "SECRET_lower=bXlwYXQ=\n"
        "SECRET_BAD=some secret value\n"
        "SECRET_URLSAFE=c-Fzc3dvcmQ\n"
        "secret_ignored=eA==\n"
        "ENV_MY_VAR=raw value\n"
        "SECRET_NOVALUE\n"
        'SECRET_MACRO={{ "password" | base64encode }}\n'
        "SECRET_=eA==\n"
    )
    result = decode_dotenv(text, path=".env_encoded")
    assert result.secrets == {"GOOD": "password", "LOWER": "mypat"}
    assert result.lines == {"GOOD": 1, "LOWER": 2}
    assert result.environ == {"secret_ignored": "eA==", "ENV_MY_VAR": "raw value"}
    assert [(p.line, p.key) for p in result.problems] == [
        (3, "SECRET_BAD"),
        (4, "SECRET_URLSAFE"),
        (7, "SECRET_NOVALUE"),
        (8, "SECRET_MACRO"),
        (9, "SECRET_"),
    ]
    assert "space" in result.problems[0].message
    assert "macro" in result.problems[3].message
    for problem in result.problems:
        assert "some secret" not in str(problem) and "password" not in str(problem)
    assert "password" not in repr(result) and "mypat" not in repr(result)


def test_decode_renders_macros_when_given_a_renderer() -> None:
    def render(template: str) -> str:
        return encode_value("rendered")

    result = decode_dotenv('SECRET_M={{ "x" | base64encode }}\n', render=render)
    assert result.secrets == {"M": "rendered"} and result.ok
    assert "macro" in result.notes[0].message

    def broken(template: str) -> str:
        raise ValueError(f"bad template {template}")

    result = decode_dotenv('SECRET_M={{ "hunter2" | nope }}\n', render=broken)
    (problem,) = result.problems
    assert "ValueError" in problem.message and "hunter2" not in str(problem)


def test_decode_collisions_are_flagged() -> None:
    result = decode_environ({"SECRET_a": "eA==", "SECRET_A": "eQ==", "SECRET_B": "eg=="})
    assert result.secrets == {"B": "z"}
    assert len(result.collisions) == 1 and result.collisions[0].key == "SECRET_A"


# --------------------------------------------------------------------------- update in place


def test_update_encoded_file_keeps_every_other_byte(tmp_path: Path) -> None:
    original = (
        "\ufeff# keep me\r\n"
        "SECRET_KEEP=a2VlcA==\r\n"
        "\r\n"
        "  export SECRET_api_key=b2xk  # old\r\n"
        "OTHER=plain value\r\n"
        "SECRET_GONE=Z29uZQ==\r\n"
        "broken='line\r\n"
        "SECRET_LAST=bGFzdA=="
    )
    path = tmp_path / ".env_encoded"
    path.write_bytes(original.encode("utf-8"))
    backup = update_encoded_file(path, {"API_KEY": "new", "ADDED": PEM}, remove=["gone"])
    assert backup == tmp_path / ".env_encoded.bak"
    assert backup.read_bytes() == original.encode("utf-8")
    expected = (
        "\ufeff# keep me\r\n"
        "SECRET_KEEP=a2VlcA==\r\n"
        "\r\n"
        f"  export SECRET_api_key={encode_value('new')}\r\n"
        "OTHER=plain value\r\n"
        "broken='line\r\n"
        "SECRET_LAST=bGFzdA==\r\n"
        f"SECRET_ADDED={encode_value(PEM)}\r\n"
    )
    assert path.read_bytes() == expected.encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert decode_dotenv(path.read_text(encoding="utf-8")).secrets == {
        "KEEP": "keep",
        "API_KEY": "new",
        "LAST": "last",
        "ADDED": PEM,
    }


def test_update_encoded_file_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new.env_encoded"
    assert update_encoded_file(path, {"A": "1"}) is None
    assert path.read_text() == "SECRET_A=MQ==\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(DotenvError):
        update_encoded_file(path, {"bad key": "x"})
    assert path.read_text() == "SECRET_A=MQ==\n"


def test_read_dotenv_text_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "latin1.env").write_bytes(b"A=caf\xe9\n")
    (tmp_path / "nul.env").write_bytes(b"A=1\x00\n")
    cases = {
        tmp_path / "missing.env": "no such file",
        tmp_path: "is a directory",
        tmp_path / "latin1.env": "not UTF-8",
        tmp_path / "nul.env": "NUL",
    }
    for path, reason in cases.items():
        with pytest.raises(DotenvError) as info:
            read_dotenv_text(path)
        assert reason in str(info.value) and "\n" not in str(info.value)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.env"
        locked.write_text("A=1\n")
        locked.chmod(0)
        with pytest.raises(DotenvError, match="cannot read"):
            read_dotenv_text(locked)


def test_update_encoded_file_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.env_encoded"
    real.write_text("# mine\nSECRET_A=MQ==\n")
    link = tmp_path / "link.env_encoded"
    link.symlink_to(real)
    update_encoded_file(link, {"a": "2"})
    assert link.is_symlink()
    assert real.read_text() == f"# mine\nSECRET_A={encode_value('2')}\n"


FRAGMENTS = st.sampled_from(
    [
        "A",
        "b_1",
        "=",
        "'",
        '"',
        " ",
        "\t",
        "#",
        "\n",
        "\r\n",
        "\r",
        "export ",
        "${A}",
        "\\",
        "é",
        "x",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join), st.booleans())
@example("A=\nA", False)  # a later binding without a value unsets the key
def test_parse_agrees_with_python_dotenv_on_arbitrary_text(text: str, bom: bool) -> None:
    """Whatever the text, our parse (and so our encode) sees what python-dotenv sees."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".env"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
        expected = dotenv_values(path, encoding="utf-8-sig", interpolate=False)
        parsed = parse_dotenv(read_dotenv_text(path))
    assert parsed.as_dict() == {k: v for k, v in expected.items() if v is not None}
    assert {e.key for e in parsed.missing} <= {k for k, v in expected.items() if v is None} | set(
        parsed.as_dict()
    )
    result = encode_dotenv(text)
    if result.ok:
        assert decode_dotenv(result.text).secrets == {
            k.upper(): v for k, v in parsed.as_dict().items()
        }


def test_find_env_files_prefers_the_nearest_directory_then_the_name_order(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    names = [".env_encoded", ".env"]
    assert find_env_files(deep, names) == []
    (tmp_path / ".env_encoded").write_text("")
    assert find_env_files(deep, names)[0] == tmp_path / ".env_encoded"
    (tmp_path / "a" / ".env").write_text("")
    assert find_env_files(deep, names)[0] == tmp_path / "a" / ".env"  # nearer wins
    (tmp_path / "a" / ".env_encoded").write_text("")
    assert find_env_files(deep, names)[0] == tmp_path / "a" / ".env_encoded"  # then list order
    assert find_env_files(deep, [".env"])[0] == tmp_path / "a" / ".env"
    absolute = tmp_path / "elsewhere.env"
    absolute.write_text("")
    assert find_env_files(deep, [str(absolute)])[0] == absolute
    assert find_env_files(deep, []) == []

    # the scanner wants every file of the nearest directory, in name order
    assert find_env_files(deep) == [tmp_path / "a" / ".env_encoded", tmp_path / "a" / ".env"]


@pytest.mark.timeout(30)
def test_update_encoded_file_refuses_a_fifo_without_opening_it(tmp_path: Path) -> None:
    from kestra_nb.atomic import SpecialFileError

    fifo = tmp_path / ".env_encoded"
    os.mkfifo(fifo)
    with pytest.raises(SpecialFileError, match="FIFO"):
        update_encoded_file(fifo, {"A": "fake-a-value"})  # would block forever if opened
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


_PLAIN_LINE = st.one_of(
    st.builds(
        lambda export, key, value: f"{export}{key}={value}",
        st.sampled_from(["", "export "]),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,12}", fullmatch=True),
        st.from_regex(r"[A-Za-z0-9+/=_.:@-]{0,40}", fullmatch=True),
    ),
    st.from_regex(r"#[^\n\r]{0,20}", fullmatch=True),
    st.just(""),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PLAIN_LINE, max_size=30), st.sampled_from(["\n", "\r\n"]))
def test_plain_files_take_the_fast_path_and_read_as_python_dotenv_reads_them(
    lines: list[str], newline: str
) -> None:
    """A file of plain `KEY=value` lines skips python-dotenv's parser: same entries, same
    lines, same values as the parser gives (and as `dotenv_values`)."""
    text = newline.join(lines)
    fast = parse_dotenv(text)
    with patch.object(dotenv_codec, "_PLAIN_FILE", re.compile(r"(?!)")):
        slow = parse_dotenv(text)
    assert [(e.key, e.line, e.value) for e in fast.entries] == [
        (e.key, e.line, e.value) for e in slow.entries
    ]
    assert fast.missing == slow.missing and not fast.errors and not slow.errors
    assert fast.as_dict() == dotenv_values(stream=io.StringIO(text))
