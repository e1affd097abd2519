"""`SecretsPanel`: list, add, convert and save Kestra secrets in an ipywidgets panel.

Every ipywidgets trait is synced to the browser and may be saved into the `.ipynb` with the
widget state (ipywidgets #1747/#1793), so this panel never keeps a secret value, its length
or any encoding of it in a trait:

- the Password field is read and cleared in the same kernel message that brings its value
  (the value is held in a private Python attribute until "Add secret"), it never echoes the
  value back (`echo_update=False`) and it syncs only on blur/Enter (`continuous_update=False`);
- an uploaded `.env` is read and the FileUpload value cleared at once; the preview shows keys
  and statuses with values as `******`;
- the list shows names, sources, `******` and the `{{ secret('NAME') }}` snippet only;
- status messages name files, lines and keys, never a value; handlers never raise (a
  traceback in verbose mode would print local variables).

The value still travels once from the browser to the kernel over the kernel's websocket in
plain text: that is how every ipywidgets input works.
"""

from __future__ import annotations

import asyncio
import functools
import html
import os
import re
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as w
from traitlets import Unicode

from ..atomic import write_atomic
from ..dotenv_codec import (
    ENV_FILE_NAMES,
    SECRET_PREFIX,
    EncodeResult,
    encode_dotenv,
    key_problem,
    parse_dotenv,
    read_dotenv_text,
    showable_key,
    update_encoded_file,
)
from ..errors import DotenvError, KestraNbError
from ..masking import PLACEHOLDER as MASK
from ..text import plural as _count

if TYPE_CHECKING:
    from ..secrets import SecretStore

__all__ = ["SecretsPanel"]

PAGE_SIZE = 25
ENCODED_NAME = ENV_FILE_NAMES[0]  # ".env_encoded"
_NAMES_SHOWN = 6  # names listed in the Write confirmation before "and N more"
# list columns: (header, width); the rows use the same widths
_COLUMNS = (
    ("name", "220px"),
    ("source", "200px"),
    ("value", "70px"),
    ("use in a flow", "280px"),
)
_SHELL_SAFE = re.compile(r"[A-Za-z0-9_]+")

_F = TypeVar("_F", bound=Callable[..., None])


class SecretInput(w.Password):
    """A Password field that never echoes its value back to the browser."""

    value = Unicode(help="Cleared by the panel as soon as it arrives").tag(
        sync=True, echo_update=False
    )


