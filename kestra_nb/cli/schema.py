"""`kestra-nb schema pull --server URL`: cache a Kestra server's flow schema for validation.

The schema (`GET /api/v1/plugins/schemas/flow`) describes every plugin that server has;
`kestra-nb flow --schema URL` and `%config KestraMagics.schema = URL` then check the plugins
the bundled index does not cover (JDBC, AWS, ...). The password or API token comes from
KESTRA_PASSWORD or KESTRA_API_TOKEN, never from the command line.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import EXIT_OK
from .server_options import add_server_arguments, connect


def register(subparsers: Any) -> None:
    """Add the `schema` subcommand (with `pull`) to the `kestra-nb` parser."""
    p = subparsers.add_parser(
        "schema",
        help="cache a Kestra server's flow schema, to validate every plugin it has",
        description="Manage the cached flow schemas of Kestra servers.",
    )
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    pull = sub.add_parser(
        "pull",
        help="download the server's flow schema into the per-server cache",
        description="Download GET /api/v1/plugins/schemas/flow from the server into "
        "~/.cache/kestra_nb/schemas/<host>_<port>.json (or $KESTRA_NB_CACHE_DIR, "
        "$XDG_CACHE_HOME/kestra_nb), replacing the previous one. The password or API token "
        "comes from KESTRA_PASSWORD or KESTRA_API_TOKEN. Exit 0 when saved, 2 on usage or "
        "connection errors.",
    )
    add_server_arguments(pull)
    pull.set_defaults(func=run_pull)


def run_pull(args: argparse.Namespace) -> int:
    """`kestra-nb schema pull [--server URL] [--tenant T] [--user U] [--timeout S]`."""
    from ..server.schema import pull_schema

    with connect(args) as client:
        pulled = pull_schema(client)
    print(f"{pulled.url}: {pulled.plugin_types} plugin types, saved to {pulled.path}")
    return EXIT_OK
