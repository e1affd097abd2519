"""The secrets panel without a browser: every button driven, every comm message captured.

The browser's side of the widget protocol is played by sending the messages a frontend
sends (`update` with the typed value or the uploaded file as a binary buffer, `custom`
click events) to the widgets' `_handle_msg`. Every message the kernel side publishes
(comm_open with the full state, updates, echoes) is recorded by a comm that stands in for
ipykernel's, as ipywidgets' own tests do; the tests assert that no message, and no state from
`ipywidgets.embed.embed_data`, contains any variant of any secret value.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import os
import stat
import time
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import comm
import ipywidgets
import pytest
from comm import DummyComm
from ipywidgets.embed import embed_data

from kestra_nb.dotenv_codec import decode_dotenv
from kestra_nb.notebook.panel import SecretsPanel, name_problem, preview_rows
from kestra_nb.pebble import Renderer
from kestra_nb.secrets import SecretStore
from tests.kernel import NotebookRunner

# Distinctive values: none is a substring of anything the panel shows by itself.
ADDED = "Zq8-hunter2-Wv4!sEcReT"
UPLOADED = "tok_5fX9qLr2Jm7Hc0Vb"
MULTILINE = "-----BEGIN KEY-----\nMIIBxyzQ0wV3rT8pLk\n-----END KEY-----"
FROM_FILE = "filevalue-Yp3Ks9Tn"
SECRETS = [ADDED, UPLOADED, MULTILINE, FROM_FILE]


def variants(value: str) -> set[str]:
    """The value and encodings of it that could end up in a message (>= 6 characters)."""
    out = {value}
    try:
        from kestra_nb.masking import secret_variants

        out |= {text for _kind, text in secret_variants(value)}
    except ImportError:  # the masker is someone else's module; keep our own list as well
        pass
    raw = value.encode()
    for shift in range(3):
        chunk = raw[shift:]
        out.add(base64.b64encode(chunk).decode().rstrip("="))
        out.add(base64.urlsafe_b64encode(chunk).decode().rstrip("="))
    out |= {
        raw.hex(),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        html.escape(value),
    }
    out |= {line.strip() for line in value.splitlines()}
    return {v for v in out if len(v) >= 6}


class CapturingComm(DummyComm):
    """A comm that records every message it would publish (open, update, echo, close)."""

    log: ClassVar[list[tuple[str, Any, list[bytes]]]] = []
    ids: ClassVar[dict[int, str]] = {}  # id(data) -> comm_id of the message

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        blobs = [bytes(b) for b in (buffers or [])]
        CapturingComm.log.append((msg_type, data, blobs))
        CapturingComm.ids[id(data)] = self.comm_id


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any, list[bytes]]]]:
    """Every comm message the widgets publish during the test."""
    CapturingComm.log = []
    CapturingComm.ids = {}
    monkeypatch.setattr(comm, "create_comm", lambda **kw: CapturingComm(**kw))
    yield CapturingComm.log


def blob(messages: list[tuple[str, Any, list[bytes]]]) -> str:
    """All messages as one text (JSON data plus binary buffers) to search."""
    parts = []
    for kind, data, buffers in messages:
        parts.append(kind + json.dumps(data, ensure_ascii=False, default=str))
        parts.extend(b.decode("latin-1") for b in buffers)
        parts.extend(b.decode("utf-8", "replace") for b in buffers)
    return "\n".join(parts)


def assert_clean(text: str, secrets: list[str] = SECRETS) -> None:
    for secret in secrets:
        for variant in variants(secret):
            assert variant not in text, f"a variant of a secret value leaked: {variant[:3]}..."


def widget_state(panel: SecretsPanel) -> str:
    """What a notebook would save: the manager state of every widget of the panel."""
    return json.dumps(embed_data(views=[panel.widget])["manager_state"], ensure_ascii=False)


# -- the browser's side of the protocol ----------------------------------------------------
def type_into(widget: ipywidgets.Widget, value: str) -> None:
    widget._handle_msg(
        {"content": {"data": {"method": "update", "state": {"value": value}}}, "buffers": []}
    )


def click(button: ipywidgets.Button) -> None:
    button._handle_msg(
        {"content": {"data": {"method": "custom", "content": {"event": "click"}}}, "buffers": []}
    )


def submit(widget: ipywidgets.Text) -> None:
    """Enter in a text field: the frontend sends a `submit` event (before the value)."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": {"event": "submit"}}}, "buffers": []}
    )


