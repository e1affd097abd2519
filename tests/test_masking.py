"""Unit tests of the masker: variants, merging, policy, sizes, engines, streaming splits."""

from __future__ import annotations

import base64
import html
import json
import random
import string
import threading
import warnings
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb.masking import (
    ENGINES,
    TRUNCATION_KEY,
    Masker,
    MaskingWarning,
    Match,
    available_engines,
    secret_variants,
)
from kestra_nb.masking.scanner import replace_ranges
from tests.conftest import IN_CI

P = "******"
SPECIAL = "Ab+/ö'\"<&> x?=\\%é"


def _importable(name: str) -> str:
    if name not in available_engines():
        if IN_CI:  # the `test` extra installs every engine
            pytest.fail(f"masking engine {name} is not importable in CI")
        pytest.skip(f"{name} is not importable here")
    return name


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    return _importable(str(request.param))


@pytest.fixture(params=sorted(set(ENGINES) - {"python"}))
def native_engine(request: pytest.FixtureRequest) -> str:
    """The native scanners only: the large-text paths (the two-halves split)
    and the 1,000-secret case do not exist in (or are too slow for) the str.find fallback,
    whose correctness the small-text tests cover."""
    return _importable(str(request.param))


def masker(*secrets: str, engine: str | None = None, **kw: object) -> Masker:
    return Masker(secrets, engine=engine, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ variants


def test_variant_kinds_cover_every_encoding() -> None:
    kinds = {kind for kind, _ in secret_variants(SPECIAL + "ÿÿÿÿÿÿ\nsecond-line-here")}
    assert kinds == {
        "literal",
        "line",
        "base64",
        "base64-offset1",
        "base64-offset2",
        "base64url",
        "base64url-offset1",
        "base64url-offset2",
        "percent",
        "percent-plus",
        "json",
        "json-ascii",
        "repr",
        "html",
    }


def test_variants_are_unique_and_literal_first() -> None:
    variants = secret_variants("plainalnum123")
    texts = [t for _, t in variants]
    assert variants[0] == ("literal", "plainalnum123")
    assert len(texts) == len(set(texts))
    # an alphanumeric secret has no percent/json/html/repr forms distinct from the literal
    assert {k for k, _ in variants} <= {"literal", "base64", "base64-offset1", "base64-offset2"}


def test_empty_and_whitespace_have_no_variants() -> None:
    assert secret_variants("") == []
    assert secret_variants(" \t\n ") == []


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s,
        lambda s: quote(s, safe=""),
        lambda s: quote(s),
        lambda s: quote_plus(s),
        lambda s: json.dumps(s)[1:-1],
        lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
        lambda s: repr(s)[1:-1],
        lambda s: repr(s + "'\"")[1:-4],
        lambda s: html.escape(s),
        lambda s: html.escape(s, quote=False),
    ],
    ids=[
        "literal",
        "percent",
        "percent-slash",
        "plus",
        "json-ascii",
        "json",
        "repr",
        "repr-both-quotes",
        "html",
        "html-noquote",
    ],
)
def test_each_escaping_is_masked(encode, engine: str) -> None:  # type: ignore[no-untyped-def]
    m = masker(SPECIAL, engine=engine)
    form = encode(SPECIAL)
    assert m.mask(f"left {form} right") == f"left {P} right"


@pytest.mark.parametrize("prefix", [b"", b"u", b"us", b"user:", b"\x00\xff", b"abcdef"])
@pytest.mark.parametrize("suffix", [b"", b"\n", b"!!", b"xyz"])
@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_at_every_alignment(prefix: bytes, suffix: bytes, urlsafe: bool) -> None:
    m = masker(SPECIAL)
    enc = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = enc(prefix + SPECIAL.encode() + suffix).decode()
    out = m.mask(f"env={encoded};")
    assert P in out
    for _, variant in secret_variants(SPECIAL):
        assert variant not in out
    # at most one character on each side depends partly on the secret's bits
    assert (
        len(out)
        <= len("env=;") + len(P) + len(enc(prefix).decode()) + len(enc(suffix).decode()) + 4
    )
    kinds = {mt.kind for mt in m.find(encoded)}
    assert kinds & {
        "base64",
        "base64url",
        "base64-offset1",
        "base64-offset2",
        "base64url-offset1",
        "base64url-offset2",
    }


def test_exact_base64_is_masked_whole() -> None:
    m = masker("S3CR3T-VALUE-123&x")
    assert m.mask(base64.b64encode(b"S3CR3T-VALUE-123&x").decode()) == P


