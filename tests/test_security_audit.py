"""Security audit: every way we found to make a secret value leak, each one closed (or marked).

The product promise: no secret value, nor any of its base64, percent, JSON, repr or HTML
forms (nor a truncated head or tail of a long one), reaches cell output, the saved `.ipynb`,
widget state, a message, a warning, a repr or the CLI's output.

The kernel part runs one real kernel through many accidental leak paths (IPython's `%whos`,
`%store`, `obj?` truncate long values; verbose tracebacks print local variables; `%env`,
`!env`, `os.environ`; engine errors after filters; SECRET-typed flow inputs; a flow whose
YAML holds a value pasted literally) and then searches the saved notebook file for every
form of every value. Cell sources never hold a whole value: the kernel reads them from the
store, or builds them from pieces.
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from kestra_nb.dotenv_codec import decode_dotenv, encode_dotenv, parse_dotenv
from kestra_nb.errors import FlowError
from kestra_nb.masking import (
    TRUNCATION_KEY,
    TRUNCATION_MIN,
    Masker,
    available_engines,
    secret_variants,
)
from kestra_nb.masking.formats import format_text
from kestra_nb.secrets import SecretStore
from tests.kernel import NotebookRunner

# A long token (IPython truncates values from 50 characters; `obj?` from 200).
LONG = "tok_" + "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(4)) + "_end"
SPECIAL = "q\"uo'te\\back&<x>é\tTAB-" + "Zy9!"
PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----"
)
SHORTER = "shared-prefix-Secret-41x"  # a substring of LONGER: neither may leak a tail
LONGER = SHORTER + "-and-more-Qv7"
JSONSECRET = json.dumps({"user": "admin", "password": "pw-in-json-7Hk2"})
FROM_ENV = "from-the-kernel-environment-Kp5"
# `SECRET_WRAPPED=$(base64 file)`: GNU base64 wraps at 76 columns; Kestra strips the breaks
WRAPPED = "wrapped:" + "".join(hashlib.sha1(str(i).encode()).hexdigest() for i in range(6))
INPUT = "InputSecret-98765xyz"  # a SECRET-typed flow input, never in the store
PASTED = LONGER  # pasted literally into a flow's YAML
FILE_SECRETS = {
    "LONG": LONG,
    "SPECIAL": SPECIAL,
    "PEM": PEM,
    "SHORTER": SHORTER,
    "LONGER": LONGER,
    "JSONSECRET": JSONSECRET,
}
ALL = [*FILE_SECRETS.values(), FROM_ENV, WRAPPED, INPUT]


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def wrapped_b64(value: str, width: int) -> list[str]:
    encoded = b64(value)
    return [encoded[i : i + width] for i in range(0, len(encoded), width)]


def pieces(value: str) -> str:
    """Python source building `value` from two halves (no cell source holds a whole value)."""
    mid = len(value) // 2
    return f"({value[:mid]!r} + {value[mid:]!r})"


def forms(value: str) -> set[str]:
    """Every form of `value` that must never be seen, truncated heads and tails included
    (not a format's fixed text, such as a PEM armour line: every key has it)."""
    out = {text for _kind, text in secret_variants(value) if len(text) >= 6}
    for text in list(out):
        if len(text) >= TRUNCATION_MIN:  # what a truncating display shows of a long form
            out |= {text[:TRUNCATION_KEY], text[-TRUNCATION_KEY:]}
    return own_text(value, out)


def own_text(value: str, texts: Iterable[str]) -> set[str]:
    """`texts` without those made of format text (`kestra_nb.masking.formats`)."""
    fmt = format_text(value, secret_variants)
    return {t for t in texts if fmt is None or fmt.keeps(t)}


def assert_clean(text: str, values: list[str] = ALL) -> None:
    for value in values:
        for form in forms(value):
            assert form not in text, f"a form of a secret leaked: {form[:4]}... ({len(form)})"


# -- one kernel, many leak paths ---------------------------------------------------------------

FLOW_WITH_SECRET_INPUT = """%%kestra_flow --inputs ins
id: audit
namespace: company.team
inputs:
  - id: pw
    type: SECRET
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.pw }} / {{ secret('LONG') }}"
"""

CELLS: list[tuple[str, str]] = [
    ("load", "%load_ext kestra_nb"),
    (
        "values",
        "from kestra_nb.notebook.extension import current\n"
        "st = current().store\n"
        "long, special, pem = st.get('LONG'), st.get('SPECIAL'), st.get('PEM')\n"
        "shorter, longer = st.get('shorter'), st.get('LONGER')\n"
        "print('values read:', len(st))",
    ),
    ("whos", "%whos"),
    ("store", "%store long\n%store"),
    ("pinfo", "print(get_ipython().object_inspect_text('long'))"),
    ("xmode", "%xmode Verbose"),
    ("verbose traceback", "def use(token, other):\n    raise ValueError('boom')\nuse(long, pem)"),
    ("tb", "%tb"),
    ("context", "%xmode Context"),
    ("warning", "import warnings\nwarnings.warn('about ' + long + ' ' + special)"),
    ("logging", "import logging\nlogging.getLogger('kestra_nb').warning('pem %s', pem)"),
    (
        "rich",
        "from IPython.display import Javascript, Latex, SVG, Markdown, display\n"
        "import json as _json\n"
        "display(Javascript('var x = ' + _json.dumps(special) + ';'))\n"
        "display(Latex('$' + long + '$'))\n"
        "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\"><text>'\n"
        "            + __import__('html').escape(special) + '</text></svg>'))\n"
        "dh = display(Markdown('placeholder'), display_id=True)\n"
        "dh.update(Markdown('now ' + pem))",
    ),
    ("environ", "import os\nprint(repr(os.environ))"),
    ("env magic", "%env"),
    ("shell env", "!env | grep SECRET_FROM_ENV"),
    ("wrapped env", "print('wrapped:', 'WRAPPED' in st)\nprint(os.environ['SECRET_WRAPPED'])"),
    ("filter number", "%kestra_render {{ secret('LONG') | number }}"),
    ("filter date", "%kestra_render {{ secret('SPECIAL') | date }}"),
    ("filter jq", "%kestra_render {{ secret('LONG') | jq('.') }}"),
    ("filter slice", "%kestra_render {{ secret('LONG') | slice(0, 1000) }}"),
    ("fromJson", "%kestra_render {{ fromJson(secret('LONG')) }}"),
    ("subkey on text", "%kestra_render {{ secret('LONG', subkey='password') }}"),
    ("render()", "%kestra_render {{ render(secret('PEM')) }}"),
    ("subkey", "%kestra_render {{ secret('JSONSECRET', subkey='password') }}"),
    ("inputs", f"ins = {{'pw': {pieces(INPUT)}}}"),
    ("secret input", FLOW_WITH_SECRET_INPUT),
    ("secret input later", "print('input was', ins['pw'])"),
    (
        "pasted",
        "from kestra_nb.flow import KestraFlow\n"
        "bad = ('id: f\\nnamespace: company.team\\ntasks:\\n  - id: t\\n    type: '\n"
        "       + longer + '\\n')\n"
        "try:\n"
        "    KestraFlow.from_yaml(bad)\n"
        "except Exception as exc:\n"
        "    caught = exc\n"
        "print('caught', type(caught).__name__)",
    ),
    ("pickle", "import pickle\npickle.dumps(st)"),
    ("panel", "%kestra_secrets"),
    ("history", "%history -o -n 1-8"),
]
INDEX = {label: i for i, (label, _) in enumerate(CELLS)}


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, str]:
    """Run every cell in one kernel; return the notebook and the saved file's text."""
    workdir = tmp_path_factory.mktemp("audit")
    lines = [f"SECRET_{name}={b64(value)}" for name, value in FILE_SECRETS.items()]
    lines.append("SECRET_BROKEN=bm90IGJhc2U2NA==x")  # invalid base64: dropped, never echoed
    (workdir / ".env_encoded").write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = NotebookRunner(workdir)
    nb = runner.run(
        [src for _, src in CELLS],
        env={
            "SECRET_FROM_ENV": b64(FROM_ENV),
            "SECRET_WRAPPED": "\n".join(wrapped_b64(WRAPPED, 76)),
        },
        timeout=120,
    )
    return nb, (workdir / "executed.ipynb").read_text(encoding="utf-8")