def _guarded(method: _F) -> _F:
    """Run a widget callback; report errors on the status line instead of raising.

    An exception escaping a callback is printed with a traceback, and IPython's verbose
    traceback mode prints local variables (a value among them). Only kestra_nb's own errors
    and OSError messages (which hold paths, never values) are shown verbatim.
    """

    @functools.wraps(method)
    def wrapper(self: SecretsPanel, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except (KestraNbError, OSError) as exc:
            self._say(f"Error: {exc}")
        except Exception as exc:  # never let a traceback print local variables
            self._say(f"Error: unexpected {type(exc).__name__} in {method.__name__}")

    return wrapper  # type: ignore[return-value]


def _default_store() -> SecretStore:
    """The loaded extension's store, else a new empty one."""
    from .session import current

    session = current()
    if session is not None:
        return session.store
    from ..secrets import SecretStore

    return SecretStore()


def _default_path() -> Path:
    """The `.env_encoded` the extension loaded last, else `./.env_encoded`."""
    from .session import current

    session = current()
    if session is not None:
        for loaded in reversed(session.env_files):
            if Path(loaded).name.endswith(ENCODED_NAME):
                return Path(loaded)
    return Path.cwd() / ENCODED_NAME


def _deferred_refresh(ref: weakref.ReferenceType[SecretsPanel]) -> None:
    """The batched redraw (an event-loop callback: never raises)."""
    panel = ref()
    if panel is None or not panel._redraw_pending or panel._unsubscribe is None:
        return
    try:
        panel.refresh()
    except Exception as exc:  # a traceback here would go to the kernel's log
        panel._say(f"Error: unexpected {type(exc).__name__} while redrawing the list")


def _button(description: str, **kwargs: Any) -> w.Button:
    """A button as wide as its label (ipywidgets' default width cuts long labels)."""
    return w.Button(description=description, layout=w.Layout(width="auto"), **kwargs)


def _absolute(typed: str) -> Path:
    """A typed path made absolute against the working directory (`.env_encoded` if empty)."""
    path = Path(typed.strip() or ENCODED_NAME).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def _short(path: Path) -> str:
    """`path` relative to the working directory when inside it (shorter lines), else as is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _same_file(a: str | Path | None, b: str | Path | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):
        return str(a) == str(b)


def name_problem(name: str, existing: Iterable[str] = ()) -> tuple[str, bool]:
    """A one-line hint about a typed secret name, and whether Add may proceed.

    The rule is the store's and the converter's (`key_problem`). Names are upper-cased by
    Kestra (`secret('api_key')` is `API_KEY`), so a name equal to an existing one once
    upper-cased replaces it; the hint says so before Add is clicked.
    """
    if not name:
        return "", False
    reason = key_problem(name)
    if reason is not None:
        return reason, False
    upper = name.upper()
    notes: list[str] = []
    if upper in set(existing):
        if upper != name:
            notes.append(f"is {upper} once upper-cased, which exists: Add replaces it")
        else:
            notes.append(f"{upper} exists: Add replaces it")
    elif upper != name:
        notes.append(f"stored as {upper} (Kestra upper-cases secret names)")
    if not _SHELL_SAFE.fullmatch(name):
        notes.append("'.', '-' and ':' work in Docker env files but not in a shell")
    return "; ".join(notes), True


class SecretsPanel:
    """The secrets panel shown by `%kestra_secrets`.

    `store`: the `SecretStore` to manage (default: the loaded extension's, else a new one).
    `path`: the `.env_encoded` that Save writes and Reload reads (default: the one the
    extension loaded, else `./.env_encoded`). Display it (it is the last expression of a
    cell, or `display(panel)`); `panel.widget` is the root `VBox`.
    """

    def __init__(
        self,
        store: SecretStore | None = None,
        path: str | Path | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store: SecretStore = store if store is not None else _default_store()
        self.page_size = max(1, int(page_size))
        self.page = 0
        self._staged: str | None = None  # a typed value between its arrival and Add
        self._pending: EncodeResult | None = None  # a converted .env awaiting Write
        self._pending_source: str = ""
        self._removed: set[str] = set()  # names deleted here that Save drops from the file
        self._quiet = 0
        self._redraw_pending = False  # a batched redraw is scheduled on the event loop
        self._unsubscribe: Any = None
        self._build(Path(path) if path is not None else _default_path())
        self._subscribe()
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self, path: Path) -> None:
        lay = w.Layout
        self.title = w.HTML()
        self.filter = w.Text(
            placeholder="filter names",
            description="Filter",
            continuous_update=True,
            layout=lay(width="260px"),
        )
        self.filter.observe(self._on_filter, names="value")
        self.rows: list[_Row] = [_Row(self) for _ in range(self.page_size)]
        self.prev_button = _button("Prev", icon="chevron-left", tooltip="Prev page")
        self.next_button = _button("Next", icon="chevron-right", tooltip="Next page")
        self.page_label = w.Label()
        self.prev_button.on_click(self._on_prev)
        self.next_button.on_click(self._on_next)
        self.empty_label = w.Label("No secrets yet.")

        self.name_input = w.Text(
            description="Name",
            placeholder="API_KEY",
            continuous_update=True,
            layout=lay(width="320px"),
        )
        self.name_hint = w.Label()
        self.name_input.observe(self._on_name, names="value")
        self.value_input = SecretInput(
            description="Value",
            placeholder="typed value is never shown",
            continuous_update=False,
            layout=lay(width="320px"),
        )
        self.value_input.observe(self._on_value, names="value")
        self.value_hint = w.Label()
        self.add_button = _button("Add secret", button_style="primary", icon="plus")
        self.add_button.on_click(self._on_add)
        self.forget_button = _button("Forget value", tooltip="Drop a typed value")
        self.forget_button.on_click(self._on_forget)

        self.upload = w.FileUpload(
            description="Upload .env", accept="", multiple=False, layout=lay(width="auto")
        )
        self.upload.observe(self._on_upload, names="value")
        self.env_path = w.Text(
            description=".env path",
            placeholder="path/to/.env",
            continuous_update=False,
            layout=lay(width="420px"),
        )
        self.preview_button = _button("Preview .env", icon="eye")
        self.preview_button.on_click(self._on_preview_path)
        self.preview = w.HTML()
        self.target = w.Text(
            description="Write to",
            value=_short(path),
            continuous_update=False,
            layout=lay(width="420px"),
        )
        self.write_button = _button("Write .env_encoded", icon="save")
        self.write_button.on_click(self._on_write)
        self.confirm_label = w.HTML()
        self.merge_button = _button(
            "Merge",
            button_style="primary",
            icon="code-fork",
            tooltip="Update in place, keep others",
        )
        self.replace_button = _button("Replace", button_style="danger", tooltip="Drop the rest")
        self.cancel_button = _button("Cancel")
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
        self._confirm_target: Path | None = None

        self.file_input = w.Text(
            description="File",
            value=_short(path),
            continuous_update=False,
            layout=lay(width="420px"),
        )
        self.save_button = _button("Save", icon="save", tooltip="Save to File")
        self.reload_button = _button("Reload", icon="refresh")
        self.save_button.on_click(self._on_save)
        self.reload_button.on_click(self._on_reload)

        self.status = w.Label(layout=lay(width="100%"))

        def heading(text: str) -> w.HTML:
            return w.HTML(f"<b>{html.escape(text)}</b>")

        self.list_header = w.HBox(
            [
                w.HTML(f"<span style='color:#666'>{label}</span>", layout=lay(width=width))
                for label, width in _COLUMNS
            ]
        )
        self.list_box = w.VBox([self.empty_label, self.list_header, *[r.box for r in self.rows]])
        self.widget = w.VBox(
            [
                self.title,
                self.filter,
                self.list_box,
                w.HBox([self.prev_button, self.page_label, self.next_button]),
                heading("Add a secret"),
                w.HBox([self.name_input, self.name_hint]),
                w.HBox([self.value_input, self.add_button, self.forget_button, self.value_hint]),
                heading("Convert a .env to .env_encoded"),
                w.HBox([self.upload, self.env_path, self.preview_button]),
                self.preview,
                w.HBox([self.target, self.write_button]),
                self.confirm_box,
                heading("Save to / reload from a .env_encoded"),
                w.HBox([self.file_input, self.save_button, self.reload_button]),
                self.status,
            ],
            layout=lay(border="1px solid #ccc", padding="6px"),
        )
        self.widget.add_class("kestra-secrets-panel")

    def _subscribe(self) -> None:
        """Follow adds made elsewhere (weakly: no leak), one redraw per batch of adds."""
        subscribe = getattr(self.store, "subscribe", None)
        if subscribe is None:
            return
        ref = weakref.ref(self)

        def on_add(name: str, value: str) -> None:
            panel = ref()
            if panel is not None and not panel._quiet:
                panel._store_changed(name, value)

        self._quiet += 1  # subscribe() replays every held secret: refresh once, after
        try:
            self._unsubscribe = subscribe(on_add)
        finally:
            self._quiet -= 1

    def _store_changed(self, name: str, value: str) -> None:
        """A subscriber call: schedule one redraw for a whole batch of adds.

        `SecretStore.note_derived` calls subscribers too, with a name such as `DB.password`
        for a value read out of a JSON secret by `secret('DB', subkey='password')`: that
        is no new secret, so no redraw. A file loaded in a cell (`%kestra_env`,
        `store.load_dotenv`) adds its secrets one by one: with an event loop running (a
        kernel always has one) the redraw waits until the code that adds yields to the loop,
        so the list is drawn once per cell or widget action, not once per secret.
        """
        try:
            if name != name.upper() or name not in self.store or self.store.get(name) != value:
                return  # a derived value (or a name already gone): the list is unchanged
        except KestraNbError:
            return
        if self._redraw_pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): nothing to batch with
            self.refresh()
            return
        self._redraw_pending = True
        loop.call_soon(_deferred_refresh, weakref.ref(self))

    # --------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"SecretsPanel({_count(len(self.store), 'secret')}, file={self.path})"

    @property
    def path(self) -> Path:
        """The bound `.env_encoded` (Save, Reload)."""
        return _absolute(self.file_input.value)

    @property
    def widgets(self) -> list[w.Widget]:
        """Every widget of the panel (for tests and `close`)."""
        seen: list[w.Widget] = []

        def walk(x: w.Widget) -> None:
            if x in seen:
                return
            seen.append(x)
            for child in getattr(x, "children", ()):
                walk(child)
            for trait in ("layout", "style"):
                sub = getattr(x, trait, None)
                if isinstance(sub, w.Widget):
                    walk(sub)

        walk(self.widget)
        return seen

    def close(self) -> None:
        """Close every widget of the panel, stop following the store, forget held values."""
        self._staged = None
        self._pending = None
        if callable(self._unsubscribe):
            self._unsubscribe()
        self._unsubscribe = None
        for x in self.widgets:
            x.close()

    def _say(self, message: str) -> None:
        """Show one status line."""
        self.status.value = " ".join(message.split())

    # ------------------------------------------------------------------ list
    def _matching(self) -> list[str]:
        needle = self.filter.value.strip().upper()
        names = self.store.names()
        return [n for n in names if needle in n] if needle else names

    def refresh(self) -> None:
        """Redraw the list (current filter and page) from the store."""
        self._redraw_pending = False  # a scheduled batch redraw has nothing left to do
        names = self._matching()
        pages = max(1, -(-len(names) // self.page_size))
        self.page = min(max(self.page, 0), pages - 1)
        start = self.page * self.page_size
        shown = names[start : start + self.page_size]
        total = len(self.store)
        for row, name in zip(self.rows, shown, strict=False):
            row.show(name, self._source_label(name))
        for row in self.rows[len(shown) :]:
            row.hide()
        self.empty_label.layout.display = "none" if shown else ""
        self.list_header.layout.display = "" if shown else "none"
        self.empty_label.value = "No secrets yet." if not total else "No name matches."
        head = f"<b>Kestra secrets</b>: {total} (values are never shown)"
        if self.filter.value.strip():
            head += f" ({len(names)} matching)"
        self.title.value = head
        if names:
            self.page_label.value = (
                f"{start + 1}–{start + len(shown)} of {len(names)} (page {self.page + 1}/{pages})"
            )
        else:
            self.page_label.value = ""
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= pages - 1

    def _source_label(self, name: str) -> str:
        try:
            source = str(self.store.source_of(name))
        except KestraNbError:
            return "?"
        if source not in ("session", "environment"):
            try:
                return str(Path(source).relative_to(Path.cwd()))
            except ValueError:
                return source
        return "this session" if source == "session" else source

    def _on_filter(self, change: dict[str, Any]) -> None:
        if self._clear_pasted_value(self.filter, change["new"]):
            return
        self.page = 0
        self.refresh()

    def _clear_pasted_value(self, field: w.Text, text: str) -> bool:
        """Clear a name or filter field holding a known secret value (pasted in the wrong
        field): a Text trait is synced and saved with the widget state, unmasked."""
        typed = (text or "").strip()
        if len(typed) < 4:
            return False
        for value in self.store.values():
            known = value.strip()
            if len(known) >= 4 and known in typed and 2 * len(known) >= len(typed):
                field.value = ""
                self._say(
                    "That was a secret value, not a name: cleared "
                    "(type values in the hidden value field)"
                )
                return True
        return False

    def _on_prev(self, _b: w.Button) -> None:
        self.page -= 1
        self.refresh()

    def _on_next(self, _b: w.Button) -> None:
        self.page += 1
        self.refresh()

    @_guarded
    def delete(self, name: str) -> None:
        """Remove a secret from the store (and from the file on the next Save)."""
        source = self.store.source_of(name)
        self.store.remove(name)
        where = "this session"
        if _same_file(source, self.path):
            self._removed.add(name.upper())
            where = "this session; Save removes it from the file"
        self._say(f"Deleted {name.upper()} from {where}")
        self.refresh()

    # ------------------------------------------------------------------- add
    def _on_name(self, change: dict[str, Any]) -> None:
        if self._clear_pasted_value(self.name_input, change["new"]):
            self.name_hint.value = ""
            return
        hint, _ok = name_problem(change["new"].strip(), self.store.names())
        self.name_hint.value = hint

    def _on_value(self, change: dict[str, Any]) -> None:
        """Take a value out of the Password field the moment it arrives, and clear it."""
        value = change["new"]
        if not value:
            return
        self.value_input.value = ""  # first: nothing else syncs before this
        self._staged = value
        del value
        self.value_hint.value = "value received (hidden): click Add secret"

    @_guarded
    def _on_forget(self, _b: w.Button | None = None) -> None:
        self.value_input.value = ""
        had = self._staged is not None
        self._staged = None
        self.value_hint.value = ""
        self._say("Typed value dropped" if had else "No typed value held")

    @_guarded
    def _on_add(self, _b: w.Button | None = None) -> None:
        value = self.value_input.value
        if value:  # arrived without the observer (should not happen): clear it first
            self.value_input.value = ""
        else:
            value = self._staged or ""
        self._staged = None
        self.value_hint.value = ""
        name = self.name_input.value.strip()
        hint, ok = name_problem(name, self.store.names())
        if not name or not ok:
            self._staged = value or None
            if self._staged:
                self.value_hint.value = "value held (hidden): fix the name, then Add"
            self._say(f"Not added: {hint or 'type a name first'}")
            return
        if not value:
            self._say(f"Not added: type a value for {name.upper()} first")
            return
        self._register_with_session_masker(name, value)
        self._quiet += 1
        try:
            self.store.add(name, value, source="session")
        finally:
            self._quiet -= 1
        del value
        upper = name.upper()
        self._removed.discard(upper)
        self.name_input.value = ""
        self.name_hint.value = ""
        self._say(f"Added {upper} (this session; Save writes it to {self.path.name})")
        self._show_name(upper)

    def _register_with_session_masker(self, name: str, value: str) -> None:
        """Mask the value in output even when this store is not the extension's."""
        from .session import current

        session = current()
        if session is not None and session.store is not self.store:
            session.masker.add(value, name.upper())

    def _show_name(self, name: str) -> None:
        """Jump to the page holding `name` (clearing a filter that hides it)."""
        if self.filter.value.strip() and self.filter.value.strip().upper() not in name:
            self.filter.value = ""
        names = self._matching()
        if name in names:
            self.page = names.index(name) // self.page_size
        self.refresh()

    # --------------------------------------------------------------- convert
    @_guarded
    def _on_upload(self, change: dict[str, Any]) -> None:
        files = change["new"]
        if not files:
            return
        self.upload.value = ()  # first: clear it before anything else syncs or is saved
        item = files[0]
        name = str(item.get("name") or ".env")
        content = bytes(item.get("content") or b"")
        del files, item, change
        self._convert(content, source=f"uploaded {name}", target=self.path)

    @_guarded
    def _on_preview_path(self, _b: w.Button | None = None) -> None:
        raw = self.env_path.value.strip()
        if not raw:
            self._say("Type the path of a .env first")
            return
        src = _absolute(raw)
        if src.is_dir():
            self._say(f"Error: {_short(src)}: is a directory")
            return
        content = src.read_bytes()
        self._convert(content, source=_short(src), target=src.with_name(ENCODED_NAME))

    def _convert(self, content: bytes, *, source: str, target: Path) -> None:
        self._pending = None
        self._hide_confirm()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.preview.value = ""
            self._say(f"Error: {source}: not UTF-8 text (byte {exc.start})")
            return
        del content
        result = encode_dotenv(text, path=source)
        del text
        self._pending = result
        self._pending_source = source
        self.target.value = _short(target)
        rows = preview_rows(result)
        self.preview.value = _preview_html(source, rows)
        tail = "; refused: keys collide once upper-cased" if result.refused else ""
        self._say(
            f"Previewed {source}: {len(result.entries)} to write, {len(result.problems)} "
            f"skipped, {len(result.notes)} notes{tail}"
        )

    @_guarded
    def _on_write(self, _b: w.Button | None = None) -> None:
        if self._pending is None:
            self._say("Nothing to write: upload a .env or preview one by path first")
            return
        if self._pending.refused:
            self._say("Not written: keys collide once upper-cased (see the preview)")
            return
        target = _absolute(self.target.value)
        if target.exists():
            plan = _WritePlan.of(target, self._pending)
            self._confirm_target = target
            self.confirm_label.value = plan.html(_short(target))
            self.confirm_box.layout.display = ""
            self._say(plan.status(_short(target)))
            return
        self._write(target, mode="new")

    @_guarded
    def _on_merge(self, _b: w.Button | None = None) -> None:
        """Write the converted entries into the existing target, keeping everything else."""
        self._confirmed("merge")

    @_guarded
    def _on_replace(self, _b: w.Button | None = None) -> None:
        """Replace the existing target with the converted `.env` alone."""
        self._confirmed("replace")

    def _confirmed(self, mode: str) -> None:
        target = self._confirm_target or _absolute(self.target.value)
        self._hide_confirm()
        if self._pending is None:
            self._say("Nothing to write")
            return
        self._write(target, mode=mode)

    @_guarded
    def _on_cancel(self, _b: w.Button | None = None) -> None:
        self._hide_confirm()
        self._say("Write cancelled; nothing was changed")

    def _hide_confirm(self) -> None:
        self.confirm_box.layout.display = "none"
        self.confirm_label.value = ""
        self._confirm_target = None

    def _write(self, target: Path, *, mode: str) -> None:
        """Write the pending conversion: `new` (target must not exist), `merge` or `replace`."""
        result = self._pending
        assert result is not None
        older = _shift_backup(target) if mode != "new" else None
        # deletions not saved yet stay pending when merging into the bound file
        incoming = {e.key.upper() for e in result.entries}
        deleted = set()
        if mode == "merge" and _same_file(target, self.path):
            deleted = self._removed - incoming
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
        self._pending = None
        self.preview.value = ""
        self.file_input.value = _short(target)
        report = self._load(target)
        for name in sorted(deleted):
            if name in self.store and _same_file(self.store.source_of(name), target):
                self.store.remove(name)
        if deleted:
            self._removed = deleted
            self.refresh()
            report += f"; {len(deleted)} deleted here stay deleted until Save"
        kept = f"; previous file kept as {backup.name}" if backup else ""
        if older is not None:
            kept += f" (older backup moved to {older.name})"
        where = "into" if mode == "merge" else "to"
        self._say(
            f"{verb} {_count(count, 'secret')} {where} {_short(target)} (mode 0600){kept}; {report}"
        )

    # ----------------------------------------------------------- save/reload
    def _load(self, path: Path) -> str:
        """Replace the store's entries from `path` with the file's; a one-line report.

        Entries that came from this file and are no longer in it are removed; when the loaded
        extension owns this store, the file's `ENV_*` entries feed its `envs` too. Problems go
        to the status line, not to warnings.
        """
        from .session import current, merge_envs

        self._quiet += 1
        try:
            report = self.store.load_dotenv(path, warn=False)  # problems: the status line
            fresh = set(report.secret_names)
            for name in self.store.names():
                if name not in fresh and _same_file(self.store.source_of(name), path):
                    self.store.remove(name)
        finally:
            self._quiet -= 1
        session = current()
        clashes: list[str] = []
        if session is not None and session.store is self.store:
            clashes = merge_envs(session.environ, report.environ)
        self._removed.clear()
        self.refresh()
        problems = [str(p) for p in report.problems] + clashes
        text = f"loaded {_count(len(fresh), 'secret')} from {path.name}"
        if problems:
            text += f", {len(problems)} skipped ({problems[0]}"
            text += ", ...)" if len(problems) > 1 else ")"
        return text

    @_guarded
    def _on_save(self, _b: w.Button | None = None) -> None:
        path = self.path
        session = {n: self.store.get(n) for n in self.store.names() if self._is_session(n)}
        removed = sorted(self._removed)
        if not session and not removed:
            self._say(
                f"Nothing to save: no secret added or deleted in this session ({_short(path)})"
            )
            return
        older = _shift_backup(path)
        backup = update_encoded_file(path, session, remove=removed)
        count = len(session)
        del session
        kept = f"; previous file kept as {backup.name}" if backup else ""
        if older is not None:
            kept += f" (older backup moved to {older.name})"
        self._load(path)
        gone = f", removed {len(removed)}" if removed else ""
        self._say(f"Saved {_count(count, 'secret')}{gone} in {_short(path)}{kept}")

    def _is_session(self, name: str) -> bool:
        try:
            return str(self.store.source_of(name)) == "session"
        except KestraNbError:
            return False

    @_guarded
    def _on_reload(self, _b: w.Button | None = None) -> None:
        path = self.path
        if not path.exists():
            self._say(f"Error: {_short(path)}: no such file")
            return
        self._say(f"Reloaded {_short(path)}: {self._load(path)}")


def _shift_backup(target: Path) -> Path | None:
    """Move an existing `<name>.bak` to the first free `<name>.bak.N` before a write.

    `write_atomic` and `update_encoded_file` keep one backup level: the file as it was just
    before the write, copied over any older `.bak`. A second write would lose the first
    backup (the original file), so the panel moves it aside first, never overwriting a file;
    an older backup equal to the current file is left in place (nothing would be lost).
    Returns where the older backup went, or None.
    """
    real = Path(os.path.realpath(target))  # both writers back up the file a link points to
    bak = real.with_name(real.name + ".bak")
    if not bak.is_file() or not real.is_file() or bak.read_bytes() == real.read_bytes():
        return None
    n = 1
    while True:
        dest = bak.with_name(f"{bak.name}.{n}")
        try:
            os.link(bak, dest)  # never replaces an existing file
        except FileExistsError:
            n += 1
            continue
        except OSError:  # no hard links on this filesystem
            if dest.exists() or dest.is_symlink():
                n += 1
                continue
            os.rename(bak, dest)
            return dest
        os.unlink(bak)
        return dest


def _names(names: list[str], limit: int = _NAMES_SHOWN) -> str:
    """Up to `limit` names (those that could be value material hidden), then `and N more`."""
    shown = [showable_key(n) or "(name hidden)" for n in names[:limit]]
    more = len(names) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


class _WritePlan:
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
    def of(cls, target: Path, result: EncodeResult) -> _WritePlan:
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
                f"updates {_count(len(self.replaced), 'secret')} ({_names(self.replaced)})"
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
            lost.append(f"{_count(len(self.kept), 'secret')} ({_names(self.kept)})")
        if self.others:
            lost.append(_count(self.others, "other entry", "other entries"))
        return "drops " + " and ".join(lost) if lost else "drops nothing"

    def html(self, shown: str) -> str:
        """The confirmation shown above the buttons."""
        e = html.escape
        have = _count(len(self.existing), "secret")
        return (
            f"<div><b>{e(shown)}</b> exists with {e(have)}."
            f"<br><b>Merge</b> (recommended) {e(self._merge_text())}."
            f"<br><b>Replace</b> writes the converted .env alone: {e(self._replace_text())}."
            "<br>Either way the previous file is kept as a <code>.bak</code>.</div>"
        )

    def status(self, shown: str) -> str:
        """The one status line."""
        if self.kept:
            tail = f"Merge keeps its other {_count(len(self.kept), 'secret')}, Replace drops them"
        elif self.others:
            tail = f"Merge keeps its {_count(self.others, 'other entry', 'other entries')}, "
            tail += "Replace drops them"
        else:
            tail = "Merge and Replace give the same secrets"
        return f"{shown} exists: choose Merge or Replace ({tail})"


class _Row:
    """One reusable list row: name, source, mask, snippet, delete (pages reuse the rows)."""

    def __init__(self, panel: SecretsPanel) -> None:
        self._panel = weakref.ref(panel)
        lay = w.Layout
        widths = [width for _label, width in _COLUMNS]
        self.name = w.Label(layout=lay(width=widths[0]))
        self.source = w.Label(layout=lay(width=widths[1]))
        self.mask = w.Label(MASK, layout=lay(width=widths[2]))
        self.snippet = w.Label(layout=lay(width=widths[3]))
        self.delete = w.Button(description="Delete", icon="trash", layout=lay(width="90px"))
        self.delete.on_click(self._on_delete)
        self.box = w.HBox(
            [self.name, self.source, self.mask, self.snippet, self.delete],
            layout=lay(display="none"),
        )
        self.box.add_class("kestra-secret-row")
        self.current: str | None = None

    def show(self, name: str, source: str) -> None:
        self.current = name
        self.name.value = name
        self.source.value = source
        self.snippet.value = "{{ secret('" + name + "') }}"
        self.delete.tooltip = f"Delete {name}"
        self.box.layout.display = ""

    def hide(self) -> None:
        self.current = None
        self.box.layout.display = "none"
        self.name.value = self.source.value = self.snippet.value = ""

    def _on_delete(self, _b: w.Button) -> None:
        panel = self._panel()
        if panel is not None and self.current is not None:
            panel.delete(self.current)


# ------------------------------------------------------------------ preview
_NOT_WRITTEN = ("no value", "unparseable", "unsafe key", "collision", "part of an unquoted")


def _written(status: str) -> bool:
    """Whether a preview row's value goes into the `.env_encoded`."""
    return not status.startswith(_NOT_WRITTEN)


def _displayable_key(key: str | None) -> str:
    """A key as shown in the preview; keys that could be value material are hidden."""
    return (showable_key(key) if key else None) or "(key hidden)"


def preview_rows(result: EncodeResult) -> list[tuple[int | None, str, str, str]]:
    """`(line, key as shown, status, detail)` for each entry and problem of an `EncodeResult`.

    Status is `ok`, `no value`, `unparseable line N`, `unsafe key`, `collision` or a note
    such as `looks already encoded` (notes are still written). `detail` is the converter's
    own message, which names lines and keys and never a value.
    """
    rows: list[tuple[int | None, str, str, str]] = []
    notes: dict[tuple[int | None, str | None], list[tuple[str, str]]] = {}
    for note in result.notes:
        notes.setdefault((note.line, note.key), []).append((_status_of(note), note.message))
    problems: dict[tuple[int | None, str | None], list[tuple[str, str]]] = {}
    for problem in result.problems:
        found = problems.setdefault((problem.line, problem.key), [])
        found.append((_status_of(problem), problem.message))
    for entry in result.entries:
        found = problems.pop((entry.line, entry.key), []) + notes.pop((entry.line, entry.key), [])
        status = ", ".join(s for s, _ in found) or "ok"
        if result.refused and not found:
            status = "ok (nothing written: collisions)"
        detail = "; ".join(d for _, d in found)
        rows.append((entry.line, _displayable_key(entry.key), status, detail))
    for (line, key), found in [*problems.items(), *notes.items()]:  # lines with no entry
        for status, detail in found:
            rows.append((line, _displayable_key(key), status, detail))
    rows.sort(key=lambda r: (r[0] if r[0] is not None else 1 << 30, r[1]))
    return rows


def _status_of(problem: DotenvError) -> str:
    """A short status for one of the converter's problems or notes."""
    message = problem.message
    if "cannot be parsed" in message:
        return f"unparseable line {problem.line}"
    if message.startswith("no '='"):
        return "no value"
    if "multi-line value that is not quoted" in message:
        return "part of an unquoted value"
    if message.startswith("collides with"):
        return "collision"
    if "not a valid env-file name" in message or message.startswith("empty name"):
        return "unsafe key"
    if "already looks base64" in message:
        return "looks already encoded"
    if message.startswith("duplicate key"):
        return "duplicate (last wins)"
    if "macro" in message:
        return "macro kept as text"
    if "'${'" in message:
        return "${ kept literally"
    if "shell does not" in message:
        return "not shell-safe"
    if "already starts with" in message:
        return "already prefixed"
    return "note"


def _preview_html(source: str, rows: list[tuple[int | None, str, str, str]]) -> str:
    head = f"<div><b>Preview of {html.escape(source)}</b> (values hidden)</div>"
    body = "".join(
        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            "" if line is None else line,
            html.escape(key),
            MASK if _written(status) else "—",
            html.escape(status),
            html.escape(detail),
        )
        for line, key, status, detail in rows
    )
    table = (
        "<table class='kestra-preview'><thead><tr><th>line</th><th>key</th><th>value</th>"
        f"<th>status</th><th>detail</th></tr></thead><tbody>{body}</tbody></table>"
    )
    return head + (table if rows else "<div>(no entries)</div>")
