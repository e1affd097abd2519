"""The convert section: a plain `.env` (uploaded, or read by path) previewed as keys and
statuses, then written as a `.env_encoded`; over an existing file, Merge (the default) or
Replace after a confirmation that names what each would do.

An uploaded file is read and the FileUpload value cleared at once; the converted entries
are held in a Python attribute until Write, never in a trait.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as w

from ...atomic import backups_of, resolve_target, write_atomic
from ...dotenv_codec import (
    SECRET_PREFIX,
    EncodeResult,
    encode_dotenv,
    parse_dotenv,
    read_dotenv_text,
    showable_key,
    update_encoded_file,
)
from ...files import read_bytes
from ...text import plural
from .common import (
    ENCODED_NAME,
    Host,
    Section,
    absolute,
    backup_note,
    button,
    guarded,
    same_file,
    short,
)
from .preview import preview_html, preview_rows

__all__ = ["ConvertSection", "WritePlan"]

_NAMES_SHOWN = 6  # names listed in the Write confirmation before "and N more"
_UPLOAD_LABEL = "Upload .env"
# FileUpload shows "<description> (<number of files held>)" and its value is cleared the
# moment a file arrives (a value never stays in widget state), so the count would read
# "(0)" for ever: the button's own text is hidden and its label drawn by CSS instead, and
# the name of the file read is shown beside it. The preview table gets readable columns.
_CSS = (
    ".kestra-secrets-panel .kestra-upload{font-size:0 !important}"
    ".kestra-secrets-panel .kestra-upload>i{font-size:var(--jp-widgets-font-size,13px);"
    "margin-right:6px}"
    f'.kestra-secrets-panel .kestra-upload::after{{content:"{_UPLOAD_LABEL}";'
    "font-size:var(--jp-widgets-font-size,13px)}"
    ".kestra-secrets-panel table.kestra-preview{border-collapse:collapse;margin:4px 0 6px}"
    ".kestra-secrets-panel table.kestra-preview th,"
    ".kestra-secrets-panel table.kestra-preview td{padding:3px 16px 3px 0;text-align:left;"
    "vertical-align:top;white-space:nowrap}"
    ".kestra-secrets-panel table.kestra-preview td:last-child{white-space:normal}"
    ".kestra-secrets-panel table.kestra-preview th{border-bottom:1px solid #bbb;"
    "font-weight:600}"
    ".kestra-secrets-panel table.kestra-preview tbody tr:nth-child(even){background:#f4f4f4}"
)


def _names(names: list[str], limit: int = _NAMES_SHOWN) -> str:
    """Up to `limit` names (those that could be value material hidden), then `and N more`."""
    shown = [showable_key(n) or "(name hidden)" for n in names[:limit]]
    more = len(names) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class WritePlan:
    """What Merge and Replace would do to an existing `.env_encoded`: names only.

    Names are compared upper-cased, as Kestra and `update_encoded_file` compare them.
    """

    def __init__(self, existing: list[str], others: int, incoming: list[str]) -> None:
        have = set(existing)
        coming = set(incoming)
        self.existing = existing
        self.others = others  # non-`SECRET_*` entries of the existing file
        self.replaced = [n for n in incoming if n in have]
        self.added = [n for n in incoming if n not in have]
        self.kept = [n for n in existing if n not in coming]

    @classmethod
    def of(cls, target: Path, result: EncodeResult) -> WritePlan:
        """The plan for writing `result` over the file at `target`."""
        parsed = parse_dotenv(read_dotenv_text(target), path=str(target))
        existing: list[str] = []
        others = 0
        for entry in parsed.entries:
            if entry.key.startswith(SECRET_PREFIX):
                name = entry.key[len(SECRET_PREFIX) :].upper()
                if name not in existing:
                    existing.append(name)
            else:
                others += 1
        incoming = list(dict.fromkeys(e.key.upper() for e in result.entries))
        return cls(existing, others, incoming)

    def _merge_text(self) -> str:
        parts = []
        if self.replaced:
            parts.append(
                f"updates {plural(len(self.replaced), 'secret')} ({_names(self.replaced)})"
            )
        if self.added:
            parts.append(f"adds {len(self.added)} ({_names(self.added)})")
        parts.append(
            f"keeps {len(self.kept)}"
            + (f" ({_names(self.kept)})" if self.kept else "")
            + " and every other line"
        )
        return ", ".join(parts)

    def _replace_text(self) -> str:
        lost = []
        if self.kept:
            lost.append(f"{plural(len(self.kept), 'secret')} ({_names(self.kept)})")
        if self.others:
            lost.append(plural(self.others, "other entry", "other entries"))
        return "drops " + " and ".join(lost) if lost else "drops nothing"

    def html(self, shown: str) -> str:
        """The confirmation shown above the buttons."""
        e = html.escape
        have = plural(len(self.existing), "secret")
        return (
            f"<div><b>{e(shown)}</b> exists with {e(have)}."
            f"<br><b>Merge</b> (recommended) {e(self._merge_text())}."
            f"<br><b>Replace</b> writes the converted .env alone: {e(self._replace_text())}."
            "<br>Either way the previous file is kept as a <code>.bak</code>.</div>"
        )

    def status(self, shown: str) -> str:
        """The one status line."""
        if self.kept:
            tail = f"Merge keeps its other {plural(len(self.kept), 'secret')}, Replace drops them"
        elif self.others:
            tail = f"Merge keeps its {plural(self.others, 'other entry', 'other entries')}, "
            tail += "Replace drops them"
        else:
            tail = "Merge and Replace give the same secrets"
        return f"{shown} exists: choose Merge or Replace ({tail})"


class ConvertSection(Section):
    """Upload or path, preview, target, Write, and the Merge/Replace confirmation."""

    caption = "Convert a .env to .env_encoded"
    css = _CSS

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        lay = w.Layout
        self.pending: EncodeResult | None = None  # a converted .env awaiting Write
        self._confirm_target: Path | None = None
        self.upload = w.FileUpload(
            description=_UPLOAD_LABEL,
            tooltip="Choose a .env: it is read once and cleared from the widget at once",
            accept="",
            multiple=False,
            layout=lay(width="auto"),
        )
        self.upload.add_class("kestra-upload")
        self.upload.observe(self._on_upload, names="value")
        self.upload_name = w.Label(layout=lay(margin="0 12px 0 4px"))
        self.upload_name.add_class("kestra-upload-name")
        self.env_path = w.Text(
            description=".env path",
            placeholder="path/to/.env",
            continuous_update=False,
            layout=lay(width="420px"),
        )
        self.preview_button = button("Preview .env", icon="eye")
        self.preview_button.on_click(self._on_preview_path)
        self.preview = w.HTML()
        self.target = w.Text(
            description="Write to",
            value=short(host.path),
            continuous_update=False,
            layout=lay(width="420px"),
        )
        self.write_button = button("Write .env_encoded", icon="save")
        self.write_button.on_click(self._on_write)
        self.confirm_label = w.HTML()
        self.merge_button = button(
            "Merge",
            button_style="primary",
            icon="code-fork",
            tooltip="Update in place, keep others",
        )
        self.replace_button = button("Replace", button_style="danger", tooltip="Drop the rest")
        self.cancel_button = button("Cancel")
        self.merge_button.on_click(self._on_merge)
        self.replace_button.on_click(self._on_replace)
        self.cancel_button.on_click(self._on_cancel)
        self.confirm_box = w.VBox(
            [
                self.confirm_label,
                w.HBox([self.merge_button, self.replace_button, self.cancel_button]),
            ],
            layout=lay(display="none"),
        )

    def children(self) -> list[w.Widget]:
        return [
            w.HBox([self.upload, self.upload_name, self.env_path, self.preview_button]),
            self.preview,
            w.HBox([self.target, self.write_button]),
            self.confirm_box,
        ]

    def forget(self) -> None:
        self.pending = None

    @guarded
    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        self.upload.value = ()  # first: clear it before anything else syncs or is saved
        item = files[0]
        name = str(item.get("name") or ".env")
        content = bytes(item.get("content") or b"")
        del files, item, change
        self.upload_name.value = f"uploaded {name}"
        self._convert(content, source=f"uploaded {name}", target=self.host.path)

    @guarded
    def _on_preview_path(self, _b: w.Button | None = None) -> None:
        raw = self.env_path.value.strip()
        if not raw:
            self.say("Type the path of a .env first")
            return
        src = absolute(raw)
        if src.is_dir():
            self.say(f"Error: {short(src)}: is a directory")
            return
        resolve_target(src)  # a device or FIFO is refused before it is opened
        content = read_bytes(src)  # regular files only, size capped (max_input_mb)
        self._convert(content, source=short(src), target=src.with_name(ENCODED_NAME))

    def _convert(self, content: bytes, *, source: str, target: Path) -> None:
        self.pending = None
        self._hide_confirm()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.preview.value = ""
            self.say(f"Error: {source}: not UTF-8 text (byte {exc.start})")
            return
        del content
        result = encode_dotenv(text, path=source)
        del text
        self.pending = result
        self.target.value = short(target)
        self.preview.value = preview_html(source, preview_rows(result))
        tail = "; refused: keys collide once upper-cased" if result.refused else ""
        self.say(
            f"Previewed {source}: {len(result.entries)} to write, {len(result.problems)} "
            f"skipped, {len(result.notes)} notes{tail}"
        )

    @guarded
    def _on_write(self, _b: w.Button | None = None) -> None:
        if self.pending is None:
            self.say("Nothing to write: upload a .env or preview one by path first")
            return
        if self.pending.refused:
            self.say("Not written: keys collide once upper-cased (see the preview)")
            return
        target = absolute(self.target.value)
        resolve_target(target)  # a directory, device or FIFO: refused before reading it
        if target.exists():
            plan = WritePlan.of(target, self.pending)
            self._confirm_target = target
            self.confirm_label.value = plan.html(short(target))
            self.confirm_box.layout.display = ""
            self.say(plan.status(short(target)))
            return
        self._write(target, mode="new")

    @guarded
    def _on_merge(self, _b: w.Button | None = None) -> None:
        """Write the converted entries into the existing target, keeping everything else."""
        self._confirmed("merge")

    @guarded
    def _on_replace(self, _b: w.Button | None = None) -> None:
        """Replace the existing target with the converted `.env` alone."""
        self._confirmed("replace")

    def _confirmed(self, mode: str) -> None:
        target = self._confirm_target or absolute(self.target.value)
        self._hide_confirm()
        if self.pending is None:
            self.say("Nothing to write")
            return
        self._write(target, mode=mode)

    @guarded
    def _on_cancel(self, _b: w.Button | None = None) -> None:
        self._hide_confirm()
        self.say("Write cancelled; nothing was changed")

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self._confirm_target = None

    def _write(self, target: Path, *, mode: str) -> None:
        """Write the pending conversion: `new` (target must not exist), `merge` or `replace`."""
        result = self.pending
        assert result is not None
        resolve_target(target)  # it may have changed since the confirmation was shown
        before = set(backups_of(target))
        # deletions not saved yet stay pending when merging into the bound file
        incoming = {e.key.upper() for e in result.entries}
        removed = self.host.removed
        deleted = set()
        if mode == "merge" and same_file(target, self.host.path):
            deleted = removed - incoming
        if mode == "merge":
            entries = {e.key: e.value or "" for e in result.entries}
            backup = update_encoded_file(target, entries)
            del entries
            verb = "Merged"
        else:
            backup = write_atomic(
                target, result.text, mode=0o600, overwrite=mode == "replace", backup=True
            )
            verb = "Wrote"
        count = len(result.entries)
        self.pending = None
        self.preview.value = ""
        self.host.bind(target)
        report = self.host.load(target)
        for name in sorted(deleted):
            if name in self.store and same_file(self.store.source_of(name), target):
                self.store.remove(name)
        if deleted:
            removed |= deleted  # `load` cleared the set: the deletions stay pending
            self.host.refresh()
            report += f"; {len(deleted)} deleted here stay deleted until Save"
        kept = backup_note(target, before, backup)
        where = "into" if mode == "merge" else "to"
        self.say(
            f"{verb} {plural(count, 'secret')} {where} {short(target)} (mode 0600){kept}; {report}"
        )
