"""Issue 14: the masker with many secrets (one build per batch, on the adding thread, a
background compile that never leaves output unmasked) and a short value's base64 offsets.

Timings are measured in `benchmarks/many_secrets.py`, never asserted here.
"""

from __future__ import annotations

import base64
import random
import string
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb.masking import Masker
from kestra_nb.masking.masker import SYNC_PATTERNS
from kestra_nb.notebook.session import KernelSession, masker_subscriber
from kestra_nb.secrets import SecretStore
from tests.kernel import NotebookRunner

VALUES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=4,
    max_size=24,
).filter(lambda v: v.strip() == v and len(v) >= 4)


def _covered(ranges: list[tuple[int, int]], low: int, high: int) -> bool:
    """Whether [low, high) lies inside the union of `ranges`."""
    pos = low
    for start, end in sorted(ranges):
        if start <= pos < end:
            pos = end
        if pos >= high:
            return True
    return pos >= high


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, before=st.binary(max_size=7), after=st.binary(max_size=4))
def test_every_value_masked_in_base64_at_every_offset(
    value: str, before: bytes, after: bytes
) -> None:
    """Every character of a base64 text fixed by the value's bytes alone is masked, whatever
    the value (4 characters and more), its offset in the encoded stream and the alphabet."""
    masker = Masker({"S": value})
    raw = value.encode("utf-8", "surrogatepass")
    start, end = len(before), len(before) + len(raw)
    first, last = -(-8 * start // 6), 8 * end // 6  # the characters only the value sets
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        text = encode(before + raw + after).decode("ascii")
        ranges = [(m.start, m.end) for m in masker.find(text)]
        assert _covered(ranges, first, last), (len(before), encode.__name__)
        assert value not in masker.mask(text)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(VALUES, min_size=1, max_size=12),
    noise=st.text(alphabet=string.ascii_letters + " :=/", max_size=20),
)
def test_batch_equals_one_by_one(values: list[str], noise: str) -> None:
    """A batch (`add_many`) registers exactly what adding one by one does, in one build."""
    one = Masker()
    for i, value in enumerate(values):
        one.add(value, f"K{i}")
    many = Masker()
    notes = many.add_many({f"K{i}": v for i, v in enumerate(values)})
    assert notes == []
    assert many.builds == 1
    text = noise.join(
        [*values, *(base64.b64encode(b"u:" + v.encode()).decode() for v in values), noise]
    )
    assert many.mask(text) == one.mask(text)
    assert many.find(text) == one.find(text)
    assert many.pattern_count == one.pattern_count