def cell_text(nb: nbformat.NotebookNode, label: str) -> str:
    return NotebookRunner.outputs_text(nb, INDEX[label])


@pytest.mark.kernel
def test_saved_notebook_holds_no_form_of_any_secret(audited: Any) -> None:
    _nb, saved = audited
    assert "application/vnd.jupyter.widget-state+json" in saved  # the panel's state is in it
    assert_clean(saved)


@pytest.mark.kernel
@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("whos", "long"),  # the row is there, its Data/Info column masked
        ("store", "long"),
        ("pinfo", "String form"),
        ("verbose traceback", "token="),
        ("tb", "ValueError"),
        ("warning", "about"),
        ("logging", "pem"),
        ("rich", "application/javascript"),
        ("environ", "SECRET_FROM_ENV"),
        ("env magic", "SECRET_FROM_ENV"),
        ("shell env", "SECRET_FROM_ENV="),
        ("filter number", "is not a valid number"),
        ("filter date", "could not be parsed"),
        ("filter jq", "Unable to parse jq value"),
        ("render()", "******"),
        ("subkey", "******"),
        ("secret input", "inputs used: pw"),
        ("secret input later", "input was"),
        ("pasted", "caught FlowError"),
        ("pickle", "cannot be pickled"),
        ("history", "%load_ext kestra_nb"),
    ],
)
def test_each_leak_path_ran_and_shows_only_the_mask(audited: Any, label: str, shown: str) -> None:
    """The path really produced output (so the clean file proves something), masked."""
    nb, _saved = audited
    text = cell_text(nb, label)
    assert shown in text, f"{label}: expected output missing: {text[:300]}"
    assert_clean(text)


