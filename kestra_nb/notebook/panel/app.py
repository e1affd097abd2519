"""`SecretsPanel`: the shell that holds the sections, the status line and the wiring between
the store, the bound `.env_encoded` and the kernel session.

Each section (list, add, convert, file) builds its own widgets and handles their events;
the shell lays them out under their headings, follows the store (one redraw per batch of
adds) and loads files into it. A new section is one module and one line in `__init__`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ...errors import KestraNbError
from ...text import plural
from ..session import current, merge_envs
from .add import AddSection
from .common import ENCODED_NAME, Section, heading, same_file
from .convert import ConvertSection
from .file import FileSection
from .listing import PAGE_SIZE, ListSection

if TYPE_CHECKING:
    from ...dotenv_codec import EncodeResult
    from ...secrets import SecretStore

__all__ = ["SecretsPanel"]


def _default_store() -> SecretStore:
    """The loaded extension's store, else a new empty one."""
    session = current()
    if session is not None:
        return session.store
    from ...secrets import SecretStore  # only without a session: keeps `%load_ext` fast

    return SecretStore()


def _default_path() -> Path:
    """The `.env_encoded` the extension loaded last, else `./.env_encoded`."""
    session = current()
    if session is not None:
        for loaded in reversed(session.env_files):
            if Path(loaded).name.endswith(ENCODED_NAME):
                return Path(loaded)
    return Path.cwd() / ENCODED_NAME


def _deferred_refresh(ref: weakref.ReferenceType[SecretsPanel]) -> None:
    """The batched redraw (an event-loop callback: never raises)."""
    panel = ref()
    if panel is None or not panel.redraw_pending or not panel.following:
        return
    try:
        panel.refresh()
    except Exception as exc:  # a traceback here would go to the kernel's log
        panel.say(f"Error: unexpected {type(exc).__name__} while redrawing the list")


class SecretsPanel:
    """The secrets panel shown by `%kestra_secrets`.

    `store`: the `SecretStore` to manage (default: the loaded extension's, else a new one).
    `path`: the `.env_encoded` that Save writes and Reload reads (default: the one the
    extension loaded, else `./.env_encoded`). Display it (it is the last expression of a
    cell, or `display(panel)`); `panel.widget` is the root `VBox`. The sections' widgets
    are reachable as attributes of the panel too (`panel.add_button` is
    `panel.adder.add_button`).
    """

    def __init__(
        self,
        store: SecretStore | None = None,
        path: str | Path | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.store: SecretStore = store if store is not None else _default_store()
        self.removed: set[str] = set()  # names deleted here that Save drops from the file
        self.redraw_pending = False  # a batched redraw is scheduled on the event loop
        self._quiet = 0
        self._unsubscribe: Any = None
        self.status = w.Label(layout=w.Layout(width="100%"))
        self.files = FileSection(self, Path(path) if path is not None else _default_path())
        self.listing = ListSection(self, page_size=page_size)
        self.adder = AddSection(self)
        self.converter = ConvertSection(self)
        # the sections in display order: a new section is one more line here
        self.sections: tuple[Section, ...] = (
            self.listing,
            self.adder,
            self.converter,
            self.files,
        )
        self.widget = self._layout()
        self._subscribe()
        self.refresh()

    def _layout(self) -> w.VBox:
        rows: list[w.Widget] = []
        css = "".join(section.css for section in self.sections)
        if css:  # one <style> for the whole panel (an HTML widget's content is not sanitised)
            rows.append(w.HTML(f"<style>{css}</style>", layout=w.Layout(display="none")))
        for section in self.sections:
            if section.caption:
                rows.append(heading(section.caption))
            rows.extend(section.children())
        box = w.VBox([*rows, self.status], layout=w.Layout(border="1px solid #ccc", padding="6px"))
        box.add_class("kestra-secrets-panel")
        return box

    def __getattr__(self, name: str) -> Any:
        """A section's public attribute (`panel.name_input`, `panel.rows`, ...)."""
        if not name.startswith("_"):
            for section in self.__dict__.get("sections", ()):
                if name in vars(section):
                    return getattr(section, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ---------------------------------------------------------------- following the store
    @property
    def following(self) -> bool:
        """Whether the panel still follows the store's adds (until `close`)."""
        return self._unsubscribe is not None

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

        with self.quietly():  # subscribe() replays every held secret: refresh once, after
            self._unsubscribe = subscribe(on_add)

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """A block in which the panel's own store changes trigger no batched redraw."""
        self._quiet += 1
        try:
            yield
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
        if self.redraw_pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): nothing to batch with
            self.refresh()
            return
        self.redraw_pending = True
        loop.call_soon(_deferred_refresh, weakref.ref(self))

    # --------------------------------------------------------------------------- display
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"SecretsPanel({plural(len(self.store), 'secret')}, file={self.path})"

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
        for section in self.sections:
            section.forget()
        if callable(self._unsubscribe):
            self._unsubscribe()
        self._unsubscribe = None
        for x in self.widgets:
            x.close()

    @property
    def _staged(self) -> str | None:
        """The typed value held between its arrival and Add (None when none is held)."""
        return self.adder.staged

    @property
    def _pending(self) -> EncodeResult | None:
        """The converted `.env` awaiting Write."""
        return self.converter.pending

    # ------------------------------------------------------------------- the Host protocol
    @property
    def path(self) -> Path:
        """The bound `.env_encoded` (Save, Reload)."""
        return self.files.path

    def bind(self, path: Path) -> None:
        """Make `path` the bound file (after a Write)."""
        self.files.bind(path)

    def say(self, message: str) -> None:
        """Show one status line (it replaces the previous one)."""
        self.status.value = " ".join(message.split())

    def retract(self, prefix: str) -> None:
        """Clear the status line if it still shows a message starting with `prefix`."""
        if self.status.value.startswith(prefix):
            self.status.value = ""

    def refresh(self) -> None:
        """Redraw the list (current filter and page) from the store."""
        self.redraw_pending = False  # a scheduled batch redraw has nothing left to do
        self.listing.draw()

    def show_name(self, name: str) -> None:
        """Jump to the page holding `name` (clearing a filter that hides it)."""
        self.listing.show_name(name)

    def delete(self, name: str) -> None:
        """Remove a secret from the store (and from the file on the next Save)."""
        self.listing.delete(name)

    def load(self, path: Path) -> str:
        """Replace the store's entries from `path` with the file's; a one-line report.

        Entries that came from this file and are no longer in it are removed; when the loaded
        extension owns this store, the file's `ENV_*` entries feed its `envs` too. Problems go
        to the status line, not to warnings.
        """
        with self.quietly():
            report = self.store.load_dotenv(path, warn=False)  # problems: the status line
            fresh = set(report.secret_names)
            for name in self.store.names():
                if name not in fresh and same_file(self.store.source_of(name), path):
                    self.store.remove(name)
        session = current()
        clashes: list[str] = []
        if session is not None and session.store is self.store:
            clashes = merge_envs(session.environ, report.environ)
        self.removed.clear()
        self.refresh()
        problems = [str(p) for p in report.problems] + clashes
        text = f"loaded {plural(len(fresh), 'secret')} from {path.name}"
        if problems:
            text += f", {len(problems)} skipped ({problems[0]}"
            text += ", ...)" if len(problems) > 1 else ")"
        return text
