"""The leak scanner core (`kestra_nb.scan`): every kind of leak found where it is, nothing else.

Notebooks are real: built with nbformat (each kind of leak planted on purpose) and executed
in a real kernel without the extension (print, display, error, widget state). `--fix` is
checked on the files it writes: nbformat validates them, the text around a leak survives,
sources are untouched and the `.bak` holds the original.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from kestra_nb.cli.common import exit_status
from kestra_nb.dotenv_codec import encode_dotenv
from kestra_nb.masking import secret_variants
from kestra_nb.scan import (
    Finding,
    Scanner,
    ScanReport,
    find_env_files,
    iter_files,
    load_secret_file,
    scan_paths,
    secrets_from_environ,
)
from tests.conftest import require_tool
from tests.kernel import NotebookRunner

API_KEY = "sk-live-4f9a8b7c6d5e"
DB_PASSWORD = 'pa"ss\\word&<x>42'
GREETING = "pässwörd-ünïcode"
PEM = "-----BEGIN TEST KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END TEST KEY-----"
SECRETS = {"API_KEY": API_KEY, "DB_PASSWORD": DB_PASSWORD, "GREETING": GREETING, "PEM": PEM}
WIDGET_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_PATH = f"metadata.widgets.{WIDGET_MIME}.state"


def variant(value: str, kind: str) -> str:
    """The text of one variant kind of `value` (as the masker registers it)."""
    for k, text in secret_variants(value):
        if k == kind:
            return text
    raise AssertionError(f"no {kind} variant")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def located(findings: list[Finding]) -> set[tuple[Any, ...]]:
    return {(f.cell, f.output, f.channel, f.secret, f.kind) for f in findings}


def planted_notebook() -> tuple[nbformat.NotebookNode, set[tuple[Any, ...]]]:
    """A notebook with one leak of each kind, and the findings expected for it."""
    nb = new_notebook()
    code = new_code_cell("import os\nprint(os.environ['TOKEN'])")
    code.outputs = [
        new_output("stream", name="stdout", text=f"connecting\ntoken={API_KEY}\ndone\n"),
        new_output("stream", name="stderr", text=f"SECRET_API_KEY={b64(API_KEY)}\n"),
        new_output(
            "execute_result",
            execution_count=1,
            data={"text/plain": f"'{variant(DB_PASSWORD, 'repr')}'"},
        ),
        new_output(
            "display_data",
            data={
                "text/html": f"<td>{variant(DB_PASSWORD, 'html')}</td>",
                "text/plain": "<IPython.core.display.HTML object>",
                "application/json": {"user": "me", "password": GREETING},
            },
        ),
        new_output(
            "error",
            ename="HTTPError",
            evalue=f"GET /login?pw={variant(DB_PASSWORD, 'percent')} failed",
            traceback=[
                "\x1b[0;31mHTTPError\x1b[0m  Traceback (most recent call last)",
                f'payload = {{"greeting": "{variant(GREETING, "json-ascii")}"}}',
            ],
        ),
    ]
    code.metadata["note"] = b64("user:" + API_KEY)  # base64 of a prefixed value
    source = new_code_cell(f'token = "{API_KEY}"\nprint(len(token))')
    markdown = new_markdown_cell("the key file: ![k](attachment:key.txt) ![p](attachment:p.png)")
    markdown.attachments = {
        "key.txt": {"text/plain": b64("key body: MIIBOgIBAAJBAKj34GkxFhD9\n")},
        "p.png": {"image/png": b64("\x89PNG not really an image")},
    }
    clean = new_code_cell("print('similar but harmless')")
    clean.outputs = [
        new_output(
            "stream",
            name="stdout",
            text=(
                'sk-live-4f9a8b7c6d5 SK-LIVE-4F9A8B7C6D5E pa"ss word '
                f"{b64('sk-live-0000000000')} passwörd -----BEGIN-----\n"
            ),
        )
    ]
    nb.cells = [code, source, markdown, clean]
    nb.metadata["widgets"] = {
        WIDGET_MIME: {
            "state": {
                "m1": {
                    "model_name": "PasswordModel",
                    "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0",
                    "state": {"value": PEM, "description": "key"},
                },
                "m2": {
                    "model_name": "LabelModel",
                    "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0",
                    "state": {"value": "ready"},
                },
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    expected = {
        (1, 1, "stdout", "API_KEY", "literal"),
        (1, 2, "stderr", "API_KEY", "base64"),
        (1, 3, "text/plain", "DB_PASSWORD", "repr"),
        (1, 4, "text/html", "DB_PASSWORD", "html"),
        (1, 4, "application/json.password", "GREETING", "literal"),
        (1, 5, "evalue", "DB_PASSWORD", "percent"),
        (1, 5, "traceback", "GREETING", "json-ascii"),
        (1, None, "metadata.note", "API_KEY", "base64-offset2"),
        (2, None, "source", "API_KEY", "literal"),
        (3, None, "attachments.key.txt.text/plain", "PEM", "line"),
        (None, None, f"{WIDGET_PATH}.m1.state.value", "PEM", "literal"),
    }
    # A multi-line secret is also found line by line (how a masker sees split output).
    expected |= {(None, None, f"{WIDGET_PATH}.m1.state.value", "PEM", "line")}
    nbformat.validate(nb)
    return nb, expected


def write_nb(path: Path, nb: nbformat.NotebookNode, *, ascii_json: bool = False) -> Path:
    if ascii_json:  # another writer: every non-ASCII character escaped, no indentation
        path.write_text(json.dumps(nb, ensure_ascii=True), encoding="utf-8")
    else:
        nbformat.write(nb, path)
    return path


# -- notebooks made with nbformat --------------------------------------------------------------


@pytest.mark.parametrize("ascii_json", [False, True], ids=["nbformat", "ascii-json"])
def test_every_planted_leak_is_found_and_nothing_else(tmp_path: Path, ascii_json: bool) -> None:
    nb, expected = planted_notebook()
    path = write_nb(tmp_path / "leaky.ipynb", nb, ascii_json=ascii_json)
    report = scan_paths([path], SECRETS)
    assert located(report.findings) == expected
    assert exit_status(report.outcome) == 1 and not report.errors
    by_channel = {f.channel: f for f in report.findings}
    assert by_channel["stdout"].line == 2  # line within the stream text
    assert by_channel["traceback"].line == 2  # second traceback entry
    assert by_channel["metadata.note"].line == 1
    assert not by_channel["source"].fixable and by_channel["stdout"].fixable


def test_clean_notebook_with_similar_text_has_no_findings(tmp_path: Path) -> None:
    nb, _ = planted_notebook()
    nb.cells = nb.cells[3:]  # only the look-alike cell
    nb.metadata.pop("widgets")
    report = scan_paths([write_nb(tmp_path / "clean.ipynb", nb)], SECRETS)
    assert report.findings == [] and exit_status(report.outcome) == 0
    assert report.files == [str(tmp_path / "clean.ipynb")]


def test_findings_never_hold_a_value(tmp_path: Path) -> None:
    nb, _ = planted_notebook()
    report = scan_paths([write_nb(tmp_path / "leaky.ipynb", nb)], SECRETS)
    dumped = json.dumps(report.to_json()) + "\n".join(f.describe(fix=True) for f in report.findings)
    for value in SECRETS.values():
        for _kind, text in secret_variants(value):
            assert text not in dumped


def test_a_secret_in_a_metadata_key_is_masked_in_the_channel_name(tmp_path: Path) -> None:
    nb = new_notebook()
    nb.metadata["cache"] = {API_KEY: {"hits": "3"}}
    report = scan_paths([write_nb(tmp_path / "k.ipynb", nb)], SECRETS)
    [finding] = report.findings
    assert finding.channel == "metadata.cache.****** (key)" and not finding.fixable
    assert API_KEY not in json.dumps(report.to_json())


def test_fix_masks_outputs_and_widget_state_keeps_sources_and_a_backup(tmp_path: Path) -> None:
    nb, expected = planted_notebook()
    path = write_nb(tmp_path / "leaky.ipynb", nb)
    path.chmod(0o644)
    original = path.read_bytes()
    report = scan_paths([path], SECRETS, fix=True)
    assert located(report.findings) == expected
    assert {f.channel for f in report.findings if not f.fixed} == {"source"}
    assert report.fixed == [(str(path), str(path) + ".bak")]
    assert Path(str(path) + ".bak").read_bytes() == original
    assert path.stat().st_mode & 0o777 == 0o644  # the notebook keeps its mode

    fixed = nbformat.read(path, as_version=4)
    nbformat.validate(fixed)
    outs = fixed.cells[0].outputs
    assert outs[0].text == "connecting\ntoken=******\ndone\n"
    assert outs[1].text == "SECRET_API_KEY=******\n"
    assert outs[3].data["text/html"] == "<td>******</td>"
    assert outs[3].data["application/json"] == {"user": "me", "password": "******"}
    assert outs[4].evalue == "GET /login?pw=****** failed"
    assert outs[4].traceback[0] == nb.cells[0].outputs[4].traceback[0]
    assert "******" in fixed.cells[0].metadata["note"]  # the bytes of the key are masked
    assert fixed.cells[1].source == nb.cells[1].source  # sources are never rewritten
    attachment = fixed.cells[2].attachments["key.txt"]["text/plain"]
    assert base64.b64decode(attachment).decode() == "key body: ******\n"
    assert fixed.cells[2].attachments["p.png"] == nb.cells[2].attachments["p.png"]
    assert fixed.cells[3] == nb.cells[3]
    state = fixed.metadata["widgets"][WIDGET_MIME]["state"]
    assert state["m1"]["state"] == {"value": "******", "description": "key"}
    assert state["m2"] == nb.metadata["widgets"][WIDGET_MIME]["state"]["m2"]

    # Formatting is kept: only the lines holding a leak changed.
    old_lines = original.decode().splitlines()
    new_lines = path.read_text().splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(o, n) for o, n in zip(old_lines, new_lines, strict=True) if o != n]
    payload = fixed.cells[2].attachments["key.txt"]["text/plain"]
    assert changed and all("******" in n or payload in n for _, n in changed)

    again = scan_paths([path], SECRETS)
    assert located(again.findings) == {(2, None, "source", "API_KEY", "literal")}


def test_fix_leaves_an_ascii_json_notebook_in_its_style(tmp_path: Path) -> None:
    nb, _ = planted_notebook()
    path = write_nb(tmp_path / "a.ipynb", nb, ascii_json=True)
    scan_paths([path], SECRETS, fix=True)
    text = path.read_text()
    assert text.isascii() and "\n" not in text and "******" in text
    nbformat.validate(nbformat.reads(text, as_version=4))


def test_fix_without_fixable_findings_does_not_write(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell(f"key = '{API_KEY}'")])
    path = write_nb(tmp_path / "src.ipynb", nb)
    report = scan_paths([path], SECRETS, fix=True)
    assert located(report.findings) == {(1, None, "source", "API_KEY", "literal")}
    assert report.fixed == [] and not Path(str(path) + ".bak").exists()


def test_invalid_notebook_json_is_scanned_as_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [ <<<<<<< HEAD\n "token=' + API_KEY + '"\n')
    report = scan_paths([path], SECRETS)
    assert located(report.findings) == {(None, None, "text", "API_KEY", "literal")}
    assert report.findings[0].line == 2
    assert report.skipped == [(str(path), "not valid notebook JSON; scanned as text")]


# -- the pre-check never changes a result --------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FF)
    | st.sampled_from('"\\/<>&\n\t\x1b\u2028é€😀'),
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    secret=st.text(min_size=4, max_size=24).filter(lambda s: s.strip() and "\x00" not in s),
    kind_index=st.integers(0, 30),
    before=_TEXT,
    after=_TEXT,
    ascii_json=st.booleans(),
    plant=st.booleans(),
)
def test_precheck_agrees_with_the_full_scan(
    tmp_path: Path,
    secret: str,
    kind_index: int,
    before: str,
    after: str,
    ascii_json: bool,
    plant: bool,
) -> None:
    """Any variant, in any text, written by any JSON writer: skipping never hides a leak."""
    variants = secret_variants(secret)
    kind, text = variants[kind_index % len(variants)]
    body = before + (text if plant else "") + after
    nb = new_notebook(cells=[new_code_cell("x")])
    nb.cells[0].outputs = [new_output("stream", name="stdout", text=body)]
    raw = (
        json.dumps(nb, ensure_ascii=True)
        if ascii_json
        else json.dumps(nb, indent=1, ensure_ascii=False)
    ).encode("utf-8", "surrogatepass")
    scanner = Scanner({"S": secret})
    full = Scanner({"S": secret}, precheck=False)
    fast, slow = ScanReport(), ScanReport()
    path = tmp_path / "p.ipynb"
    path.write_bytes(raw)
    scanner.scan_file(path, fast, fix=False)
    full.scan_file(path, slow, fix=False)
    assert fast.findings == slow.findings
    if plant:
        assert slow.findings, f"planted {kind} not found"


# -- plain files and walking ----------------------------------------------------------------------


def test_text_files_report_lines_and_binary_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        f"a: 1\nb: 2\ntoken: {b64(API_KEY)}\nc: 3\nkey: {API_KEY} {API_KEY}\n"
    )
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" + API_KEY.encode())
    (tmp_path / "ok.md").write_text("nothing here\n")
    report = scan_paths([tmp_path], SECRETS)
    assert [(Path(f.path).name, f.line, f.secret, f.kind) for f in report.findings] == [
        ("config.yaml", 3, "API_KEY", "base64"),
        ("config.yaml", 5, "API_KEY", "literal"),
    ]
    assert report.findings[0].describe().endswith("config.yaml:3: API_KEY (base64)")
    assert (str(tmp_path / "blob.bin"), "binary") in report.skipped
    assert len(report.files) == 3


def test_walk_outside_git_skips_tool_directories(tmp_path: Path) -> None:
    for d in (".git", ".venv", "node_modules", "src"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "leak.txt").write_text(API_KEY)
    found = sorted((p.relative_to(tmp_path).as_posix(), how) for p, how in iter_files([tmp_path]))
    assert found == [("src/leak.txt", "walk")]


def test_walk_in_a_git_tree_honours_gitignore(tmp_path: Path) -> None:
    git = require_tool("git", "directories in a git work tree are listed by git ls-files")
    subprocess.run([git, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored.txt\nbuild/\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "sub").mkdir()
    for name in ("ignored.txt", "build/out.txt", "sub/kept.txt", "tracked.txt"):
        (tmp_path / name).write_text(f"token {API_KEY}\n")
    subprocess.run([git, "add", "tracked.txt"], cwd=tmp_path, check=True)
    report = scan_paths(tmp_path, SECRETS, exclude=[tmp_path / "tracked.txt"])
    # tracked.txt is "a secret source" here, but git would commit it: it is reported.
    assert sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in report.findings) == [
        "sub/kept.txt",
        "tracked.txt",
    ]
    # A file named explicitly is scanned even when ignored (pre-commit passes names).
    assert exit_status(scan_paths([tmp_path / "ignored.txt"], SECRETS).outcome) == 1
    # A subdirectory lists its own files only.
    sub = scan_paths([tmp_path / "sub"], SECRETS)
    assert [Path(f.path).name for f in sub.findings] == ["kept.txt"]


def test_missing_paths_are_errors_and_secret_sources_are_skipped(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"API_KEY={API_KEY}\n")
    report = scan_paths([tmp_path, tmp_path / "nope"], SECRETS, exclude=[env])
    assert report.findings == [] and exit_status(report.outcome) == 2
    assert report.errors == [f"{tmp_path / 'nope'}: no such file or directory"]
    assert (str(env), "secret source") in report.skipped


def test_no_secrets_reads_nothing_and_is_clean(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text("not even json")
    report = scan_paths([tmp_path], {})
    assert exit_status(report.outcome) == 0 and report.secrets == 0 and len(report.files) == 1


def test_short_secrets_are_noted_not_searched(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("abc abc abc\n")
    report = scan_paths([tmp_path], {"TINY": "abc"})
    assert report.findings == [] and report.secrets == 0
    assert report.notes == ["secret TINY is shorter than 4 characters: not looked for"]


# -- where secrets come from --------------------------------------------------------------------


def test_env_files_are_told_apart_by_content(tmp_path: Path) -> None:
    plain = tmp_path / ".env"
    quoted = DB_PASSWORD.replace("\\", "\\\\").replace('"', '\\"')
    plain.write_text(f'API_KEY={API_KEY}\nDB_PASSWORD="{quoted}"\n')
    encoded = tmp_path / ".env_encoded"
    encoded.write_text(encode_dotenv(plain.read_text()).text + "ENV_REGION=eu\n")
    p = load_secret_file(plain)
    e = load_secret_file(encoded)
    assert not p.encoded and dict(p.pairs) == {"API_KEY": API_KEY, "DB_PASSWORD": DB_PASSWORD}
    assert e.encoded and dict(e.pairs) == {"API_KEY": API_KEY, "DB_PASSWORD": DB_PASSWORD}
    # SECRET_-prefixed plaintext is a plain file: every value is a candidate.
    odd = tmp_path / "odd.env"
    odd.write_text(f"SECRET_API_KEY={API_KEY}\n")
    o = load_secret_file(odd)
    assert not o.encoded and dict(o.pairs) == {"SECRET_API_KEY": API_KEY}
    # One entry left unencoded in an .env_encoded: Kestra drops it, the scan still looks.
    mixed = tmp_path / "mixed.env"
    mixed.write_text(f"SECRET_API_KEY={b64(API_KEY)}\nSECRET_RAW=hunter2-plain!\n")
    m = load_secret_file(mixed)
    assert m.encoded and dict(m.pairs) == {"API_KEY": API_KEY, "SECRET_RAW": "hunter2-plain!"}
    assert any("SECRET_RAW: not base64, looked for as written" in p for p in m.problems)
    assert not any("hunter2" in p for p in m.problems)


def test_env_files_are_found_from_the_directory_upward(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (tmp_path / ".env").write_text("X=1\n")
    (tmp_path / "a" / ".env_encoded").write_text(f"SECRET_X={b64(API_KEY)}\n")
    assert find_env_files(deep) == [tmp_path / "a" / ".env_encoded"]
    assert find_env_files(tmp_path) == [tmp_path / ".env"]


def test_secrets_from_environ_decode_like_kestra() -> None:
    env = {"SECRET_API_KEY": b64(API_KEY), "SECRET_BAD": "not base64!", "HOME": "/root"}
    found = secrets_from_environ(env)
    assert found.pairs == [("API_KEY", API_KEY)]
    assert len(found.problems) == 1 and "SECRET_BAD" in found.problems[0]


# -- notebooks executed in a real kernel, without the extension ----------------------------------

OTHER = "label-text-9f8e7d6c5b"

KERNEL_CELLS = [
    "import os\nprint('token:', os.environ['MY_TOKEN'])",
    "from IPython.display import HTML, display\n"
    "display(HTML('<i>' + os.environ['MY_TOKEN'] + '</i>'))",
    "os.environ['MY_TOKEN']",
    "raise ValueError('bad token ' + os.environ['MY_TOKEN'])",
    "import ipywidgets as w\n"
    "pw = w.Password(value=os.environ['MY_TOKEN'])\n"
    "label = w.Label(value=os.environ['OTHER'])\n"
    "display(w.VBox([pw, label]))",
    "print({k: v for k, v in os.environ.items() if k.startswith('SECRET_')})",
    "print('sk-live-' + '4f9a8b7c6d5', ('sk-live-' + '4f9a8b7c6d5e').upper())",
    f"key = {API_KEY!r}\nprint(len(key))",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cells above run once in a real kernel (no kestra_nb), saved as a notebook."""
    work = tmp_path_factory.mktemp("kernel")
    runner = NotebookRunner(work)
    env = {"MY_TOKEN": API_KEY, "OTHER": OTHER, "SECRET_API_KEY": b64(API_KEY)}
    runner.run(KERNEL_CELLS, env=env, save_as="executed.ipynb")
    return work / "executed.ipynb"