@pytest.mark.kernel
@pytest.mark.parametrize("label", ["whos", "store", "secret input later"])
def test_truncated_and_input_values_are_masked_not_dropped(audited: Any, label: str) -> None:
    """Found in the audit: `%whos` showed 25+25 characters of LONG, `%store` its first 49,
    and a SECRET input printed later was not masked. Each now shows `******`."""
    nb, _saved = audited
    assert "******" in NotebookRunner.text(nb, INDEX[label])


@pytest.mark.kernel
def test_wrapped_base64_of_a_secret_is_masked_line_by_line(audited: Any) -> None:
    """Found in the audit: the middle lines of a wrapped base64 value (an env variable set
    with `$(base64 file)`) were not masked; only the first and last were (as truncations)."""
    nb, _saved = audited
    text = NotebookRunner.text(nb, INDEX["wrapped env"])
    assert "wrapped: True" in text
    lines = wrapped_b64(WRAPPED, 76)
    assert len(lines) >= 4
    for line in lines:
        assert line not in text
    assert text.count("******") >= len(lines)


@pytest.mark.parametrize("width", [64, 76])
@pytest.mark.parametrize("engine", available_engines())
def test_wrapped_base64_lines_are_masked(width: int, engine: str) -> None:
    masker = Masker({"PEM": PEM, "WRAPPED": WRAPPED}, engine=engine)
    for value in (PEM, WRAPPED):
        # the first line of a PEM key's base64 is its armour and DER header: every key's
        lines = sorted(own_text(value, wrapped_b64(value, width)))
        masked = masker.mask("\n".join(lines)) + masker.mask(repr("\n".join(lines)))
        assert all(line not in masked for line in lines)


@pytest.mark.kernel
def test_the_pasted_value_is_not_in_the_flow_error(audited: Any) -> None:
    nb, _saved = audited
    text = NotebookRunner.text(nb, INDEX["pasted"])
    assert "caught FlowError" in text
    assert "Traceback" not in text


# -- the masker: truncated displays -----------------------------------------------------------