def upload(widget: ipywidgets.FileUpload, name: str, content: bytes) -> None:
    state = {
        "value": [
            {"name": name, "type": "", "size": len(content), "last_modified": 0, "content": None}
        ]
    }
    widget._handle_msg(
        {
            "content": {
                "data": {
                    "method": "update",
                    "state": state,
                    "buffer_paths": [["value", 0, "content"]],
                }
            },
            "buffers": [memoryview(content)],
        }
    )


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- add -------------------------------------------------------------------------------------
def test_add_takes_the_value_out_of_every_trait_and_message(
    messages: list[Any], workdir: Path
) -> None:
    store = SecretStore()
    seen: list[str] = []
    store.subscribe(lambda name, value: seen.append(name))
    panel = SecretsPanel(store, path=workdir / ".env_encoded")
    type_into(panel.name_input, "db_password")
    assert "stored as DB_PASSWORD" in panel.name_hint.value
    type_into(panel.value_input, ADDED)
    # cleared the moment it arrived, before the click
    assert panel.value_input.value == ""
    assert "click Add secret" in panel.value_hint.value
    click(panel.add_button)
    assert store.get("DB_PASSWORD") == ADDED
    assert seen == ["DB_PASSWORD"]  # subscribers (the masker) were told
    assert panel.value_input.value == "" and panel.name_input.value == ""
    assert panel.status.value.startswith("Added DB_PASSWORD")
    shown = [(r.name.value, r.source.value, r.mask.value, r.snippet.value) for r in panel.rows]
    assert ("DB_PASSWORD", "this session", "******", "{{ secret('DB_PASSWORD') }}") in shown
    text = blob(messages)
    assert "DB_PASSWORD" in text  # the capture works: the name did travel
    assert_clean(text)
    assert_clean(widget_state(panel))
    assert_clean(repr(panel))
    # the Password model gets exactly one update from the kernel: its value cleared
    pw_id = panel.value_input.comm.comm_id
    to_password = [
        d for k, d, _ in messages if k == "comm_msg" and CapturingComm.ids[id(d)] == pw_id
    ]
    assert to_password == [{"method": "update", "state": {"value": ""}, "buffer_paths": []}]


def test_the_password_field_is_synced_on_blur_only_and_never_echoed(messages: list[Any]) -> None:
    panel = SecretsPanel(SecretStore(), path="x")
    assert panel.value_input.continuous_update is False
    assert panel.value_input.trait_metadata("value", "echo_update") is False
    assert isinstance(panel.value_input, ipywidgets.Password)


def test_name_is_validated_as_typed(messages: list[Any]) -> None:
    store = SecretStore({"API_KEY": FROM_FILE})
    panel = SecretsPanel(store, path="x")
    for typed, expected, ok in [
        ("api key", "not a valid env-file name", False),
        ("a@b", "not a valid env-file name", False),
        ("api_key", "is API_KEY once upper-cased, which exists: Add replaces it", True),
        ("API_KEY", "API_KEY exists: Add replaces it", True),
        ("my.key", "work in Docker env files but not in a shell", True),
        ("NEW_ONE", "", True),
    ]:
        type_into(panel.name_input, typed)
        assert expected in panel.name_hint.value, typed
        assert name_problem(typed, store.names())[1] is ok, typed
    # Add refuses a bad name and keeps the value hidden (not in a trait) for a retry
    type_into(panel.name_input, "bad name")
    type_into(panel.value_input, ADDED)
    click(panel.add_button)
    assert "Not added" in panel.status.value
    assert store.names() == ["API_KEY"]
    assert panel.value_input.value == ""
    type_into(panel.name_input, "good_name")
    click(panel.add_button)
    assert store.get("GOOD_NAME") == ADDED
    # nothing typed: a clear message, nothing stored
    type_into(panel.name_input, "EMPTY")
    click(panel.add_button)
    assert "type a value for EMPTY" in panel.status.value
    assert "EMPTY" not in store
    assert_clean(blob(messages))
    assert_clean(widget_state(panel))


def test_forget_drops_a_typed_value(messages: list[Any]) -> None:
    store = SecretStore()
    panel = SecretsPanel(store, path="x")
    type_into(panel.value_input, ADDED)
    click(panel.forget_button)
    assert panel.status.value == "Typed value dropped"
    type_into(panel.name_input, "LATER")
    click(panel.add_button)
    assert "LATER" not in store
    assert_clean(blob(messages))