def _secrets(n: int, seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    return {f"K{i}": "".join(rng.choices(alphabet, k=rng.randint(20, 40))) for i in range(n)}


def test_large_batch_builds_on_the_adding_thread_and_compiles_in_the_background() -> None:
    secrets = _secrets(4000)  # over SYNC_PATTERNS patterns: the background compile runs
    masker = Masker()
    masker.add_many(secrets)
    here = threading.current_thread().name
    assert masker.builds == 1 and masker.build_threads == [here]
    assert masker.pattern_count > SYNC_PATTERNS
    # masking from another thread (the kernel's IOPub) while the compile may still run
    # builds nothing and masks everything
    text = "x " + " ".join(list(secrets.values())[::97]) + " y"
    results: list[str] = []
    other = threading.Thread(target=lambda: results.append(masker.mask(text)), name="IOPub")
    other.start()
    other.join()
    assert masker.builds == 1
    assert set(results[0].split()) == {"x", "y", "******"}
    masker.prepare(wait=True)
    assert masker.ready
    assert "IOPub" not in masker.build_threads
    assert masker.build_threads == [here, "kestra_nb-masker-build"]
    assert masker.mask(text) == results[0]
    # a stream masks the same, holding nothing back at the end of a line
    stream = masker.stream()
    assert stream.write(text + "\n") + stream.drain() + stream.flush() == results[0] + "\n"


def test_session_loads_a_file_with_one_build(tmp_path: Path) -> None:
    secrets = _secrets(500)
    path = tmp_path / ".env_encoded"
    path.write_text(
        "".join(f"SECRET_{k}={base64.b64encode(v.encode()).decode()}\n" for k, v in secrets.items())
    )
    masker = Masker()
    store = SecretStore()
    store.add("FIRST", "first-secret-value")
    store.subscribe(masker_subscriber(masker))
    assert masker.builds == 1  # the subscription's replay: one add, one build
    session = KernelSession(None, store, masker, {}, None)
    loaded = session.load_env_file(path)
    assert loaded.secrets == 500
    assert masker.builds == 2  # the whole file: one more
    assert masker.build_threads == [threading.current_thread().name] * 2
    assert masker.mask(secrets["K42"]) == "******"


@pytest.mark.kernel
def test_kestra_env_of_ten_thousand_secrets(tmp_path: Path) -> None:
    """`%kestra_env` of a 10,000-secret file answers (it timed out when the masker was built
    on the IOPub thread), builds once on the shell thread, and masks at once."""
    secrets = _secrets(10_000)
    (tmp_path / "big.env").write_text(
        "".join(f"SECRET_{k}={base64.b64encode(v.encode()).decode()}\n" for k, v in secrets.items())
    )
    cells = [
        "%load_ext kestra_nb",
        "%kestra_env big.env",
        "import threading\n"
        "from kestra_nb.notebook.session import current\n"
        "m = current().masker\n"
        "print(m.builds, threading.current_thread().name in m.build_threads[:2])\n"
        "print(set(m.build_threads) <= {threading.current_thread().name,"
        " 'kestra_nb-masker-build'})\n"
        "print('value:', current().store.get('K1234'))",
    ]
    nb = NotebookRunner(tmp_path).run(cells, timeout=120)
    loaded = NotebookRunner.text(nb, 1)
    assert "big.env" in loaded and "secret" in loaded, loaded
    assert "timed out" not in NotebookRunner.outputs_text(nb)
    assert NotebookRunner.text(nb, 2) == "1 True\nTrue\nvalue: ******\n"  # one build
    assert secrets["K1234"] not in NotebookRunner.outputs_text(nb)


def test_mask_data_numbers_and_bytes() -> None:
    masker = Masker({"PIN": "87654321", "TOKEN": "tok-abcdefgh-12345"})
    data = {
        "pin": 87654321,
        "f": 87654321.0,
        "other": 12,
        "flag": True,
        "b": b"x tok-abcdefgh-12345",
    }
    masked = masker.mask_data(data)
    assert masked == {"pin": "******", "f": "******", "other": 12, "flag": True, "b": b"x ******"}
    # bytes whose base64 would still show a form become the placeholder
    assert masker.mask_bytes(b"\xff\xfe" + b"tok-abcdefgh-12345") == b"\xff\xfe******"


def test_mask_bundle_withholds_binary_and_revealing_markup() -> None:
    from kestra_nb.notebook.hooks import mask_bundle, visible_text

    value = "tok-S3CR3T/VALUE\t+123"
    masker = Masker({"TOKEN": value})
    png = b"\x89PNG\r\n" + value.encode()
    bundle = {
        "image/png": base64.b64encode(png).decode(),
        "text/plain": f"'{value}'",
        "text/html": "<span>'tok-S3CR3T/VALUE</span><span>\\t</span><span>+123'</span>",
    }
    out = mask_bundle(masker, bundle)
    assert set(out) == {"text/plain"}
    assert out["text/plain"].startswith("[image/png withheld by kestra_nb: it holds a secret]")
    assert value not in out["text/plain"]
    clean = {"image/png": base64.b64encode(b"\x89PNG\r\n plain").decode(), "text/html": "<b>hi</b>"}
    assert mask_bundle(masker, clean) == clean
    assert visible_text("a<b>&lt;c&gt;</b>") == "a<c>"


def test_short_secret_in_base64_is_verified_not_guessed() -> None:
    masker = Masker({"SHORT": "pa55"})
    header = "Basic " + base64.b64encode(b"user:pa55").decode()
    assert masker.mask(header) == "Basic dXNlcj******"
    # the same characters where decoding in place gives other bytes stay as they are
    assert masker.mask("ywYTU1y") == "ywYTU1y"  # y: not the two bits of p before wYTU1
    stream = masker.stream()
    head = stream.write(header[:14]) + stream.drain()
    assert head == "Basic "  # an unfinished base64 run is held back
    assert head + stream.write(header[14:] + "\n") + stream.flush() == "Basic dXNlcj******\n"
