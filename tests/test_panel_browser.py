"""The secrets panel in a real JupyterLab, driven through Debian's Chromium by Playwright.

One user session from start to end: open a notebook, `%load_ext kestra_nb`, `%kestra_secrets`,
type a name and a value, Add, use the secret in a `%%kestra_flow` cell, upload a `.env`,
Write, Save, save the notebook with widget state saving switched on, and then check the
files on disk: the `.ipynb` (widget state included) and everything else beside it hold no
variant of any secret value, and the `.env_encoded` decodes to exactly what was typed and
uploaded. Screenshots of the panel and of the flow cell go to `docs/` for the README; one of
the converter's preview goes to `<tmp>/shots/preview.png` for a look.

Checked in the real page (issue 16): Enter in the Value field adds the secret; a refusal on
the status line is cleared by the next action, not left beside a success; the Upload
button has a real tooltip, its stale "(0)" counter is hidden and the file's name shown;
the preview table's headers and columns stand apart.
"""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import nbformat
import pytest

from kestra_nb.dotenv_codec import decode_dotenv
from tests.browser import jupyterlab
from tests.conftest import ROOT, require_tool
from tests.test_panel import assert_clean

pytestmark = pytest.mark.browser

TYPED = "Br0wser-typed-V4lue!Qz"
UPLOADED = {"UP_TOKEN": "up-token-9Kd2Lm7Xw", "UP_PASSWORD": "p@ss w0rd=with spaces"}
FLOW = """%%kestra_flow
id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: ada
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}, the token is {{ secret('BROWSER_TOKEN') }}"
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: https://api.example.com/items
    headers:
      Authorization: "Basic {{ (inputs.user ~ ':' ~ secret('BROWSER_TOKEN')) | base64encode }}"
"""
WAIT = 30_000  # ms: generous, for a loaded CI machine


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext kestra_nb"),
        nbformat.v4.new_code_cell("%kestra_secrets"),
        nbformat.v4.new_code_cell(FLOW),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, path)


# for each row of a table (header row included): the horizontal gap in px between the text
# of each cell and that of the next (text extents, not cell boxes, so padding counts)
_TEXT_GAPS = """t => [...t.rows].map(row => {
    const rects = [...row.cells].map(c => {
        const r = document.createRange(); r.selectNodeContents(c);
        return r.getBoundingClientRect();
    });
    return rects.slice(1)
        .map((r, i) => (r.width && rects[i].width ? Math.round(r.left - rects[i].right) : null))
        .filter(gap => gap !== null);
})"""


def _saved_widget_state(path: Path, deadline: float) -> dict[str, dict[str, object]]:
    """The widget state of the notebook on disk, once JupyterLab has saved it."""
    while True:
        try:
            nb = json.loads(path.read_text())
        except ValueError:  # caught half-written
            nb = {}
        state = nb.get("metadata", {}).get("widgets", {})
        state = state.get("application/vnd.jupyter.widget-state+json", {}).get("state")
        if state:
            return dict(state)
        if time.monotonic() > deadline:
            raise AssertionError("the notebook was saved without widget state")
        time.sleep(0.2)