TRUNCATIONS = {
    "%whos": lambda v: f"long       str       {v[:25]}<...>{v[-25:]}",
    "%store": lambda v: f"long             -> {repr(v)[:50]}",
    "obj?": lambda v: f"String form: {v[:97]} <...> {v[-97:]}",
    "pandas": lambda v: f"0  {v[:47]}...",
    "head only": lambda v: v[:20] + "\n",
    "tail only": lambda v: "..." + v[-20:],
}


@pytest.mark.parametrize("engine", available_engines())
@pytest.mark.parametrize("how", list(TRUNCATIONS))
def test_truncated_display_of_a_long_secret_is_masked(how: str, engine: str) -> None:
    masker = Masker({"LONG": LONG, "SPECIAL": SPECIAL}, engine=engine)
    shown = TRUNCATIONS[how](LONG)
    masked = masker.mask(shown)
    assert "******" in masked
    for size in (8, 12):  # nothing of the value's own characters survives around the mask
        assert LONG[:size] not in masked and LONG[-size:] not in masked


@pytest.mark.parametrize("engine", available_engines())
def test_truncated_head_is_extended_as_far_as_the_value_goes(engine: str) -> None:
    masker = Masker({"LONG": LONG}, engine=engine)
    assert masker.mask("a " + LONG[:30] + "|b") == "a ******|b"
    found = masker.find(LONG[:30])
    assert [(m.start, m.end, m.name, m.kind) for m in found] == [(0, 30, "LONG", "truncated")]
    # inside a whole match, the head adds nothing
    assert {m.kind for m in masker.find(LONG)} == {"literal"}


def split_stream(masker: Masker, text: str, cut: int) -> str:
    stream = masker.stream()
    out = "".join(stream.write(c) + stream.drain() for c in (text[:cut], text[cut:]))
    return out + stream.flush()


WHOS = "x " + LONG[:25] + "<...>" + LONG[-25:] + " y\n"


@pytest.mark.parametrize("cut", [5, 20, 27])
def test_truncated_head_in_a_stream_split_inside_it(cut: int) -> None:
    masker = Masker({"LONG": LONG})
    assert split_stream(masker, WHOS, cut) == masker.mask(WHOS) == "x ******<...>****** y\n"


def test_truncated_tail_in_a_stream_split_before_its_last_16_characters() -> None:
    """Found in the audit: the part of a tail flushed before its last 16 characters arrived
    had already left unmasked; the stream now holds back an end that lies inside a long
    variant."""
    masker = Masker({"LONG": LONG})
    tail = WHOS.index("<...>") + 5
    assert split_stream(masker, WHOS, tail + 4) == "x ******<...>****** y\n"
    for cut in range(tail, len(WHOS) - 2):  # anywhere inside the tail
        assert split_stream(masker, WHOS, cut) == masker.mask(WHOS) == "x ******<...>****** y\n"


# -- dotenv: a torn multi-line value does not become a secret name ------------------------------

TORN = (
    "GOOD=plain-good-value-123\n"
    "PEM=-----BEGIN PRIVATE KEY-----\n"  # unquoted: the body lines are torn off
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "TWlkZGxlQm9keUxpbmU0Mg==\n"
    "Ag==\n"
    "-----END PRIVATE KEY-----\n"
    "apiKey=\n"
    'BROKEN="unbalanced-quote-value-Wq3\n'
    "NEXT=ok-value-4567\n"
)
TORN_FRAGMENTS = ["TWlkZGxlQm9keUxpbmU0Mg", "MIIEvQIBADANBgkq", "unbalanced-quote-value-Wq3"]


def test_encode_never_turns_a_torn_pem_line_into_a_name() -> None:
    """Found in the audit: `TWlk...Mg==` parsed as `TWlk...Mg=` + `=`, and was written as
    `SECRET_TWlk...Mg` (a key fragment as a secret name, listed by the panel and repr)."""
    result = encode_dotenv(TORN, path=".env")
    names = [e.key for e in result.entries]
    assert names == ["GOOD", "PEM", "apiKey", "NEXT"]
    messages = "\n".join(str(p) for p in [*result.problems, *result.notes])
    for fragment in TORN_FRAGMENTS:
        assert fragment.upper() not in (result.text + messages).upper()
    torn = [p for p in result.problems if "multi-line value" in p.message]
    assert [p.line for p in torn] == [4, 5]
    assert all(p.key is None for p in torn)