@pytest.mark.kernel
def test_leaks_of_a_real_kernel_are_found_where_they_are(executed: Path, tmp_path: Path) -> None:
    nb = nbformat.read(executed, as_version=4)
    assert "widgets" in nb.metadata, "nbclient saved no widget state"
    secrets = {"API_KEY": API_KEY, "OTHER": OTHER}
    report = scan_paths([executed], secrets)
    found = located(report.findings)
    must = {
        (1, 1, "stdout", "API_KEY", "literal"),
        (2, 1, "text/html", "API_KEY", "literal"),
        (3, 1, "text/plain", "API_KEY", "literal"),
        (4, 1, "evalue", "API_KEY", "literal"),
        (4, 1, "traceback", "API_KEY", "literal"),
        (6, 1, "stdout", "API_KEY", "base64"),
        (8, None, "source", "API_KEY", "literal"),
    }
    assert must <= found
    widget = {f for f in found if f[0] is None}
    assert {(f[3], f[4]) for f in widget} == {("API_KEY", "literal"), ("OTHER", "literal")}
    assert all(f[2].startswith(WIDGET_PATH) and f[2].endswith(".state.value") for f in widget)
    # Nothing else: each extra finding must be an output really holding the value
    # (e.g. a widget's text/plain repr), never the look-alike cell 7.
    for f in found - must - widget:
        cell, out = f[0], f[1]
        assert cell not in (7,) and out is not None, f
        assert secrets[f[3]] in json.dumps(nb.cells[cell - 1].outputs[out - 1]), f
    assert not [f for f in found if f[0] == 7]