def test_multiline_secret_lines_masked_one_by_one() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n-----END KEY-----\n"
    m = masker(key)
    out = m.mask("line: hkiG9w0BAQEFAASC\nother: MIIEvQIBADANBgkq end")
    assert out == f"line: {P}\nother: {P} end"
    assert {mt.kind for mt in m.find("MIIEvQIBADANBgkq")} == {"line"}


# ------------------------------------------------------------------ merging


def test_overlapping_secrets_merge_into_one(engine: str) -> None:
    m = masker("ABCDEFGH", "EFGHIJKL", engine=engine)
    assert m.mask("xx ABCDEFGHIJKL yy") == f"xx {P} yy"


def test_adjacent_and_repeated_merge_into_one(engine: str) -> None:
    m = masker("SECRET01", "TOKEN-99", engine=engine)
    assert m.mask("SECRET01SECRET01TOKEN-99.") == f"{P}."
    assert m.mask("SECRET01 SECRET01") == f"{P} {P}"


def test_prefix_sharing_secrets_leak_no_tail(engine: str) -> None:
    m = masker("TOKEN", "TOKEN-LONGER-TAIL", engine=engine)
    assert m.mask("a TOKEN-LONGER-TAIL b TOKEN c") == f"a {P} b {P} c"


def test_placeholder_does_not_leak_length() -> None:
    m = masker("abcd", "a-much-longer-secret-value-here")
    assert m.mask("abcd") == m.mask("a-much-longer-secret-value-here") == P


def test_custom_placeholder() -> None:
    assert Masker(["hunter22"], placeholder="[MASKED]").mask("pw=hunter22") == "pw=[MASKED]"


# ------------------------------------------------------------------ policy


def test_too_short_secret_warns_once_naming_the_key() -> None:
    m = Masker()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert m.add("abc", "PIN") is False
        assert m.add("xyz", "PIN") is False
        assert m.add("abcd", "OK4") is True
    msgs = [str(w.message) for w in caught if issubclass(w.category, MaskingWarning)]
    assert len(msgs) == 1
    assert "PIN" in msgs[0] and "abc" not in msgs[0] and "xyz" not in msgs[0]
    assert m.mask("abc abcd") == f"abc {P}"
    assert len(m) == 1


def test_min_length_is_configurable() -> None:
    with pytest.warns(MaskingWarning, match="SHORTISH"):
        m = Masker(min_length=8)
        m.add("seven77", "SHORTISH")
    m.add("eight888")
    assert m.mask("seven77 eight888") == f"seven77 {P}"


def test_empty_and_whitespace_secrets_are_ignored_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = Masker(["", "   ", "\n\t"])
    assert len(m) == 0 and m.mask("   text ") == "   text "
    assert m.stream().write("abc") == "" and m.stream().flush() == ""


def test_non_str_secret_is_rejected_without_echoing_it() -> None:
    with pytest.raises(TypeError) as err:
        Masker().add(b"bytes-secret")  # type: ignore[arg-type]
    assert "bytes-secret" not in str(err.value)


def test_repr_shows_counts_only() -> None:
    m = masker(SPECIAL, "another-secret")
    m.mask("x")
    text = repr(m)
    assert "secrets=2" in text
    for _, variant in secret_variants(SPECIAL) + secret_variants("another-secret"):
        assert variant not in text


def test_find_reports_name_and_kind_never_value() -> None:
    m = Masker()
    m.add("hunter2-pass", "DB_PASSWORD")
    m.add("other-token-1")
    text = "a hunter2-pass b " + base64.b64encode(b"hunter2-pass").decode()
    found = m.find(text)
    assert found[0] == Match(2, 14, "DB_PASSWORD", "literal")
    assert {(f.name, f.kind) for f in found} >= {("DB_PASSWORD", "base64")}
    assert all(text[f.start : f.end] for f in found)
    assert Match._fields == ("start", "end", "name", "kind")


def test_later_name_fills_an_unnamed_secret() -> None:
    m = Masker(["hunter2-pass"])
    m.add("hunter2-pass", "DB_PASSWORD")
    assert m.find("hunter2-pass")[0].name == "DB_PASSWORD"


# ------------------------------------------------------------------ text shapes and sizes


def test_regex_metacharacters(engine: str) -> None:
    secret = r".*+?[](){}|^$\d"
    m = masker(secret, engine=engine)
    assert m.mask(f"a{secret}b .*+ x") == f"a{P}b .*+ x"