def test_a_mixed_case_name_with_an_empty_value_is_still_a_key() -> None:
    assert [e.key for e in encode_dotenv("apiKey=\nmyToken2=\n").entries] == ["apiKey", "myToken2"]
    assert parse_dotenv("apiKey=\n").as_dict() == {"apiKey": ""}


# -- the CLI: messages on bad input -------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kestra_nb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def test_cli_output_holds_no_value_on_bad_input(tmp_path: Path) -> None:
    (tmp_path / "torn.env").write_text(TORN, encoding="utf-8")
    # invalid base64 whose valid part decodes to a value: the value must never be shown
    partial = b64("partially-valid-Pz8") + "x"
    (tmp_path / ".env_encoded").write_text(
        f"SECRET_OK={b64(LONG)}\nSECRET_BAD={partial}\nSECRET_Q='{b64(SPECIAL)}'\n"
        'SECRET_UNBALANCED="abc\n',
        encoding="utf-8",
    )
    (tmp_path / "latin.env").write_bytes(b"SECRET_X=\xe9t\xe9-passw0rd\n")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(token)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"t={LONG[:30]}\n")]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "leaky.ipynb")
    runs = [
        run_cli("encode", "torn.env", cwd=tmp_path),
        run_cli("decode", ".env_encoded", cwd=tmp_path),
        run_cli("decode", "latin.env", cwd=tmp_path),
        run_cli("encode", "latin.env", cwd=tmp_path),
        run_cli("scan", "--env-file", ".env_encoded", "--format", "json", ".", cwd=tmp_path),
        run_cli("scan", "--env-file", ".env_encoded", "leaky.ipynb", cwd=tmp_path),
    ]
    streams = "\n".join(r.stdout + r.stderr for r in runs[1:])
    assert_clean(streams, [LONG, SPECIAL, "partially-valid-Pz8"])
    assert "passw0rd" not in streams
    encoded = runs[0]
    shown = encoded.stdout + encoded.stderr
    for fragment in TORN_FRAGMENTS:
        assert fragment.upper() not in shown.upper()
    assert "SECRET_GOOD=" in encoded.stdout  # it did convert what it could
    report = json.loads(runs[4].stdout)
    assert any(f["kind"] == "truncated" and f["secret"] == "OK" for f in report), report
    assert runs[5].returncode == 1


# -- reprs, messages, pickling ------------------------------------------------------------------


def test_reprs_and_messages_of_public_objects_hold_no_value(tmp_path: Path) -> None:
    from kestra_nb.flow import KestraFlow

    env = tmp_path / ".env_encoded"
    env.write_text(
        "".join(f"SECRET_{k}={b64(v)}\n" for k, v in FILE_SECRETS.items())
        + "SECRET_BAD=bm90IGJhc2U2NA==x\nENV_STAGE=dev\nPLAIN="
        + b64(LONG)
        + "\n",
        encoding="utf-8",
    )
    store = SecretStore()
    with pytest.warns(UserWarning):
        report = store.load_dotenv(env)
    decoded = decode_dotenv(env.read_text(), path=str(env))
    encoded = encode_dotenv("".join(f"{k}={json.dumps(v)}\n" for k, v in FILE_SECRETS.items()))
    masker = Masker(FILE_SECRETS)
    stream = masker.stream()
    stream.write(LONG[:30])
    flow = KestraFlow.from_yaml(
        "id: f\nnamespace: company.team\ntasks:\n  - id: t\n"
        "    type: io.kestra.plugin.core.log.Log\n    message: \"{{ secret('LONG') }}\"\n",
        secrets=store,
    )
    from kestra_nb.flow.inputs import resolve_inputs

    inputs = resolve_inputs(
        {"inputs": [{"id": "pw", "type": "SECRET"}, {"id": "n", "type": "INT"}]},
        {"pw": INPUT, "n": "42"},
    )
    assert inputs.secret_values == [INPUT]
    objects: list[object] = [store, report, decoded, encoded, masker, stream, flow, inputs]
    objects += [*report.problems, *decoded.problems, *encoded.entries]
    text = "\n".join(f"{obj!r}\n{obj!s}" for obj in objects)
    text += flow.to_yaml() + flow.html() + flow.text("both")
    assert_clean(text)
    assert "LONG" in repr(store) and "problems" in repr(report)
    with pytest.raises(TypeError) as info:
        pickle.dumps(store)
    assert_clean(str(info.value))


