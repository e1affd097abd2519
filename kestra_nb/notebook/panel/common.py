"""What every section of the secrets panel shares: the host it talks to, the section base
class, the error guard for widget callbacks, and small path and widget helpers.

A section never imports another section nor the shell (`app.py`): it reaches the store,
the bound file, the status line and the list through the `Host` protocol only.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

import ipywidgets as w

from ...atomic import backups_of
from ...dotenv_codec import ENV_FILE_NAMES
from ...errors import KestraNbError

if TYPE_CHECKING:
    from ...secrets import SecretStore

__all__ = [
    "ENCODED_NAME",
    "Host",
    "Section",
    "absolute",
    "backup_note",
    "button",
    "guarded",
    "heading",
    "same_file",
    "short",
]

ENCODED_NAME = ENV_FILE_NAMES[0]  # ".env_encoded"

_F = TypeVar("_F", bound=Callable[..., None])


class Host(Protocol):
    """What a section may use of the panel that holds it (`SecretsPanel` is one)."""

    store: SecretStore
    removed: set[str]  # names deleted here that Save drops from the bound file

    @property
    def path(self) -> Path:
        """The bound `.env_encoded` (Save, Reload)."""
        ...

    def say(self, message: str) -> None:
        """Show one status line."""
        ...

    def retract(self, prefix: str) -> None:
        """Clear the status line if it still shows a message starting with `prefix`."""
        ...

    def refresh(self) -> None:
        """Redraw the list from the store."""
        ...

    def show_name(self, name: str) -> None:
        """Redraw the list at the page holding `name`."""
        ...

    def bind(self, path: Path) -> None:
        """Make `path` the bound file."""
        ...

    def load(self, path: Path) -> str:
        """Replace the store's entries from `path` with the file's; a one-line report."""
        ...

    def quietly(self) -> AbstractContextManager[None]:
        """A block in which the panel's own store changes trigger no batched redraw."""
        ...


class Section:
    """One part of the panel: builds its own widgets, handles their events.

    `caption` is the heading shown above the section ("" for none), `css` the section's
    style rules (each starting with `.kestra-secrets-panel`); `children()` the rows
    of widgets in display order. Adding a section to the panel is one module with one
    subclass, and one line in `SecretsPanel.__init__`.
    """

    caption: ClassVar[str] = ""
    css: ClassVar[str] = ""  # rules for the panel's one <style>, scoped to the panel

    def __init__(self, host: Host) -> None:
        self.host = host

    @property
    def store(self) -> SecretStore:
        return self.host.store

    def say(self, message: str) -> None:
        self.host.say(message)

    def children(self) -> list[w.Widget]:
        """The section's widgets, top to bottom."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop any value held between two events (called by `SecretsPanel.close`)."""

    def clear_pasted_value(self, field: w.Text, text: str) -> bool:
        """Clear a name or filter field holding a known secret value (pasted in the wrong
        field): a Text trait is synced and saved with the widget state, unmasked."""
        typed = (text or "").strip()
        if len(typed) < 4:
            return False
        for value in self.store.values():
            known = value.strip()
            if len(known) >= 4 and known in typed and 2 * len(known) >= len(typed):
                field.value = ""
                self.say(
                    "That was a secret value, not a name: cleared "
                    "(type values in the hidden value field)"
                )
                return True
        return False


def backup_note(target: Path, before: set[Path], backup: Path | None) -> str:
    """`; previous file kept as X.bak` after a write, plus where an older `.bak` went.

    `before` is `set(backups_of(target))` taken before the write: a numbered backup that is
    new since then is the older `.bak`, moved aside by `write_atomic` (never overwritten).
    """
    if backup is None:
        return ""
    text = f"; previous file kept as {backup.name}"
    moved = [p for p in backups_of(target) if p not in before and p != backup]
    if moved:
        text += f" (older backup moved to {moved[0].name})"
    return text


def guarded(method: _F) -> _F:
    """Run a widget callback; report errors on the status line instead of raising.

    An exception escaping a callback is printed with a traceback, and IPython's verbose
    traceback mode prints local variables (a value among them). Only kestra_nb's own errors
    and OSError messages (which hold paths, never values) are shown verbatim. The owner of
    the method (a section or the panel) has a `say` method.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except (KestraNbError, OSError) as exc:
            self.say(f"Error: {exc}")
        except Exception as exc:  # never let a traceback print local variables
            self.say(f"Error: unexpected {type(exc).__name__} in {method.__name__}")

    return wrapper  # type: ignore[return-value]


def button(description: str, **kwargs: Any) -> w.Button:
    """A button as wide as its label (ipywidgets' default width cuts long labels)."""
    return w.Button(description=description, layout=w.Layout(width="auto"), **kwargs)


def heading(text: str) -> w.HTML:
    """A section heading."""
    return w.HTML(f"<b>{html.escape(text)}</b>")


def absolute(typed: str) -> Path:
    """A typed path made absolute against the working directory (`.env_encoded` if empty)."""
    path = Path(typed.strip() or ENCODED_NAME).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def short(path: Path) -> str:
    """`path` relative to the working directory when inside it (shorter lines), else as is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def same_file(a: str | Path | None, b: str | Path | None) -> bool:
    """Whether two paths name the same file (after `~` and symlinks)."""
    if a is None or b is None:
        return False
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):
        return str(a) == str(b)