def test_non_ascii_offsets_and_masking(engine: str) -> None:
    secret = "pässwörd-密码-🔑"
    m = masker(secret, engine=engine)
    text = f"ü→ {secret} é {secret}!"
    found = [f for f in m.find(text) if f.kind == "literal"]
    assert [text[f.start : f.end] for f in found] == [secret, secret]
    assert m.mask(text) == f"ü→ {P} é {P}!"
    assert m.mask(json.dumps({"k": secret})) == '{"k": "' + P + '"}'


def test_ten_kilobyte_secret(engine: str) -> None:
    rng = random.Random(7)
    secret = "".join(rng.choice(string.printable[:94]) for _ in range(10_240))
    m = masker(secret, engine=engine)
    text = "head " + secret + " mid " + base64.b64encode(secret.encode()).decode() + " tail"
    assert m.mask(text) == f"head {P} mid {P} tail"
    assert m.max_pattern_length >= 10_240
    stream = m.stream(threshold=4096)
    cuts = sorted(rng.sample(range(1, len(text)), 40))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    out = "".join(stream.write(p) + stream.drain() for p in pieces) + stream.flush()
    assert out == m.mask(text)


def test_thousand_secrets(native_engine: str) -> None:
    engine = native_engine
    rng = random.Random(3)
    secrets = ["".join(rng.choice(string.ascii_letters) for _ in range(24)) for _ in range(1000)]
    m = Masker(engine=engine)
    for i, secret in enumerate(secrets):
        m.add(secret, f"KEY_{i}")
    text = " | ".join(secrets)
    assert m.mask(text) == " | ".join([P] * 1000)
    names = {f.name for f in m.find(text)}
    assert names == {f"KEY_{i}" for i in range(1000)}


def test_mask_data_is_recursive_and_copies() -> None:
    m = masker("hunter2-pass")
    data = {
        "text/plain": "pw=hunter2-pass",
        "application/json": {"hunter2-pass": ["x", ("hunter2-pass", 3)], "n": 1.5},
        "metadata": None,
    }
    out = m.mask_data(data)
    assert out == {
        "text/plain": f"pw={P}",
        "application/json": {P: ["x", (P, 3)], "n": 1.5},
        "metadata": None,
    }
    assert data["text/plain"] == "pw=hunter2-pass"  # the input is untouched


def test_engines_agree() -> None:
    rng = random.Random(11)
    secrets = [
        "".join(rng.choice("ab+/=-_%&é") for _ in range(rng.randint(4, 12))) for _ in range(20)
    ]
    text = "".join(rng.choice([*secrets, "ab", "+/", "é-", " "]) for _ in range(400))
    results = {name: Masker(secrets, engine=name).mask(text) for name in available_engines()}
    assert len(set(results.values())) == 1, results.keys()


def test_unknown_engine_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown masking engine"):
        Masker(engine="nope")


def test_add_while_masking_from_another_thread() -> None:
    m = Masker()
    stop = threading.Event()
    errors: list[BaseException] = []

    def masking() -> None:
        try:
            while not stop.is_set():
                m.mask("some text key-0000 key-0199")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=masking)
    worker.start()
    try:
        for i in range(200):
            m.add(f"key-{i:04d}")
    finally:
        stop.set()
        worker.join()
    assert not errors
    assert m.mask("key-0000 key-0199") == f"{P} {P}"


# ------------------------------------------------------------------ streaming


SPLIT_SECRET = "S3CR3T-VALUE-123&x"


@pytest.mark.parametrize("drain", [False, True])
def test_split_at_every_offset(drain: bool, engine: str) -> None:
    m = masker(SPLIT_SECRET, engine=engine)
    text = f"before {SPLIT_SECRET} after"
    for i in range(len(text) + 1):
        stream = m.stream(threshold=1)
        first = stream.write(text[:i]) + (stream.drain() if drain else "")
        out = first + stream.write(text[i:]) + stream.flush()
        assert out == f"before {P} after", i
        assert SPLIT_SECRET[:5] not in first or i < 7


def test_split_into_single_characters() -> None:
    m = masker(SPLIT_SECRET)
    text = f"x {SPLIT_SECRET}{SPLIT_SECRET} y {SPLIT_SECRET}\n"
    stream = m.stream(threshold=1)
    out = "".join(stream.write(c) + stream.drain() for c in text) + stream.flush()
    assert out == m.mask(text) == f"x {P} y {P}\n"