@pytest.mark.kernel
def test_fix_on_a_real_kernel_notebook(executed: Path, tmp_path: Path) -> None:
    path = tmp_path / "run.ipynb"
    path.write_bytes(executed.read_bytes())
    secrets = {"API_KEY": API_KEY, "OTHER": OTHER}
    report = scan_paths([path], secrets, fix=True)
    assert exit_status(report.outcome) == 1 and report.fixed
    fixed = nbformat.read(path, as_version=4)
    nbformat.validate(fixed)
    assert fixed.cells[0].outputs[0].text == "token: ******\n"
    assert fixed.cells[3].outputs[0].evalue == "bad token ******"
    assert [c.source for c in fixed.cells] == KERNEL_CELLS
    state = fixed.metadata["widgets"][WIDGET_MIME]["state"]
    values = [m["state"].get("value") for m in state.values() if "value" in m["state"]]
    assert values.count("******") == 2
    again = scan_paths([path], secrets)
    assert located(again.findings) == {(8, None, "source", "API_KEY", "literal")}
    assert os.path.exists(str(path) + ".bak")


def test_an_encoded_file_with_colliding_names_is_still_scanned_for_both(tmp_path: Path) -> None:
    """Names colliding once upper-cased would stop Kestra; the scanner still looks for both
    values (they are the ones to find) and says why the file is odd; a value that decodes
    to garbage is looked for as written, once."""
    import base64

    def b64(v: str) -> str:
        return base64.b64encode(v.encode()).decode()

    env = tmp_path / ".env_encoded"
    env.write_text(
        f"SECRET_tok={b64('first-fake-token')}\nSECRET_TOK={b64('second-fake-token')}\n"
        f"SECRET_OK={b64('third-fake-token')}\nSECRET_RAW=hunter2secretvalue\n"
    )
    loaded = load_secret_file(env)
    values = sorted(v for _, v in loaded.pairs)
    assert values == sorted(
        ["first-fake-token", "second-fake-token", "third-fake-token", "hunter2secretvalue"]
    )
    assert any("collid" in p for p in loaded.problems), loaded.problems
    (tmp_path / "out.txt").write_text("x second-fake-token y\n")
    report = scan_paths([tmp_path / "out.txt"], loaded.pairs)
    assert [(f.secret, f.kind) for f in report.findings] == [("TOK", "literal")]
