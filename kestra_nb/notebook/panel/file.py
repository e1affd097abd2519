"""The file section: the bound `.env_encoded`, Save (this session's adds and deletions,
written in place) and Reload (the file's entries replace those that came from it)."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ...atomic import backups_of, resolve_target
from ...dotenv_codec import update_encoded_file
from ...errors import KestraNbError
from ...text import plural
from .common import Host, Section, absolute, backup_note, button, guarded, short

__all__ = ["FileSection"]


class FileSection(Section):
    """The File field (the bound path), Save and Reload."""

    caption = "Save to / reload from a .env_encoded"

    def __init__(self, host: Host, path: Path) -> None:
        super().__init__(host)
        self.file_input = w.Text(
            description="File",
            value=short(path),
            continuous_update=False,
            layout=w.Layout(width="420px"),
        )
        self.save_button = button("Save", icon="save", tooltip="Save to File")
        self.reload_button = button("Reload", icon="refresh")
        self.save_button.on_click(self._on_save)
        self.reload_button.on_click(self._on_reload)

    def children(self) -> list[w.Widget]:
        return [w.HBox([self.file_input, self.save_button, self.reload_button])]

    @property
    def path(self) -> Path:
        """The bound file, as typed in the File field, made absolute."""
        return absolute(self.file_input.value)

    def bind(self, path: Path) -> None:
        """Show `path` as the bound file."""
        self.file_input.value = short(path)

    @guarded
    def _on_save(self, _b: w.Button | None = None) -> None:
        path = self.path
        session = {n: self.store.get(n) for n in self.store.names() if self._is_session(n)}
        removed = sorted(self.host.removed)
        if not session and not removed:
            self.say(f"Nothing to save: no secret added or deleted in this session ({short(path)})")
            return
        resolve_target(path)  # a directory, device or FIFO: refused before reading it
        before = set(backups_of(path))
        backup = update_encoded_file(path, session, remove=removed)
        count = len(session)
        del session
        kept = backup_note(path, before, backup)
        self.host.load(path)
        gone = f", removed {len(removed)}" if removed else ""
        self.say(f"Saved {plural(count, 'secret')}{gone} in {short(path)}{kept}")

    def _is_session(self, name: str) -> bool:
        try:
            return str(self.store.source_of(name)) == "session"
        except KestraNbError:
            return False

    @guarded
    def _on_reload(self, _b: w.Button | None = None) -> None:
        path = self.path
        resolve_target(path)  # a directory, device or FIFO: refused before reading it
        if not path.exists():
            self.say(f"Error: {short(path)}: no such file")
            return
        self.say(f"Reloaded {short(path)}: {self.host.load(path)}")