def test_drain_holds_back_only_a_possible_prefix() -> None:
    m = masker(SPLIT_SECRET)
    stream = m.stream()
    assert stream.write("progress 10%\nvalue: S3CR") == ""  # below the threshold
    assert stream.drain() == "progress 10%\nvalue: "
    assert stream.pending == len("S3CR")
    assert stream.write("3T-VALUE-123&x done\n") == ""
    assert stream.drain() == f"{P} done\n"
    assert stream.pending == 0
    assert stream.flush() == ""


LONG_SECRET = "tok-" + "".join(f"{i:02d}Qz" for i in range(12))  # 52 characters


def test_drain_holds_back_an_end_inside_a_long_value_until_its_tail_shows() -> None:
    """A truncated tail (`%whos`: `<...>` and the last 25 characters) grows backward from its
    last 16 characters: the part written first waits, whatever its length."""
    m = masker(LONG_SECRET, engine="python")
    stream = m.stream()
    stream.write("x <...>" + LONG_SECRET[-25:-20])
    assert stream.drain() == "x <...>"
    assert stream.pending == 5
    stream.write(LONG_SECRET[-20:] + " y\n")
    assert stream.drain() == f"{P} y\n"
    assert stream.pending == 0


def test_drain_holds_back_only_the_end_that_lies_inside_a_long_value(engine: str) -> None:
    m = masker(LONG_SECRET, engine=engine)
    stream = m.stream()
    # "Qz06Q" lies inside the value, "xQz06Q" does not: only the longest end found in
    # the value is held back, the ordinary text before it is not
    stream.write("processed 42 records\nsize xQz06Q")
    assert stream.drain() == "processed 42 records\nsize x"
    assert stream.pending == 5
    stream.write(" done\n")  # not a tail after all
    assert stream.drain() == "Qz06Q done\n"
    assert stream.pending == 0


MULTI_LINE = "-----BEGIN TEST KEY-----\n" + "Qz09ab" * 11 + "\n-----END TEST KEY-----"


def test_ordinary_lines_are_not_held_back_by_long_values() -> None:
    """A stream never holds back a line break for a long value, not even one that holds
    line breaks itself (a PEM key): each drain of whole lines returns everything."""
    m = masker(LONG_SECRET, base64.b64encode(LONG_SECRET.encode()).decode(), MULTI_LINE)
    stream = m.stream()
    for line in ["INFO request handled in 12 ms\n", "user Qz09 logged in from 10.0.3.7\n"]:
        assert stream.write(line) == ""
        assert stream.drain() == line
        assert stream.pending == 0


def test_without_truncated_matches_no_tail_is_held_back() -> None:
    """With `min_length` above 16 there are no truncated matches: nothing to hold back."""
    m = masker(LONG_SECRET, min_length=20)
    stream = m.stream()
    stream.write("x " + LONG_SECRET[-30:-20])
    assert stream.drain() == "x " + LONG_SECRET[-30:-20]


@pytest.mark.parametrize("secret", ["Q-" + "ab" * 60, "Z" + "x" * 200 + "-end"], ids=["ab", "x"])
def test_tail_of_a_repetitive_long_value_split_at_every_offset(secret: str) -> None:
    """Where the text's last 16 characters match a long value at many places, the stream
    holds back as much as the longest form could need (never less than the tail)."""
    m = masker(secret)
    text = "x <...>" + secret[-60:] + " y\n"
    for cut in range(len(text) + 1):
        stream = m.stream(threshold=1)
        first = stream.write(text[:cut]) + stream.drain()
        out = first + stream.write(text[cut:]) + stream.drain() + stream.flush()
        assert f"x <...>{P} y\n".startswith(first), cut  # what left early is final
        assert out == m.mask(text) == f"x <...>{P} y\n", cut


def test_internal_snapshot_repr_shows_no_form_of_a_secret() -> None:
    m = masker(LONG_SECRET)
    stream = m.stream()
    stream.write("x")
    stream.drain()  # builds the stream's index of long variants too
    snapshot = m.scanner()
    shown = repr(snapshot) + repr(snapshot.tail_index if snapshot else None)
    assert LONG_SECRET[-TRUNCATION_KEY:] not in shown and "Qz" not in shown


def test_masked_range_at_the_end_is_held_until_more_arrives() -> None:
    m = masker("ABCDEFGH", "GHIJKLMN")
    stream = m.stream()
    stream.write("x ABCDEFGH")
    assert stream.drain() == "x "  # GH... could still start the overlapping secret
    stream.write("IJKLMN y")
    assert stream.drain() + stream.flush() == f"{P} y"


