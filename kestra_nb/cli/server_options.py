"""What `kestra-nb deploy` and `kestra-nb run` share: server options, the client, the masker.

The password or API token never comes from the command line (it would sit in the shell's
history and in `ps`): only from `KESTRA_PASSWORD` / `KESTRA_API_TOKEN`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..server.credentials import credentials_from
from ..server.errors import ServerError

if TYPE_CHECKING:  # pragma: no cover
    from ..masking import Masker
    from ..server.client import KestraClient


def add_server_arguments(p: argparse.ArgumentParser) -> None:
    """`--server`, `--tenant`, `--user`, `--timeout` (credentials: environment only)."""
    p.add_argument(
        "--server",
        metavar="URL",
        help="Kestra's URL, e.g. http://localhost:8080 (default: $KESTRA_URL)",
    )
    p.add_argument("--tenant", default="main", help="tenant id (default: main, open source)")
    p.add_argument(
        "--user",
        help="user for basic auth (default: $KESTRA_USER); the password is read from "
        "$KESTRA_PASSWORD, or an API token from $KESTRA_API_TOKEN, never from the command line",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="timeout of each request (default: 30)",
    )


def connect(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> KestraClient:
    """A client from the options and `KESTRA_*` variables (`ServerError` when incomplete)."""
    from ..server.client import KestraClient

    creds = credentials_from(os.environ if environ is None else environ)
    url = args.server or creds.url
    if not url:
        raise ServerError("no Kestra server: give --server URL or set KESTRA_URL", reason="usage")
    user = args.user or creds.user
    if args.timeout <= 0:
        raise ServerError("--timeout must be positive", reason="usage")
    return KestraClient(
        url,
        tenant=args.tenant,
        user=user,
        password=creds.password,
        token=creds.token,
        timeout=args.timeout,
    )


def secrets_masker(env_files: list[str], prog: str, extra: list[str] | None = None) -> Masker:
    """A masker of every known secret: `SECRET_*` variables, then the dotenv files (given,
    else the nearest `.env_encoded` / `.env`), as `kestra-nb flow` gathers them; `extra`
    values (the server credentials) too. Problems are printed, one line each, no value."""
    from ..masking import Masker
    from .common import gather_secrets

    gathered = gather_secrets(env_files)  # problems: data, printed one line each
    for problem in gathered.problems:
        print(f"kestra-nb {prog}: {problem}", file=sys.stderr)
    store = gathered.store
    pairs = [(name, store.get(name)) for name in store.names()]
    pairs += [("KESTRA_CREDENTIAL", value) for value in extra or ()]
    masker = Masker()
    for note in masker.add_many(pairs):  # a value too short to mask: said, not warned
        print(f"kestra-nb {prog}: {note}", file=sys.stderr)
    return masker


def credential_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The password / token values of the environment (to mask them too)."""
    creds = credentials_from(os.environ if environ is None else environ)
    return creds.secrets()
