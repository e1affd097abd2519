"""The add section: a name field with a live hint, a value field that never keeps the value
in a widget trait, Add and Forget.

The value arrives once from the browser in a Password field (`SecretInput`), which syncs
only on blur or Enter (`continuous_update=False`) and never echoes it back
(`echo_update=False`). The handler that receives it clears the field in the same kernel
message and keeps the value in a private Python attribute until Add.

Enter adds the secret. `Text.on_submit` is deprecated in ipywidgets 8 in favour of
observing `value`, but a value change cannot tell Enter from a blur (clicking elsewhere must
not add), so the section listens to the `submit` event the frontend still sends on Enter
(`on_msg`, no deprecated API). The browser sends it just before the value itself: a submit
with no value held yet makes the value that follows within `SUBMIT_WINDOW` seconds add.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any

import ipywidgets as w
from traitlets import Unicode

from ...dotenv_codec import key_problem
from ..session import current
from .common import Host, Section, button, guarded

__all__ = ["AddSection", "SecretInput", "name_problem"]

_SHELL_SAFE = re.compile(r"[A-Za-z0-9_]+")
SUBMIT_WINDOW = 2.0  # seconds between an Enter and the value it sends (same keypress)
_REFUSED = "Not added"  # the status of a refused Add, cleared once the user acts on it


class SecretInput(w.Password):
    """A Password field that never echoes its value back to the browser."""

    value = Unicode(help="Cleared by the panel as soon as it arrives").tag(
        sync=True, echo_update=False
    )


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


class AddSection(Section):
    """Name, value, Add secret, Forget value."""

    caption = "Add a secret"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        lay = w.Layout
        self.staged: str | None = None  # a typed value between its arrival and Add
        self._submitted_at: float | None = None  # an Enter whose value has not arrived yet
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
        self.value_input.on_msg(self._on_value_event)
        self.name_input.on_msg(self._on_name_event)
        self.value_hint = w.Label()
        self.add_button = button("Add secret", button_style="primary", icon="plus")
        self.add_button.on_click(self._on_add)
        self.forget_button = button("Forget value", tooltip="Drop a typed value")
        self.forget_button.on_click(self._on_forget)

    def children(self) -> list[w.Widget]:
        return [
            w.HBox([self.name_input, self.name_hint]),
            w.HBox([self.value_input, self.add_button, self.forget_button, self.value_hint]),
        ]

    def forget(self) -> None:
        self.staged = None
        self._submitted_at = None

    def _on_name(self, change: dict[str, Any]) -> None:
        if self.clear_pasted_value(self.name_input, change["new"]):
            self.name_hint.value = ""
            return
        self.host.retract(_REFUSED)  # the name the refusal was about is being changed
        hint, _ok = name_problem(change["new"].strip(), self.store.names())
        self.name_hint.value = hint

    def _on_value(self, change: dict[str, Any]) -> None:
        """Take a value out of the Password field the moment it arrives, and clear it;
        add it at once when it came with an Enter."""
        value = change["new"]
        if not value:
            return
        self.value_input.value = ""  # first: nothing else syncs before this
        self.staged = value
        del value
        self.host.retract(_REFUSED)
        submitted, self._submitted_at = self._submitted_at, None
        if submitted is not None and time.monotonic() - submitted < SUBMIT_WINDOW:
            self._on_add()
            return
        self.value_hint.value = "value received (hidden): press Enter or click Add secret"

    def _on_value_event(self, _widget: w.Widget, content: dict[str, Any], _buffers: Any) -> None:
        """Enter in the value field: add the value held, or the one this Enter is sending."""
        if content.get("event") != "submit":
            return
        if self.staged is not None:
            self._on_add()
        else:
            self._submitted_at = time.monotonic()

    def _on_name_event(self, _widget: w.Widget, content: dict[str, Any], _buffers: Any) -> None:
        """Enter in the name field adds a value already held (typed before the name)."""
        if content.get("event") == "submit" and self.staged is not None:
            self._on_add()

    @guarded
    def _on_forget(self, _b: w.Button | None = None) -> None:
        self.value_input.value = ""
        had = self.staged is not None
        self.staged = None
        self.value_hint.value = ""
        self.say("Typed value dropped" if had else "No typed value held")

    @guarded
    def _on_add(self, _b: w.Button | None = None) -> None:
        value = self.value_input.value
        if value:  # arrived without the observer (should not happen): clear it first
            self.value_input.value = ""
        else:
            value = self.staged or ""
        self.staged = None
        self.value_hint.value = ""
        name = self.name_input.value.strip()
        hint, ok = name_problem(name, self.store.names())
        if not name or not ok:
            self.staged = value or None
            if self.staged:
                self.value_hint.value = "value held (hidden): fix the name, then Add"
            self.say(f"{_REFUSED}: {hint or 'type a name first'}")
            return
        if not value:
            self.say(f"{_REFUSED}: type a value for {name.upper()} first")
            return
        self._register_with_session_masker(name, value)
        with self.host.quietly():
            self.store.add(name, value, source="session")
        del value
        upper = name.upper()
        self.host.removed.discard(upper)
        self.name_input.value = ""
        self.name_hint.value = ""
        self.say(f"Added {upper} (this session; Save writes it to {self.host.path.name})")
        self.host.show_name(upper)

    def _register_with_session_masker(self, name: str, value: str) -> None:
        """Mask the value in output even when this store is not the extension's."""
        session = current()
        if session is not None and session.store is not self.store:
            session.masker.add(value, name.upper())