def test_a_value_pasted_into_a_flow_is_masked_in_its_flow_error() -> None:
    """Found in the audit: `Invalid type: <value>` quoted a pasted secret in `FlowError`."""
    store = SecretStore({"PASTED": PASTED})
    bad = f"id: f\nnamespace: company.team\ntasks:\n  - id: t\n    type: {PASTED}\n"
    from kestra_nb.flow import KestraFlow

    with pytest.raises(FlowError) as info:
        KestraFlow.from_yaml(bad, secrets=store)
    assert "Invalid type: ******" in str(info.value)
    assert_clean(str(info.value) + repr(info.value.problems), [PASTED])
    # Found in the audit: a secret given as the value of a plain input was rendered raw by
    # `{{ inputs.s }}`, and quoted (shortened) by the input's error message, in the flow's
    # errors, text, HTML and YAML: every value of the store is hidden there now.
    flow = (
        "id: f\nnamespace: company.team\ninputs:\n  - id: n\n    type: INT\n"
        "  - id: s\n    type: STRING\n"
        "tasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
        '    message: "{{ inputs.s }}"\n'
    )
    parsed = KestraFlow.from_yaml(flow, secrets={"LONG": LONG}, inputs={"n": LONG, "s": LONG})
    shown = str(parsed.errors) + parsed.text("both") + parsed.html("both") + repr(parsed)
    shown += parsed.to_yaml()
    assert "but received `******" in shown and "message: ******" in shown
    assert_clean(shown, [LONG])


# -- the engine (kestra_nb/pebble, owned elsewhere this round) ----------------------------------


# fixed by issue 12: a real-pass error is worded by the display pass (no value, no length)
def test_unmasked_render_error_does_not_reveal_a_secret_length() -> None:
    from kestra_nb.errors import RenderError
    from kestra_nb.pebble import Renderer

    renderer = Renderer(secrets=SecretStore({"LONG": LONG}))
    with pytest.raises(RenderError) as info:
        renderer.render("{{ secret('LONG') | slice(0, 1000) }}")
    assert str(len(LONG)) not in str(info.value)


# -- the panel: a value pasted into the wrong field ----------------------------------------------


@pytest.mark.parametrize("field", ["name_input", "filter"])
def test_a_value_pasted_into_a_text_field_is_cleared_from_widget_state(field: str) -> None:
    """Found in the audit: the name and filter fields are plain Text widgets; a known value
    pasted there by mistake stayed in the trait, so in the saved widget state."""
    from kestra_nb.notebook.panel import SecretsPanel
    from tests.test_panel import type_into, widget_state

    panel = SecretsPanel(store=SecretStore({"LONG": LONG, "SPECIAL": SPECIAL}))
    try:
        type_into(getattr(panel, field), f"  {LONG}\n")
        assert getattr(panel, field).value == ""
        assert "secret value" in panel.status.value
        state = widget_state(panel)
        assert_clean(state, [LONG, SPECIAL])
        type_into(panel.name_input, "LONG_TOKEN")  # a name is still a name
        assert panel.name_input.value == "LONG_TOKEN"
    finally:
        panel.close()


# -- dotenv error paths ---------------------------------------------------------------------------