def test_panel_in_jupyterlab_leaves_no_secret_in_the_saved_notebook(tmp_path: Path) -> None:
    chromium = require_tool("chromium", "the real-browser test drives Debian's Chromium")
    from playwright.sync_api import expect, sync_playwright

    root = tmp_path / "notebooks"
    root.mkdir()
    notebook = root / "panel.ipynb"
    _notebook(notebook)
    upload = tmp_path / "upload" / ".env"  # outside the served directory
    upload.parent.mkdir()
    upload.write_text("".join(f'{k}="{v}"\n' for k, v in UPLOADED.items()))
    docs = ROOT / "docs"
    shots = tmp_path / "shots"

    with jupyterlab(root) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(lab.lab_url(notebook.name))
            expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=WAIT)

            # run `%load_ext kestra_nb` and `%kestra_secrets`
            page.locator(".jp-Cell").first.click()
            page.keyboard.press("Shift+Enter")
            page.keyboard.press("Shift+Enter")
            panel = page.locator(".kestra-secrets-panel")
            expect(panel).to_be_visible(timeout=WAIT)

            # Add with no name: refused; typing the name clears the refusal
            panel.get_by_role("button", name="Add secret").click()
            refused = panel.get_by_text("Not added: type a name first")
            expect(refused).to_be_visible(timeout=WAIT)
            panel.get_by_placeholder("API_KEY").fill("browser_token")
            expect(panel.get_by_text("stored as BROWSER_TOKEN")).to_be_visible(timeout=WAIT)
            expect(refused).to_have_count(0, timeout=WAIT)
            # add a secret by hand, with Enter in the Value field
            password = panel.locator("input[type=password]")
            password.fill(TYPED)
            password.press("Enter")
            expect(panel.get_by_text("Added BROWSER_TOKEN")).to_be_visible(timeout=WAIT)
            expect(password).to_have_value("")
            expect(panel.get_by_text("Not added")).to_have_count(0)
            row = panel.locator(".kestra-secret-row", has_text="BROWSER_TOKEN")
            expect(row).to_contain_text("{{ secret('BROWSER_TOKEN') }}")
            expect(row).to_contain_text("******")

            # use it in a flow cell
            flow = page.locator(".jp-Cell").nth(2)
            flow.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            output = flow.locator(".jp-OutputArea-output").first
            expect(output).to_be_visible(timeout=WAIT)
            expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=WAIT)
            flow_text = flow.locator(".jp-OutputArea").inner_text()
            assert "Traceback" not in flow_text and "Error" not in flow_text, flow_text[:500]
            assert "Cannot find secret" not in flow_text
            assert "******" in flow_text and TYPED not in flow_text  # resolved, shown masked
            # a value computed from the secret is marked as such, not computed on `******`
            assert "Basic ****** (computed from BROWSER_TOKEN)" in flow_text
            flow.screenshot(path=str(docs / "flow.png"))

            # convert an uploaded .env and write it
            button = panel.locator(".kestra-upload")
            assert button.get_attribute("title") == (
                "Choose a .env: it is read once and cleared from the widget at once"
            )
            with page.expect_file_chooser() as chooser:
                panel.get_by_role("button", name="Upload .env").click()
            chooser.value.set_files(str(upload))
            expect(panel.get_by_text("Previewed uploaded .env: 2 to write")).to_be_visible(
                timeout=WAIT
            )
            preview = panel.locator(".kestra-preview")
            for key in UPLOADED:
                expect(preview).to_contain_text(key)
            # the built-in "(0)" is hidden; the label is drawn by CSS, the file name beside it
            assert button.evaluate("e => getComputedStyle(e).fontSize") == "0px"
            label = button.evaluate("e => getComputedStyle(e, '::after').content")
            assert label == '"Upload .env"', label
            expect(panel.locator(".kestra-upload-name")).to_have_text("uploaded .env")
            # headers and columns stand apart: a gap between the text of neighbouring cells
            gaps = preview.evaluate(_TEXT_GAPS)
            assert gaps and min(min(row) for row in gaps) >= 10, gaps
            assert preview.evaluate("t => getComputedStyle(t.querySelector('th')).textAlign") in (
                "left",
                "start",
            )
            shots.mkdir(exist_ok=True)
            top, table = button.bounding_box(), preview.bounding_box()
            assert top is not None and table is not None
            page.screenshot(  # the upload row down to the end of the preview
                path=str(shots / "preview.png"),
                clip={
                    "x": min(top["x"], table["x"]) - 8,
                    "y": top["y"] - 8,
                    "width": max(table["width"], 900) + 16,
                    "height": table["y"] + table["height"] - top["y"] + 16,
                },
            )
            panel.get_by_role("button", name="Write .env_encoded").click()
            expect(panel.get_by_text("Wrote 2 secrets")).to_be_visible(timeout=WAIT)

            # save the typed secret into the same file
            panel.get_by_role("button", name="Save").click()
            expect(panel.get_by_text("Saved 1 secret")).to_be_visible(timeout=WAIT)
            expect(panel.locator(".kestra-secret-row:visible")).to_have_count(3)
            panel.screenshot(path=str(docs / "panel.png"))

            # save the notebook, widget state included
            page.keyboard.press("Escape")
            page.keyboard.press("Control+s")
            state = _saved_widget_state(notebook, time.monotonic() + WAIT / 1000)
        finally:
            browser.close()

    # JupyterLab saves each model's state without default values: an empty field has none
    models = {m["model_name"]: m["state"] for m in state.values()}
    assert models["PasswordModel"].get("value", "") == ""
    assert models["FileUploadModel"].get("value", []) == []
    assert "BROWSER_TOKEN" in json.dumps(state)  # the saved state is the panel's
    # The notebook, its checkpoint and anything else JupyterLab wrote hold no secret
    secrets = [TYPED, *UPLOADED.values()]
    checked = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith(".env_encoded"):
            assert_clean(path.read_text(errors="replace"), secrets)
            checked += 1
    assert checked >= 1
    saved = notebook.read_text()
    assert "BROWSER_TOKEN" in saved and "UP_TOKEN" in saved  # the names are there
    encoded = root / ".env_encoded"
    assert stat.S_IMODE(encoded.stat().st_mode) == 0o600
    decoded = decode_dotenv(encoded.read_text())
    assert decoded.ok
    assert decoded.secrets == {**UPLOADED, "BROWSER_TOKEN": TYPED}
