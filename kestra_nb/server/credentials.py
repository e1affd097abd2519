"""Where a Kestra connection's URL and credentials come from: never a command line.

`credentials_from(environ, store=None, password_secret=None, token_secret=None)` reads
`KESTRA_URL`, `KESTRA_USER`, `KESTRA_PASSWORD` and `KESTRA_API_TOKEN`, or takes the password
or token from a named secret of a `SecretStore`. The record's repr shows whether a password
or token is set, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import ServerError

if TYPE_CHECKING:  # pragma: no cover
    from ..secrets import SecretStore

ENV_URL, ENV_USER, ENV_PASSWORD, ENV_TOKEN = (
    "KESTRA_URL",
    "KESTRA_USER",
    "KESTRA_PASSWORD",
    "KESTRA_API_TOKEN",
)


@dataclass(frozen=True)
class Credentials:
    """A server URL, a user, and a password or API token (values hidden from repr)."""

    url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    #: where the password or token came from: "KESTRA_PASSWORD", "secret DB_PASS", ...
    source: str | None = None

    def __repr__(self) -> str:
        auth = "password" if self.password else "token" if self.token else "none"
        return (
            f"Credentials(url={self.url!r}, user={self.user!r}, auth={auth}, "
            f"source={self.source!r})"
        )

    def secrets(self) -> list[str]:
        """The values to keep out of every message (for `redact` and maskers)."""
        return [v for v in (self.password, self.token) if v]


def credentials_from(
    environ: Mapping[str, str],
    store: SecretStore | None = None,
    password_secret: str | None = None,
    token_secret: str | None = None,
) -> Credentials:
    """Credentials from the environment, or from named secrets of `store`.

    A named secret wins over the environment variable; asking for both a password secret and
    a token secret is an error, as is naming a secret the store does not hold (the message
    names the secret, never a value).
    """
    if password_secret and token_secret:
        raise ServerError("give a password secret or a token secret, not both", reason="usage")
    url = (environ.get(ENV_URL) or "").strip() or None
    user = (environ.get(ENV_USER) or "").strip() or None
    password = environ.get(ENV_PASSWORD) or None
    token = environ.get(ENV_TOKEN) or None
    source = ENV_PASSWORD if password else ENV_TOKEN if token else None
    for name, kind in ((password_secret, "password"), (token_secret, "token")):
        if not name:
            continue
        if store is None or name not in store:
            raise ServerError(
                f"no secret named {name!r} in the secret store (for the Kestra {kind})",
                reason="usage",
            )
        value = store.get(name)
        if kind == "password":
            password, token = value, None
        else:
            password, token = None, value
        source = f"secret {name.upper()}"
    return Credentials(url=url, user=user, password=password, token=token, source=source)
