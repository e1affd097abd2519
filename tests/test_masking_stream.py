"""Property: however output is cut into writes, the stream masks exactly like `mask(whole)`.

For any secret and any cutting of the output into writes (with or without a drain after each
write, as the kernel does at each flush), the concatenated stream output equals
`Masker.mask` of the whole text and contains none of the secret's variants. The output
includes the cut-off head and tail of long variants (`truncated`, as `%whos` prints them):
a tail is found from its last 16 characters backward, so a stream must hold back an end of
its text that lies inside a long variant.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kestra_nb.masking import TRUNCATION_KEY, TRUNCATION_MIN, Masker, secret_variants

# '*' is left out: a secret made of the placeholder's characters could reappear in it.
ALPHABET = st.characters(
    codec="utf-8", exclude_characters="*", exclude_categories=("Cs",)
) | st.sampled_from("aA0+/=-_%&<>'\"\\ \n")
SECRETS = st.text(ALPHABET, min_size=4, max_size=24).filter(lambda s: s.strip() != "")
FILLER = st.text(st.sampled_from("ab+/= \n%&é*"), max_size=12)


@st.composite
def leaky_output(draw: st.DrawFn) -> tuple[list[str], str, list[str], list[bool]]:
    secrets = draw(st.lists(SECRETS, min_size=1, max_size=3))
    forms = [text for s in secrets for _, text in secret_variants(s)]
    for text in [t for t in forms if len(t) >= TRUNCATION_MIN]:  # truncated displays
        size = draw(st.integers(TRUNCATION_KEY, len(text) - 1))
        # (a tail across a line break is a documented limit: see the test below)
        forms += [cut for cut in (text[:size], text[-size:]) if "\n" not in cut]
    pieces = draw(st.lists(st.one_of(FILLER, st.sampled_from(forms)), max_size=12))
    whole = "".join(pieces)
    cuts = sorted(draw(st.lists(st.integers(0, len(whole)), max_size=10)))
    edges = [0, *cuts, len(whole)]
    writes = [whole[a:b] for a, b in itertools.pairwise(edges)]
    drains = draw(st.lists(st.booleans(), min_size=len(writes), max_size=len(writes)))
    return secrets, whole, writes, drains


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(leaky_output(), st.sampled_from([1, 7, 64, 16384]))
def test_stream_equals_mask_of_whole_and_leaks_nothing(
    case: tuple[list[str], str, list[str], list[bool]], threshold: int
) -> None:
    secrets, whole, writes, drains = case
    masker = Masker(secrets)
    stream = masker.stream(threshold=threshold)
    out = []
    for chunk, drain in zip(writes, drains, strict=True):
        out.append(stream.write(chunk))
        if drain:
            out.append(stream.drain())
    out.append(stream.flush())
    emitted = "".join(out)
    assert emitted == masker.mask(whole)
    for secret in secrets:
        for kind, text in secret_variants(secret):
            if len(secret) >= masker.min_length:
                assert text not in emitted, kind


@settings(max_examples=200, deadline=None)
@given(SECRETS, st.text(ALPHABET, max_size=30), st.text(ALPHABET, max_size=30), st.data())
def test_secret_split_anywhere_is_masked(
    secret: str, before: str, after: str, data: st.DataObject
) -> None:
    masker = Masker([secret])
    whole = before + secret + after
    cut = data.draw(st.integers(0, len(whole)))
    stream = masker.stream(threshold=1)
    emitted = stream.write(whole[:cut]) + stream.drain() + stream.write(whole[cut:])
    emitted += stream.flush()
    assert secret not in emitted
    assert emitted == masker.mask(whole)


# secrets long enough that several variants reach TRUNCATION_MIN characters
LONG_SECRETS = st.text(ALPHABET, min_size=20, max_size=48).filter(lambda s: s.strip() != "")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LONG_SECRETS, FILLER, FILLER, st.booleans(), st.data())
def test_truncated_tail_cut_at_every_offset(
    secret: str, before: str, after: str, with_head: bool, data: st.DataObject
) -> None:
    """A long variant's tail (16+ characters, as `%whos` prints it), cut into two writes at
    every offset with a drain (a kernel flush) after each: nothing of it leaves unmasked."""
    masker = Masker([secret])
    longs = [text for _, text in secret_variants(secret) if len(text) >= TRUNCATION_MIN]
    if not longs:  # e.g. a secret of 20 ASCII letters: its base64 has 28 characters
        longs = [text for _, text in secret_variants(secret * 2) if len(text) >= TRUNCATION_MIN]
        masker.add(secret * 2)
    form = data.draw(st.sampled_from(longs))
    tail = form[-data.draw(st.integers(TRUNCATION_KEY, len(form))) :]
    assume("\n" not in tail)  # a documented limit: see the test below
    head = form[:25] + "<...>" if with_head else ""
    whole = before + head + tail + after
    expected = masker.mask(whole)
    assert tail not in expected
    for cut in range(len(whole) + 1):
        stream = masker.stream(threshold=1)
        first = stream.write(whole[:cut]) + stream.drain()
        assert expected.startswith(first), cut  # what left early is final, masked text
        out = first + stream.write(whole[cut:]) + stream.drain() + stream.flush()
        assert out == expected, cut


def test_a_tail_across_a_line_break_flushed_after_the_break_shows_the_cut_line() -> None:
    """The documented limit: a stream never holds back a line break (so `print`'s line end
    leaves at once), so the cut first line of a multi-line value's tail, written before a
    flush that falls right after its line break, has left; the rest is masked."""
    secret = "abcdefghij\nklmnopqrstuvwxyz0123456789"
    masker = Masker([secret])
    whole = "x " + secret[-30:] + " y"  # "x hij\nklm...789 y"
    cut = whole.index("\n") + 1
    stream = masker.stream(threshold=1)
    first = stream.write(whole[:cut]) + stream.drain()
    rest = stream.write(whole[cut:]) + stream.drain() + stream.flush()
    assert (first, rest) == ("x hij\n", "****** y")
    assert masker.mask(whole) == "x ****** y"  # one text: masked from the line's start