def test_write_returns_text_once_the_threshold_is_reached() -> None:
    m = masker(SPLIT_SECRET)
    stream = m.stream(threshold=64)
    assert stream.write("a" * 10) == ""
    out = stream.write("b" * 60 + SPLIT_SECRET[:4])
    assert out == "a" * 10 + "b" * 60
    assert stream.flush() == SPLIT_SECRET[:4]  # the final flush: no secret followed


def test_secret_added_mid_stream_is_masked_in_pending_text() -> None:
    m = Masker()
    stream = m.stream()
    stream.write("token: LATE-SECRET-42 end")
    m.add("LATE-SECRET-42")
    assert stream.flush() == f"token: {P} end"


@pytest.mark.parametrize("filler", ["log line 42 ok\n", "é ligne 42 ok\n"], ids=["ascii", "utf8"])
def test_large_text_masks_at_both_ends_and_inside(filler: str, native_engine: str) -> None:
    """Large texts (64 KB and more) mask at both ends and inside; offsets stay exact."""
    engine = native_engine
    m = masker("first-secret-AAAA", "middle-secret-BB", "last-secret-CCCC", engine=engine)
    body = filler * 20_000
    text = "first-secret-AAAA" + body + "middle-secret-BB" + body + "last-secret-CCCC"
    assert m.mask(text) == P + body + P + body + P
    found = m.find(text)
    assert [text[f.start : f.end] for f in found] == [
        "first-secret-AAAA",
        "middle-secret-BB",
        "last-secret-CCCC",
    ]


def test_a_whole_short_secret_may_still_grow_into_a_longer_one() -> None:
    m = masker("ABCDEF", "ABCDEFGH-longer")
    stream = m.stream()
    stream.write("x ABCDEF")
    assert stream.drain() == "x "
    stream.write("GH-longer y")
    assert stream.drain() + stream.flush() == f"{P} y"


def test_large_scan_split_in_halves_misses_nothing_at_the_middle(native_engine: str) -> None:
    """Texts of 1 MB and more are scanned as two halves at once; a secret across the
    middle, or starting or ending right at it, is still found exactly once."""
    engine = native_engine
    secret = "MIDDLE-secret-value-42"
    m = masker(secret, engine=engine)
    total = 2_000_000
    for k in range(len(secret) + 1):  # the secret starts k characters before the middle
        before = total // 2 - k
        text = "a" * before + secret + "b" * (total - before - len(secret))
        assert len(text) == total
        assert m.mask(text) == "a" * before + P + "b" * (total - before - len(secret)), k
        assert len(m.find(text)) == 1, k


# ------------------------------------------------------------------ large texts (fast paths)

# Positions of pieces in a large text: starts and ends, around the middle, right at the ends.
_BIG = 1_200_000  # over the split-scan size (1 MB), so hyperscan scans two halves at once


def _referencereplace_ranges(text: str, ranges: list[list[int]], placeholder: str) -> str:
    pieces, pos = [], 0
    for start, end in ranges:
        pieces += [text[pos:start], placeholder]
        pos = end
    return "".join([*pieces, text[pos:]])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 200_000), st.integers(0, 60)), max_size=40),
    st.sampled_from([P, "", "#", "[masked]"]),
    st.integers(70_000, 200_000),
    st.booleans(),
)
def test_large_ascii_replacement_equals_slicing_and_joining(
    spans: list[tuple[int, int]], placeholder: str, size: int, whole: bool
) -> None:
    """A large ASCII text's masked copy equals the plain
    slice-and-join result, be an ordinary str, and leave the original text untouched."""
    text = "".join(string.ascii_letters[i % 52] + "-" for i in range(size))[:size]
    before = text.encode()
    cuts = sorted({min(p, size) for p, _ in spans})
    ranges: list[list[int]] = []
    for start, (_, width) in zip(cuts, spans, strict=False):
        end = min(start + max(width, 1), size)
        if start < end and (not ranges or start > ranges[-1][1]):
            ranges.append([start, end])
    if whole:
        ranges = [[0, 5], [size - 5, size]]
    out = replace_ranges(text, ranges, placeholder)
    expected = _referencereplace_ranges(text, ranges, placeholder)
    assert out == expected
    assert type(out) is str and out.isascii() and hash(out) == hash(expected)
    assert {out: 1}[expected] == 1
    assert text.encode() == before  # the source str was only read


