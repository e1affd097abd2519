"""The kernel's current Kestra connection: a leaf module (as jupysql's `_current.py`).

`%kestra_server URL ...` sets it; `deploy_and_run` and the flow magic read it. It holds a
`KestraClient` (credentials inside, never shown) and what `%kestra_server` displays.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..server.client import KestraClient


@dataclass
class Connection:
    """A connected server: the client, the server's version, where the credentials came from."""

    client: KestraClient
    version: str | None = None
    credentials: str | None = None  # "KESTRA_PASSWORD", "secret KESTRA_PASS", or None

    def describe(self) -> str:
        """One line: URL, tenant, user, version, auth source (never a credential)."""
        c = self.client
        auth = c.auth_kind + (f" from {self.credentials}" if self.credentials else "")
        return (
            f"Kestra {c.url} (tenant {c.tenant}, user {c.user or '-'}, "
            f"version {self.version or 'unknown'}, auth {auth})"
        )


_lock = threading.Lock()
_current: Connection | None = None


def current() -> Connection | None:
    """The connection `%kestra_server` made last, or None."""
    return _current


def set_current(connection: Connection | None) -> Connection | None:
    """Make `connection` current (None: disconnect); closes the previous client."""
    global _current
    with _lock:
        previous, _current = _current, connection
    if previous is not None and previous is not connection:
        previous.client.close()
    return connection
