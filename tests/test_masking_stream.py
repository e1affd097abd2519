"""Property: however output is cut into writes, the stream masks exactly like `mask(whole)`.

For any secret and any cutting of the output into writes (with or without a drain after each
write, as the kernel does at each flush), the concatenated stream output equals
`Masker.mask` of the whole text and contains none of the secret's variants.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb.masking import Masker, secret_variants

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