def test_large_replacement_of_non_ascii_or_subclass_falls_back() -> None:
    class Sub(str):
        pass

    text = "a-" * 50_000
    ranges = [[10, 20], [99_990, 100_000]]
    expected = _referencereplace_ranges(text, ranges, "¤¤")
    assert replace_ranges(text, ranges, "¤¤") == expected
    assert replace_ranges(Sub(text), ranges, P) == _referencereplace_ranges(text, ranges, P)
    accented = "é-" * 50_000
    assert replace_ranges(accented, ranges, P) == _referencereplace_ranges(accented, ranges, P)
    assert replace_ranges(text, [[0, 100_000]], P) == P  # a tiny result: the ordinary path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, _BIG), min_size=1, max_size=12),
    st.lists(st.integers(0, 40), min_size=12, max_size=12),
    st.sampled_from(["ascii", "utf8"]),
    st.data(),
)
def test_large_texts_every_engine_finds_what_the_plain_search_finds(
    places: list[int], shifts: list[int], filler: str, data: st.DataObject
) -> None:
    """Over 1 MB (the split scan) every engine reports the
    same matches as `str.find` and masks the same; pieces sit anywhere, the middle included."""
    secrets = ["first-SECRET-value-1", "Zm9vYmFyLXNlY3JldA+/==", "p@ss w0rd'\"<&>%"]
    forms = [text for s in secrets for _, text in secret_variants(s)]
    unit = "log line 42 ok\n" if filler == "ascii" else "é ligne 42 ok\n"
    body = unit * (_BIG // len(unit))
    pieces = []
    pos = 0
    for place, shift in zip(sorted(places), shifts, strict=False):
        at = min(max(place, _BIG // 2 - shift) if shift % 3 == 0 else place, len(body))
        pieces += [body[pos : max(at, pos)], data.draw(st.sampled_from(forms))]
        pos = max(at, pos)
    text = "".join([*pieces, body[pos:]])
    reference = Masker(secrets, engine="python")
    want = [(f.start, f.end, f.kind) for f in reference.find(text)]
    for name in available_engines():
        m = Masker(secrets, engine=name)
        assert [(f.start, f.end, f.kind) for f in m.find(text)] == want, name
        assert m.mask(text) == reference.mask(text), name


def test_part_of_a_long_secret_is_not_a_match(engine: str) -> None:
    """hyperscan first looks for a piece from the middle of each long variant; the piece
    alone (or with a wrong head or tail) must not count as the secret."""
    secret = "head-0123456789-MIDDLE-PIECE-abcdefghij-tail"
    m = masker(secret, engine=engine)
    middle = secret[10:-10]
    for text in (middle, f"[{middle}]"):
        assert m.find(text) == [], text
        assert m.mask(text) == text
    for text in ("x" + secret[1:], secret[:-1] + "x"):  # at most its head or tail
        assert all(f.kind == "truncated" for f in m.find(text)), text
    assert m.mask(f"<{secret}>") == f"<{P}>"


def test_secrets_sharing_their_middle_are_each_found(engine: str) -> None:
    core = "SHARED-middle-16chars-xyz"
    first, second = f"a1-{core}-b1", f"c2-{core}-d2"
    m = masker(first, second, engine=engine)
    text = f"{second} {first} {core} {first}{second}"
    literal = [(f.start, f.end) for f in m.find(text) if f.kind == "literal"]
    at = [text.index(second), text.index(first)]
    later = text.index(first + second)
    at += [later, later + len(first)]
    assert literal == [(a, a + len(first)) for a in at]
    assert m.mask(text) == f"{P} {P} {core} {P}"


def test_long_secret_across_the_middle_of_a_split_scan(native_engine: str) -> None:
    """A long variant is found by a piece of its middle; across the split point it must be
    reported once, by the half it starts in, wherever that piece falls."""
    engine = native_engine
    secret = "LONG-" + "".join(string.ascii_letters[(7 * i) % 52] for i in range(120)) + "-END"
    m = masker(secret, engine=engine)
    total = 2_000_000
    for k in (0, 1, 2, len(secret) // 2 - 9, len(secret) // 2, len(secret) - 17, len(secret)):
        before = total // 2 - k
        text = "a" * before + secret + "b" * (total - before - len(secret))
        found = [f for f in m.find(text) if f.kind == "literal"]
        assert [(f.start, f.end) for f in found] == [(before, before + len(secret))], k
        assert m.mask(text) == "a" * before + P + "b" * (total - before - len(secret)), k