def test_enter_in_the_value_field_adds_and_clears_a_stale_refusal(
    messages: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SecretStore()
    panel = SecretsPanel(store, path="x")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # no on_submit
        # Enter with no name: refused, the value held
        submit(panel.value_input)
        type_into(panel.value_input, ADDED)
        assert panel.status.value == "Not added: type a name first"
        assert panel.value_input.value == "" and "held" in panel.value_hint.value
        type_into(panel.name_input, "first")  # acting on the refusal clears it
        assert panel.status.value == ""
        submit(panel.name_input)  # Enter in the name field adds the value held
        assert store.get("FIRST") == ADDED
        assert panel.status.value.startswith("Added FIRST")
        # Enter in the value field: the submit event comes first, then the value
        type_into(panel.name_input, "second")
        submit(panel.value_input)
        type_into(panel.value_input, UPLOADED)
        assert store.get("SECOND") == UPLOADED
        assert panel.status.value.startswith("Added SECOND") and panel.value_hint.value == ""
        # a blur (no Enter) only stages the value; Enter on the emptied field then adds it
        type_into(panel.name_input, "third")
        type_into(panel.value_input, FROM_FILE)
        assert "THIRD" not in store and "press Enter" in panel.value_hint.value
        submit(panel.value_input)
        assert store.get("THIRD") == FROM_FILE
        # an Enter on an empty field long ago does not make a later blur add
        type_into(panel.name_input, "fourth")
        submit(panel.value_input)
        later = time.monotonic() + 60
        monkeypatch.setattr(time, "monotonic", lambda: later)
        type_into(panel.value_input, MULTILINE)
        assert "FOURTH" not in store and panel._staged is not None
    # the Password model got one update per value from the kernel: the value cleared
    updates = _updates_of(messages, panel.value_input)
    assert updates == [{"method": "update", "state": {"value": ""}, "buffer_paths": []}] * 4
    assert_clean(blob(messages))
    assert_clean(widget_state(panel))


def test_upload_has_a_tooltip_shows_the_file_name_and_hides_the_stale_count(
    messages: list[Any], workdir: Path
) -> None:
    panel = SecretsPanel(SecretStore(), path=workdir / ".env_encoded")
    assert panel.upload.tooltip and "null" not in str(panel.upload.tooltip)
    assert "kestra-upload" in panel.upload._dom_classes
    css = panel.widget.children[0].value
    assert css.startswith("<style>") and ".kestra-upload::after" in css
    assert "table.kestra-preview th" in css and "padding" in css
    upload(panel.upload, "team.env", f"API_TOKEN={UPLOADED}\n".encode())
    assert panel.upload.value == () and panel.upload_name.value == "uploaded team.env"
    assert "<th>value</th><th>status</th><th>detail</th>" in panel.preview.value
    assert_clean(blob(messages))


# -- list ------------------------------------------------------------------------------------
def test_a_thousand_secrets_are_paged_filtered_and_deletable(messages: list[Any]) -> None:
    store = SecretStore({f"KEY_{i:04d}": f"value-{i:04d}-Qx7" for i in range(1000)})
    panel = SecretsPanel(store, path="x")
    visible = [r.name.value for r in panel.rows if r.current]
    assert visible == [f"KEY_{i:04d}" for i in range(25)]
    assert panel.page_label.value == "1–25 of 1000 (page 1/40)"
    assert panel.prev_button.disabled and not panel.next_button.disabled
    click(panel.next_button)
    assert panel.rows[0].name.value == "KEY_0025"
    click(panel.prev_button)
    assert panel.rows[0].name.value == "KEY_0000"
    type_into(panel.filter, "key_09")
    assert panel.page_label.value == "1–25 of 100 (page 1/4)"
    assert "(100 matching)" in panel.title.value
    for _ in range(10):
        click(panel.next_button)
    assert panel.page_label.value == "76–100 of 100 (page 4/4)"
    assert panel.next_button.disabled
    assert [r.current for r in panel.rows][-1] == "KEY_0999"
    click(panel.rows[-1].delete)
    assert "KEY_0999" not in store and len(store) == 999
    assert panel.status.value.startswith("Deleted KEY_0999")
    assert panel.page_label.value == "76–99 of 99 (page 4/4)"
    assert panel.rows[-1].box.layout.display == "none"
    type_into(panel.filter, "nothing-like-this")
    assert panel.empty_label.value == "No name matches."
    # the rows are reused: 25 row widgets whatever the store size
    assert len(panel.rows) == 25
    text = blob(messages)
    assert_clean(text, [f"value-{i:04d}-Qx7" for i in range(0, 1000, 37)])


def test_the_list_follows_adds_made_elsewhere(messages: list[Any]) -> None:
    store = SecretStore()
    panel = SecretsPanel(store, path="x")
    assert panel.empty_label.value == "No secrets yet."
    store.add("ELSEWHERE", FROM_FILE)
    assert panel.rows[0].name.value == "ELSEWHERE"
    assert "<b>Kestra secrets</b>: 1 " in panel.title.value


def _updates_of(messages: list[Any], widget: ipywidgets.Widget) -> list[Any]:
    """The updates the kernel sent for one widget (one per redraw for the title)."""
    comm_id = widget.comm.comm_id
    return [d for k, d, _ in messages if k == "comm_msg" and CapturingComm.ids[id(d)] == comm_id]


def test_a_file_loaded_elsewhere_is_drawn_once_and_derived_values_add_no_row(
    messages: list[Any], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = workdir / "big.env_encoded"
    big.write_text(_encoded(**{f"KEY_{i:03d}": f"value-{i:03d}-Hk5" for i in range(200)}))
    store = SecretStore()
    told: list[str] = []
    store.subscribe(lambda name, value: told.append(name))
    panel = SecretsPanel(store, path=workdir / ".env_encoded")
    redraws: list[int] = []  # the real refresh, counted
    real_refresh = panel.refresh
    monkeypatch.setattr(panel, "refresh", lambda: (redraws.append(1), real_refresh())[1])
    before = len(_updates_of(messages, panel.title))  # the first draw

    def drawn() -> tuple[int, int]:
        """(refresh calls, title updates sent to the browser) so far."""
        return len(redraws), len(_updates_of(messages, panel.title)) - before

    async def cell() -> list[tuple[int, int]]:
        """Code running in a kernel: the loop runs between cells and widget actions."""
        seen = []
        store.load_dotenv(big)  # as `%kestra_env big.env_encoded` does
        seen.append(drawn())
        await asyncio.sleep(0)  # the cell ends
        seen.append(drawn())
        store.add("DB", json.dumps({"user": "app", "password": ADDED}))
        await asyncio.sleep(0)
        seen.append(drawn())
        rendered = Renderer(secrets=store).render("{{ secret('DB', subkey='password') }}")
        assert rendered == ADDED
        await asyncio.sleep(0)
        seen.append(drawn())
        return seen

    assert asyncio.run(cell()) == [(0, 0), (1, 1), (2, 2), (2, 2)]
    assert told[-1] == "DB.password"  # the store did tell its subscribers about the field
    assert "<b>Kestra secrets</b>: 201 " in panel.title.value
    assert panel.page_label.value == "1–25 of 201 (page 1/9)"
    assert [r.current for r in panel.rows][:2] == ["DB", "KEY_000"]
    type_into(panel.filter, "DB")
    assert [r.current for r in panel.rows if r.current] == ["DB"]  # no DB.password row
    # without an event loop (a plain script) each add is drawn at once
    store.add("LATER", FROM_FILE)
    assert len(redraws) == 4  # the filter, then the add
    assert_clean(blob(messages), [ADDED, "value-007-Hk5"])


# -- convert ---------------------------------------------------------------------------------
ENV_TEXT = (
    "# a comment\n"
    f"API_TOKEN={UPLOADED}\n"
    f'PEM="{MULTILINE}"\n'
    "NO_VALUE\n"
    "ENCODED=aGVsbG8gd29ybGQ=\n"
    "bad@key=1\n"
    "'unterminated\n"
)


def test_upload_is_cleared_at_once_previewed_and_written(
    messages: list[Any], workdir: Path
) -> None:
    store = SecretStore()
    target = workdir / ".env_encoded"
    panel = SecretsPanel(store, path=target)
    upload(panel.upload, ".env", ENV_TEXT.encode())
    assert panel.upload.value == ()
    preview = panel.preview.value
    for expected in [
        "API_TOKEN",
        "PEM",
        "no value",
        "looks already encoded",
        "unsafe key",
        "unparseable line",
        "******",
    ]:
        assert expected in preview, expected
    assert "Previewed uploaded .env: 3 to write" in panel.status.value
    assert panel._pending is not None
    assert [(line, key, status) for line, key, status, _ in preview_rows(panel._pending)] == [
        (2, "API_TOKEN", "ok"),
        (3, "PEM", "ok"),
        (6, "NO_VALUE", "no value"),
        (7, "ENCODED", "looks already encoded"),
        (8, "(key hidden)", "unsafe key"),
        (9, "(key hidden)", "unparseable line 9"),
    ]
    click(panel.write_button)
    assert target.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    decoded = decode_dotenv(target.read_text())
    assert decoded.ok
    assert decoded.secrets == {
        "API_TOKEN": UPLOADED,
        "PEM": MULTILINE,
        "ENCODED": "aGVsbG8gd29ybGQ=",
    }
    assert panel.status.value.startswith("Wrote 3 secrets to .env_encoded (mode 0600)")
    assert panel.preview.value == ""
    # written secrets are loaded, sourced from the file, and the file is now the bound one
    assert store.get("API_TOKEN") == UPLOADED
    assert Path(store.source_of("API_TOKEN")) == target
    assert panel.path == target
    text = blob(messages)
    assert ".env" in text
    assert_clean(text)
    assert_clean(widget_state(panel))


def test_an_existing_target_needs_confirmation_and_keeps_a_backup(
    messages: list[Any], workdir: Path
) -> None:
    target = workdir / "out.env_encoded"
    target.write_text("SECRET_OLD=b2xk\n")
    src = workdir / "cfg" / "my.env"
    src.parent.mkdir()
    src.write_text(f"API_TOKEN={UPLOADED}\n")
    panel = SecretsPanel(SecretStore(), path=target)
    type_into(panel.env_path, str(src))
    click(panel.preview_button)
    assert panel.target.value == "cfg/.env_encoded"  # beside the source
    type_into(panel.target, str(target))
    click(panel.write_button)
    assert panel.confirm_box.layout.display == ""
    assert panel.status.value == (
        "out.env_encoded exists: choose Merge or Replace "
        "(Merge keeps its other 1 secret, Replace drops them)"
    )
    assert target.read_text() == "SECRET_OLD=b2xk\n"
    click(panel.cancel_button)
    assert panel.confirm_box.layout.display == "none"
    assert target.read_text() == "SECRET_OLD=b2xk\n"
    click(panel.write_button)
    click(panel.replace_button)
    assert decode_dotenv(target.read_text()).secrets == {"API_TOKEN": UPLOADED}
    backup = target.with_name(target.name + ".bak")
    assert backup.read_text() == "SECRET_OLD=b2xk\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "kept as out.env_encoded.bak" in panel.status.value
    # Write again with nothing pending
    click(panel.write_button)
    assert panel.status.value.startswith("Nothing to write")
    assert_clean(blob(messages))


def _encoded(**secrets: str) -> str:
    return "".join(
        f"SECRET_{k}={base64.b64encode(v.encode()).decode()}\n" for k, v in secrets.items()
    )


def test_writing_over_the_bound_file_says_what_happens_and_merges_by_default(
    messages: list[Any], workdir: Path
) -> None:
    bound = workdir / ".env_encoded"
    bound.write_text(
        "# team secrets\n"
        + _encoded(KEEP=FROM_FILE, API_TOKEN="old-Tq2", GONE="gone-Lp8")
        + "ENV_X=1\n"
    )
    store = SecretStore()
    store.load_dotenv(bound)
    panel = SecretsPanel(store, path=bound)
    click(next(r for r in panel.rows if r.current == "GONE").delete)  # Save not clicked yet
    upload(panel.upload, ".env", f"api_token={UPLOADED}\nPEM='{MULTILINE}'\n".encode())
    click(panel.write_button)
    assert bound.read_text().startswith("# team secrets\nSECRET_KEEP=")  # nothing written yet
    assert panel.confirm_box.layout.display == ""
    assert panel.status.value == (
        ".env_encoded exists: choose Merge or Replace "
        "(Merge keeps its other 2 secrets, Replace drops them)"
    )
    said = html.unescape(panel.confirm_label.value)
    assert ".env_encoded</b> exists with 3 secrets." in said
    assert (
        "<b>Merge</b> (recommended) updates 1 secret (API_TOKEN), adds 1 (PEM), keeps 2 "
        "(KEEP, GONE) and every other line" in said
    )
    assert (
        "<b>Replace</b> writes the converted .env alone: drops 2 secrets (KEEP, GONE) and "
        "1 other entry" in said
    )
    # Merge is the default: first and the primary button
    buttons = panel.confirm_box.children[1].children
    assert buttons[0] is panel.merge_button and panel.merge_button.button_style == "primary"
    assert panel.replace_button.button_style == "danger"
    click(panel.merge_button)
    assert panel.confirm_box.layout.display == "none"
    text = bound.read_text()
    assert text.startswith("# team secrets\nSECRET_KEEP=") and "ENV_X=1\n" in text
    assert decode_dotenv(text).secrets == {
        "KEEP": FROM_FILE,
        "API_TOKEN": UPLOADED,
        "GONE": "gone-Lp8",
        "PEM": MULTILINE,
    }
    assert panel.status.value == (
        "Merged 2 secrets into .env_encoded (mode 0600); previous file kept as "
        ".env_encoded.bak; loaded 4 secrets from .env_encoded; 1 deleted here stay deleted "
        "until Save"
    )
    # the deletion made before the merge is still pending, not undone by reading the file
    assert store.names() == ["API_TOKEN", "KEEP", "PEM"]
    assert [r.current for r in panel.rows if r.current] == ["API_TOKEN", "KEEP", "PEM"]
    assert store.get("KEEP") == FROM_FILE and store.get("API_TOKEN") == UPLOADED
    assert {Path(store.source_of(n)) for n in store.names()} == {bound}
    assert decode_dotenv(bound.with_name(".env_encoded.bak").read_text()).secrets == {
        "KEEP": FROM_FILE,
        "API_TOKEN": "old-Tq2",
        "GONE": "gone-Lp8",
    }
    click(panel.save_button)
    assert panel.status.value.startswith("Saved 0 secrets, removed 1 in .env_encoded")
    assert sorted(decode_dotenv(bound.read_text()).secrets) == ["API_TOKEN", "KEEP", "PEM"]
    assert_clean(blob(messages), [*SECRETS, "gone-Lp8", "old-Tq2"])
    assert_clean(widget_state(panel), [*SECRETS, "gone-Lp8", "old-Tq2"])


def test_replace_drops_the_rest_and_no_write_loses_an_older_backup(
    messages: list[Any], workdir: Path
) -> None:
    bound = workdir / ".env_encoded"
    original = _encoded(KEEP=FROM_FILE, OTHER="other-Wm3")
    bound.write_text(original)
    store = SecretStore()
    store.load_dotenv(bound)
    panel = SecretsPanel(store, path=bound)
    upload(panel.upload, ".env", f"API_TOKEN={UPLOADED}\n".encode())
    click(panel.write_button)
    assert "drops 2 secrets (KEEP, OTHER)" in panel.confirm_label.value
    click(panel.replace_button)
    assert decode_dotenv(bound.read_text()).secrets == {"API_TOKEN": UPLOADED}
    assert store.names() == ["API_TOKEN"]  # what left the file left the store
    assert panel.status.value.startswith("Wrote 1 secret to .env_encoded (mode 0600)")
    backup = workdir / ".env_encoded.bak"
    assert backup.read_text() == original
    # a second Replace keeps the first backup (the original) under a new name
    upload(panel.upload, ".env", f"PEM='{MULTILINE}'\n".encode())
    click(panel.write_button)
    click(panel.replace_button)
    assert decode_dotenv(bound.read_text()).secrets == {"PEM": MULTILINE}
    older = workdir / ".env_encoded.bak.1"
    assert older.read_text() == original
    assert decode_dotenv(backup.read_text()).secrets == {"API_TOKEN": UPLOADED}
    assert "(older backup moved to .env_encoded.bak.1)" in panel.status.value
    # Save does the same; an older backup equal to the current file is not copied again
    type_into(panel.name_input, "ADDED")
    type_into(panel.value_input, ADDED)
    click(panel.add_button)
    click(panel.save_button)
    assert (workdir / ".env_encoded.bak.2").read_text() != backup.read_text()
    assert decode_dotenv(backup.read_text()).secrets == {"PEM": MULTILINE}
    assert sorted(p.name for p in workdir.iterdir()) == [
        ".env_encoded",
        ".env_encoded.bak",
        ".env_encoded.bak.1",
        ".env_encoded.bak.2",
    ]
    assert older.read_text() == original
    assert_clean(blob(messages))
    assert_clean(widget_state(panel))


def test_collisions_refuse_the_write(messages: list[Any], workdir: Path) -> None:
    src = workdir / ".env"
    src.write_text(f"api_key={UPLOADED}\nAPI_KEY={FROM_FILE}\n")
    panel = SecretsPanel(SecretStore(), path=workdir / ".env_encoded")
    type_into(panel.env_path, str(src))
    click(panel.preview_button)
    assert "collision" in panel.preview.value
    rows = preview_rows(panel._pending)
    assert [(line, key, status) for line, key, status, _ in rows] == [
        (1, "api_key", "ok (nothing written: collisions)"),
        (2, "API_KEY", "collision"),
    ]
    assert "refused" in panel.status.value
    click(panel.write_button)
    assert "Not written" in panel.status.value
    assert not (workdir / ".env_encoded").exists()
    assert_clean(blob(messages))


def test_keys_that_may_be_values_are_hidden_in_the_preview(messages: list[Any]) -> None:
    from kestra_nb.dotenv_codec import encode_dotenv

    result = encode_dotenv("ghp_Ab12Cd34Ef56Gh78Ij90\nMiXeDcAsE=1\nGOOD=2\n")
    rows = preview_rows(result)
    keys = [key for _line, key, _status, _detail in rows]
    assert keys == ["(key hidden)", "(key hidden)", "GOOD"]
    assert rows[0][2] == "no value"


def test_bad_inputs_give_one_status_line(messages: list[Any], workdir: Path) -> None:
    panel = SecretsPanel(SecretStore(), path=workdir / ".env_encoded")
    click(panel.preview_button)
    assert panel.status.value == "Type the path of a .env first"
    type_into(panel.env_path, str(workdir / "missing.env"))
    click(panel.preview_button)
    assert panel.status.value.startswith("Error:") and "missing.env" in panel.status.value
    type_into(panel.env_path, str(workdir))
    click(panel.preview_button)
    assert "is a directory" in panel.status.value
    upload(panel.upload, "bin.env", b"A=\xff\xfe\n")
    assert panel.status.value == "Error: uploaded bin.env: not UTF-8 text (byte 2)"
    assert panel.upload.value == ()
    # a target in a missing directory: an OSError on the status line, not a traceback
    upload(panel.upload, ".env", f"T={UPLOADED}\n".encode())
    type_into(panel.target, str(workdir / "no" / "such" / "dir" / ".env_encoded"))
    click(panel.write_button)
    assert panel.status.value.startswith("Error:")
    assert "\n" not in panel.status.value
    assert_clean(blob(messages))


def test_a_fifo_is_refused_everywhere_and_never_opened(messages: list[Any], workdir: Path) -> None:
    """Opening a FIFO for reading would block the kernel: each action says what it is."""
    fifo = workdir / "pipe.env"
    os.mkfifo(fifo)
    said = f"{fifo}: is a FIFO (named pipe), not a regular file"
    panel = SecretsPanel(SecretStore(), path=fifo)
    click(panel.reload_button)
    assert panel.status.value == f"Error: {said}"
    type_into(panel.env_path, str(fifo))
    click(panel.preview_button)
    assert panel.status.value == f"Error: {said}"
    upload(panel.upload, ".env", f"T={UPLOADED}\n".encode())
    type_into(panel.target, str(fifo))
    click(panel.write_button)
    assert panel.status.value == f"Error: {said}"
    type_into(panel.name_input, "TYPED")
    type_into(panel.value_input, ADDED)
    click(panel.add_button)
    click(panel.save_button)
    assert panel.status.value == f"Error: {said}"
    assert sorted(p.name for p in workdir.iterdir()) == ["pipe.env"]
    assert_clean(blob(messages))


# -- save / reload ---------------------------------------------------------------------------
def test_save_updates_the_file_in_place_and_reload_reads_it(
    messages: list[Any], workdir: Path
) -> None:
    bound = workdir / ".env_encoded"
    b64 = base64.b64encode(FROM_FILE.encode()).decode()
    bound.write_text(f"# keep me\nSECRET_KEEP={b64}\nSECRET_DROP={b64}\nOTHER=x\n")
    os.chmod(bound, 0o600)
    store = SecretStore()
    store.load_dotenv(bound)
    panel = SecretsPanel(store, path=bound)
    assert {r.current: r.source.value for r in panel.rows if r.current} == {
        "DROP": ".env_encoded",
        "KEEP": ".env_encoded",
    }
    click(panel.save_button)
    assert panel.status.value.startswith("Nothing to save")
    type_into(panel.name_input, "added")
    type_into(panel.value_input, ADDED)
    click(panel.add_button)
    drop_row = next(r for r in panel.rows if r.current == "DROP")
    click(drop_row.delete)
    assert "Save removes it from the file" in panel.status.value
    click(panel.save_button)
    assert panel.status.value.startswith("Saved 1 secret, removed 1")
    lines = bound.read_text().splitlines()
    assert lines[:3] == ["# keep me", f"SECRET_KEEP={b64}", "OTHER=x"]
    assert decode_dotenv(bound.read_text()).secrets == {"KEEP": FROM_FILE, "ADDED": ADDED}
    assert stat.S_IMODE(bound.stat().st_mode) == 0o600
    assert Path(store.source_of("ADDED")) == bound
    # someone edits the file; Reload picks the change up and forgets what left the file
    bound.write_text(f"SECRET_NEW={b64}\n")
    click(panel.reload_button)
    assert store.names() == ["NEW"]
    assert panel.status.value.startswith("Reloaded .env_encoded: loaded 1 secret")
    bound.unlink()
    click(panel.reload_button)
    assert "no such file" in panel.status.value
    assert_clean(blob(messages))
    assert_clean(widget_state(panel))


def test_reload_reports_bad_entries_by_key_not_value(messages: list[Any], workdir: Path) -> None:
    bound = workdir / ".env_encoded"
    bound.write_text(f"SECRET_BAD={UPLOADED}-_\nSECRET_OK=b2s=\n")
    store = SecretStore()
    panel = SecretsPanel(store, path=bound)
    click(panel.reload_button)
    assert store.names() == ["OK"]
    assert "1 skipped" in panel.status.value and "SECRET_BAD" in panel.status.value
    assert_clean(blob(messages))


def test_close_closes_every_widget(messages: list[Any]) -> None:
    panel = SecretsPanel(SecretStore(), path="x")
    type_into(panel.value_input, ADDED)
    widgets = panel.widgets
    assert len(widgets) > 50
    panel.close()
    assert all(x.comm is None for x in widgets)
    assert panel._staged is None
    panel.store.add("AFTER_CLOSE", FROM_FILE)  # the closed panel no longer follows the store
    assert panel.rows[0].name.value == ""


# -- in a real kernel, with the extension ---------------------------------------------------
@pytest.mark.kernel
def test_in_a_kernel_the_panel_uses_the_extension_and_the_saved_notebook_is_clean(
    run_notebook: NotebookRunner,
) -> None:
    conf = run_notebook.workdir / "conf"
    conf.mkdir()
    env_b64 = base64.b64encode(FROM_FILE.encode()).decode()
    (conf / ".env_encoded").write_text(f"# project secrets\nSECRET_FROM_FILE={env_b64}\n")
    frontend = (
        "def type_into(w, v):\n"
        "    w._handle_msg({'content': {'data': {'method': 'update', 'state': {'value': v}}},"
        " 'buffers': []})\n"
        "def click(b):\n"
        "    b._handle_msg({'content': {'data': {'method': 'custom', 'content':"
        " {'event': 'click'}}}, 'buffers': []})\n"
    )
    nb = run_notebook.run(
        [
            "%load_ext kestra_nb",
            "%kestra_env conf/.env_encoded",
            frontend,
            "%kestra_secrets",
            "import os\n"
            "from kestra_nb import SecretsPanel\n"
            "from kestra_nb.notebook.extension import current\n"
            "panel = SecretsPanel()\n"
            "assert panel.store is current().store\n"
            "print(panel.path.relative_to(os.getcwd()))\n"
            "panel",
            "type_into(panel.name_input, 'typed')\n"
            "type_into(panel.value_input, os.environ['PANEL_TYPED'])\n"
            "click(panel.add_button)\nprint(panel.status.value)",
            "print(current().store.get('TYPED'))",
            "other = SecretsPanel(store=__import__('kestra_nb').SecretStore(), path='o')\n"
            "type_into(other.name_input, 'OTHER')\n"
            "type_into(other.value_input, os.environ['PANEL_OTHER'])\n"
            "click(other.add_button)\nprint(other.store.get('OTHER'))",
            "click(panel.save_button)\nprint(panel.status.value)\n"
            "print(sorted((r.current, r.source.value) for r in panel.rows if r.current))",
        ],
        env={"PANEL_TYPED": ADDED, "PANEL_OTHER": UPLOADED},  # the values stay out of sources
    )
    text = NotebookRunner.text
    assert "application/vnd.jupyter.widget-view+json" in json.dumps(nb.cells[3].outputs)
    assert text(nb, 4).startswith("conf/.env_encoded"), text(nb, 4)  # the file loaded last
    assert text(nb, 5).startswith("Added TYPED"), text(nb, 5)
    assert text(nb, 6).strip() == "******"  # the extension's masker learnt the value
    assert text(nb, 7).strip() == "******"  # a panel on another store registers it too
    saved_line, rows = text(nb, 8).strip().splitlines()
    assert saved_line.startswith("Saved 1 secret in conf/.env_encoded"), saved_line
    assert rows == "[('FROM_FILE', 'conf/.env_encoded'), ('TYPED', 'conf/.env_encoded')]"
    encoded = (conf / ".env_encoded").read_text()
    assert encoded.startswith("# project secrets\n")
    assert decode_dotenv(encoded).secrets == {"FROM_FILE": FROM_FILE, "TYPED": ADDED}
    widgets = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert any(m["model_name"] == "PasswordModel" for m in widgets.values())
    saved = (run_notebook.workdir / "executed.ipynb").read_text()
    assert "TYPED" in saved
    assert_clean(saved)


@pytest.mark.kernel
def test_in_a_kernel_a_file_loaded_by_a_magic_is_drawn_once(run_notebook: NotebookRunner) -> None:
    """The batching relies on the kernel's event loop running between cells: check it does."""
    big = run_notebook.workdir / "big.env_encoded"
    big.write_text(_encoded(**{f"KEY_{i:03d}": f"value-{i:03d}-Hk5" for i in range(200)}))
    nb = run_notebook.run(
        [
            "%load_ext kestra_nb",
            "from kestra_nb import SecretsPanel\n"
            "panel = SecretsPanel()\n"
            "redraws = []\n"
            "panel.title.observe(lambda change: redraws.append(1), names='value')\n"
            "panel",
            "%kestra_env big.env_encoded\nprint('in the cell', len(redraws))",
            "print('after the cell', len(redraws), panel.page_label.value)",
        ]
    )
    text = NotebookRunner.text
    assert "in the cell 0" in text(nb, 2), text(nb, 2)
    assert text(nb, 3).strip() == "after the cell 1 1–25 of 200 (page 1/8)", text(nb, 3)


def test_an_unexpected_error_is_one_status_line_not_a_traceback(messages: list[Any]) -> None:
    class BrokenStore(SecretStore):
        def add(self, key: str, value: str, *, source: str = "session") -> None:
            raise RuntimeError(f"boom {value}")  # a bug that would print the value

    panel = SecretsPanel(BrokenStore(), path="x")
    type_into(panel.name_input, "NAME")
    type_into(panel.value_input, ADDED)
    click(panel.add_button)  # does not raise
    assert panel.status.value == "Error: unexpected RuntimeError in _on_add"
    assert_clean(blob(messages))