def test_bad_macros_invalid_base64_and_collisions_name_keys_only(tmp_path: Path) -> None:
    from kestra_nb.errors import SecretStoreError

    env = tmp_path / ".env"
    env.write_text(
        'SECRET_A={{ "macro-value-Hq2x" | number }}\n'
        'SECRET_B={{ "macro-value-Hq3x" | nosuchfilter }}\n'
        'SECRET_C={{ "macro-value-Hq4x" | base64encode\n'
        f"SECRET_D={b64('partially-valid-Pz8')}x\n"
        f"SECRET_E=' {b64(SPECIAL)}'\n"
        f"SECRET_F=-{b64(LONG)}\n",
        encoding="utf-8",
    )
    store = SecretStore()
    with pytest.warns(UserWarning) as caught:
        report = store.load_dotenv(env)
    assert report.secret_names == []
    text = "\n".join([*(str(w.message) for w in caught), *(str(p) for p in report.problems)])
    text += repr(report)
    assert [p.key for p in report.problems] == [f"SECRET_{k}" for k in "ABCDEF"]
    assert_clean(text, [LONG, SPECIAL, "partially-valid-Pz8"])
    for fragment in ("macro-value", "Hq2x", "Hq3x", "Hq4x"):
        assert fragment not in text
    env.write_text(f"SECRET_tok={b64(LONG)}\nSECRET_TOK={b64(SPECIAL)}\n", encoding="utf-8")
    with pytest.raises(SecretStoreError) as info:
        store.load_dotenv(env)
    assert "SECRET_TOK" in str(info.value)
    assert_clean(str(info.value), [LONG, SPECIAL])


# -- shell-channel replies: the Shift+Tab tooltip ------------------------------------------------


@pytest.mark.kernel
def test_inspect_complete_and_user_expression_replies_are_masked(tmp_path: Path) -> None:
    """Found in the audit: `inspect_reply` (Shift+Tab, contextual help) showed a variable's
    string form raw: it is a reply, not cell output, so no output hook saw it."""
    from tests.kernel import _kernel_manager_class

    runner = NotebookRunner(tmp_path)
    manager = _kernel_manager_class()(kernel_name="python3")
    manager.start_kernel(env=runner.env({"SECRET_LONG": b64(LONG)}), cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive(
            "%load_ext kestra_nb\n"
            "from kestra_nb.notebook.extension import current\n"
            "long = current().store.get('LONG')\n"
            "table = {long: 1}",
            timeout=60,
        )
        replies = []
        client.inspect("long", 4, detail_level=0)
        replies.append(client.get_shell_msg(timeout=30)["content"])
        client.inspect("long", 4, detail_level=1)
        replies.append(client.get_shell_msg(timeout=30)["content"])
        client.complete("table[", 6)
        replies.append(client.get_shell_msg(timeout=30)["content"])
        client.execute("1", silent=True, user_expressions={"x": "long", "y": "long[:30]"})
        replies.append(client.get_shell_msg(timeout=30)["content"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = json.dumps(replies, ensure_ascii=False)
    assert "String form" in text and "user_expressions" in text
    assert "******" in json.dumps(replies[0])
    assert_clean(text, [LONG])


# -- the scanner: text in an output of an unknown type ---------------------------------------


def test_scan_finds_and_fixes_text_in_any_output_key(tmp_path: Path) -> None:
    """Found in the audit: the scanner read only the keys of the known output types, so a
    value under another key (an unknown output type, an extra string key) was missed."""
    from kestra_nb.scan import scan_paths

    path = tmp_path / "odd.ipynb"
    doc = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "metadata": {},
                "source": "print(1)",
                "outputs": [
                    {"output_type": "weird", "text": f"t={LONG}"},
                    {"output_type": "stream", "name": "stdout", "text": "ok", "note": LONG},
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = scan_paths([path], {"LONG": LONG})
    assert {(f.output, f.channel) for f in report.findings} == {(1, "text"), (2, "note")}
    scan_paths([path], {"LONG": LONG}, fix=True)
    fixed = path.read_text(encoding="utf-8")
    assert_clean(fixed, [LONG])
    assert "t=******" in fixed


def test_panel_preview_of_a_torn_value_shows_no_fragment() -> None:
    from kestra_nb.notebook.panel import preview_rows

    rows = preview_rows(encode_dotenv(TORN, path=".env"))
    shown = json.dumps(rows)
    for fragment in TORN_FRAGMENTS:
        assert fragment.upper() not in shown.upper()
    torn = [r for r in rows if r[2] == "part of an unquoted value"]
    assert [r[0] for r in torn] == [4, 5]
