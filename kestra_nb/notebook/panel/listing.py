"""The list section: secret names, sources, a mask and the `{{ secret() }}` snippet, paged and
filtered, with a Delete button per row. Rows are reused across pages, so the number of
widgets does not grow with the store."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import ipywidgets as w

from ...errors import KestraNbError
from ...kestra import PLACEHOLDER
from .common import Host, Section, button, guarded, same_file

__all__ = ["PAGE_SIZE", "ListSection", "Row"]

PAGE_SIZE = 25
# list columns: (header, width); the rows use the same widths
_COLUMNS = (
    ("name", "220px"),
    ("source", "200px"),
    ("value", "70px"),
    ("use in a flow", "280px"),
)


class Row:
    """One reusable list row: name, source, mask, snippet, delete (pages reuse the rows)."""

    def __init__(self, section: ListSection) -> None:
        self._section = weakref.ref(section)
        lay = w.Layout
        widths = [width for _label, width in _COLUMNS]
        self.name = w.Label(layout=lay(width=widths[0]))
        self.source = w.Label(layout=lay(width=widths[1]))
        self.mask = w.Label(PLACEHOLDER, layout=lay(width=widths[2]))
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
        section = self._section()
        if section is not None and self.current is not None:
            section.delete(self.current)


class ListSection(Section):
    """The title line, the filter, the rows and the pager."""

    def __init__(self, host: Host, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(host)
        lay = w.Layout
        self.page_size = max(1, int(page_size))
        self.page = 0
        self.title = w.HTML()
        self.filter = w.Text(
            placeholder="filter names",
            description="Filter",
            continuous_update=True,
            layout=lay(width="260px"),
        )
        self.filter.observe(self._on_filter, names="value")
        self.rows = [Row(self) for _ in range(self.page_size)]
        self.prev_button = button("Prev", icon="chevron-left", tooltip="Prev page")
        self.next_button = button("Next", icon="chevron-right", tooltip="Next page")
        self.page_label = w.Label()
        self.prev_button.on_click(self._on_prev)
        self.next_button.on_click(self._on_next)
        self.empty_label = w.Label("No secrets yet.")
        self.list_header = w.HBox(
            [
                w.HTML(f"<span style='color:#666'>{label}</span>", layout=lay(width=width))
                for label, width in _COLUMNS
            ]
        )
        self.list_box = w.VBox([self.empty_label, self.list_header, *[r.box for r in self.rows]])

    def children(self) -> list[w.Widget]:
        return [
            self.title,
            self.filter,
            self.list_box,
            w.HBox([self.prev_button, self.page_label, self.next_button]),
        ]

    def matching(self) -> list[str]:
        """The names the filter lets through, sorted."""
        needle = self.filter.value.strip().upper()
        names = self.store.names()
        return [n for n in names if needle in n] if needle else names

    def draw(self) -> None:
        """Redraw the rows, title and pager (current filter and page) from the store."""
        names = self.matching()
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

    def show_name(self, name: str) -> None:
        """Go to the page holding `name` (clearing a filter that hides it), then redraw."""
        typed = self.filter.value.strip()
        if typed and typed.upper() not in name:
            self.filter.value = ""
        names = self.matching()
        if name in names:
            self.page = names.index(name) // self.page_size
        self.host.refresh()

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
        if self.clear_pasted_value(self.filter, change["new"]):
            return
        self.page = 0
        self.host.refresh()

    def _on_prev(self, _b: w.Button) -> None:
        self.page -= 1
        self.host.refresh()

    def _on_next(self, _b: w.Button) -> None:
        self.page += 1
        self.host.refresh()

    @guarded
    def delete(self, name: str) -> None:
        """Remove a secret from the store (and from the file on the next Save)."""
        source = self.store.source_of(name)
        self.store.remove(name)
        where = "this session"
        if same_file(source, self.host.path):
            self.host.removed.add(name.upper())
            where = "this session; Save removes it from the file"
        self.say(f"Deleted {name.upper()} from {where}")
        self.host.refresh()
