"""The masking gaps of issue 14, each leaked on purpose in a real kernel (nbclient).

Bytes in display data and metadata, binary mimetypes, a numeric secret in JSON, a value split
across pygments' `<span>`s, `%notebook`, a 4-character secret's base64 at every offset, and
`obj?`'s `Length:`. Both the notebook as it comes back (the live output) and the saved files
(the executed `.ipynb` and the one `%notebook` writes) must hold no form of any secret.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nbformat
import pytest

from kestra_nb.masking import secret_variants
from kestra_nb.masking.variants import find_short_base64, short_base64_forms
from tests.kernel import NotebookRunner

pytestmark = pytest.mark.kernel

TOKEN = "tok-S3CR3T/VALUE\t+123&<é>x"  # the tab splits pygments' tokens
PIN = "87654321"
SHORT = "pa55"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


ENV = {"SECRET_TOKEN": _b64(TOKEN), "SECRET_PIN": _b64(PIN), "SECRET_SHORT": _b64(SHORT)}

CELLS = [
    "%load_ext kestra_nb",
    "import base64, json\n"
    "from IPython.display import Code, JSON, display\n"
    "from kestra_nb.notebook.session import current\n"
    "store = current().store\n"
    "tok, pin, short = store.get('TOKEN'), store.get('PIN'), store.get('SHORT')\n"
    f"PNG = {PNG!r}",
    # bytes in a text mimetype and in metadata: base64-encoded by jupyter_client on the way out
    "display({'text/plain': 'bytes', 'application/x-kestra': tok.encode()}, raw=True,"
    " metadata={'note': b'before ' + tok.encode()})",
    # binary mimetypes: bytes, and base64 text
    "display({'image/png': PNG + tok.encode(), 'text/plain': 'an image'}, raw=True)\n"
    "display({'application/pdf': base64.b64encode(b'%PDF-1.4 ' + tok.encode()).decode()},"
    " raw=True)",
    # a numeric secret as a number in JSON
    "display(JSON({'pin': int(pin), 'ok': 1}))\n"
    "display({'application/json': {'pin': int(pin), 'f': float(pin)}}, raw=True)",
    # pygments splits a repr across <span>s in text/html
    "display(Code(repr(tok), language='python'))",
    # a 4-character secret in base64 at byte offsets 0, 1 and 2, in both alphabets
    "for pre in (b'', b'u', b'us', b'user:', b'ab:'):\n"
    "    for post in (b'', b'!', b'xy'):\n"
    "        raw = pre + short.encode() + post\n"
    "        b64, url = base64.b64encode(raw), base64.urlsafe_b64encode(raw)\n"
    "        print('Basic', b64.decode(), url.decode())",
    # obj? help: no Length
    "info = get_ipython().inspector.info(tok, 'tok')\n"
    "print('length shown:', info.get('length') is not None)\n"
    "bundle = get_ipython().object_inspect_mime('tok')\n"
    "print('Length field:', 'Length' in bundle['text/plain'])",
    "tok?",
    "print(tok); tok",
    # history: %notebook writes IPython's record of the outputs
    "%notebook history.ipynb\n%history -o -n 1-12",
]


def _forbidden() -> list[str]:
    forms = {text for value in (TOKEN, PIN) for _, text in secret_variants(value)}
    forms.add(_b64(TOKEN))
    forms.add(base64.b64encode(PNG + TOKEN.encode()).decode())
    forms.add(base64.b64encode(TOKEN.encode()).decode())
    forms.add(SHORT)
    return sorted(forms)


def _leaks(text: str) -> list[str]:
    found = [form for form in _forbidden() if form in text]
    # the 4-character value decoded out of any base64 in the text, at any offset
    short = find_short_base64(text, short_base64_forms(SHORT))
    found += [f"base64 of SHORT at {start}" for start, _, _ in short]
    return found


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    workdir = tmp_path_factory.mktemp("gaps")
    nb = NotebookRunner(workdir).run(CELLS, env=ENV, timeout=120)
    return nb, workdir


def test_live_output_holds_no_form(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    for index, cell in enumerate(nb.cells):
        text = json.dumps(cell.get("outputs", []), ensure_ascii=False)
        assert not _leaks(text), (index, _leaks(text))
        # JSON escaping of non-ASCII: also checked with \\u escapes
        assert not _leaks(json.dumps(cell.get("outputs", []))), index


def test_saved_notebooks_hold_no_form(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    _, workdir = executed
    for name in ("executed.ipynb", "history.ipynb"):
        text = (workdir / name).read_text(encoding="utf-8")
        assert not _leaks(text), (name, _leaks(text))
        assert not _leaks(json.dumps(json.loads(text))), name


def test_binary_outputs_withheld_with_a_note(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    outputs = nb.cells[3].outputs
    assert len(outputs) == 2
    for out in outputs:
        assert "image/png" not in out.data and "application/pdf" not in out.data
        assert "withheld by kestra_nb" in out.data["text/plain"]


def test_bytes_masked_before_serialisation(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    (out,) = nb.cells[2].outputs
    assert out.data["text/plain"] == "bytes"
    # the bytes arrive base64-encoded: decoded, they are the masked text
    assert base64.b64decode(out.data["application/x-kestra"]) == b"******"
    assert base64.b64decode(out.metadata["note"]) == b"before ******"


def test_numeric_secret_masked_in_json(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    first, second = nb.cells[4].outputs
    assert first.data["application/json"] == {"pin": "******", "ok": 1}
    assert second.data["application/json"] == {"pin": "******", "f": "******"}


def test_highlighted_code_falls_back_to_plain(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    (out,) = nb.cells[5].outputs
    assert "text/latex" not in out.data  # pygments' LaTeX reveals the value: dropped
    assert out.data["text/plain"] == "'******'"
    assert "S3CR3T" not in json.dumps(out)


def test_short_secret_base64_at_every_offset(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    text = NotebookRunner.text(nb, 6)
    assert text.count("Basic ") == 15
    assert text.count("******") >= 30  # each line: both alphabets masked


def test_help_hides_the_length(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, _ = executed
    assert NotebookRunner.text(nb, 7) == "length shown: False\nLength field: False\n"


def test_history_outputs_masked(executed: tuple[nbformat.NotebookNode, Path]) -> None:
    nb, workdir = executed
    saved = nbformat.read(workdir / "history.ipynb", as_version=4)
    shown = json.dumps([c.get("outputs", []) for c in saved.cells], ensure_ascii=False)
    assert "******" in shown  # the outputs are there, masked
    history = NotebookRunner.text(nb, 10)
    assert "******" in history and TOKEN not in history
