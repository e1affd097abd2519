"""Download a Kestra server's flow schema into the per-server cache (`kestra-nb schema pull`).

`pull_schema(client)` reads `GET /api/v1/plugins/schemas/flow` (what Kestra's VS Code
extension downloads: the JSON schema of every plugin the server has), checks that it is a
flow schema, and writes it atomically to `kestra_nb.flow.schema.schema_cache_path(url)`, where
`load_schema(url)`, `kestra-nb flow --schema URL` and `%config KestraMagics.schema = URL` find
it. Credentials come with the client (environment or secret store), never from a command line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import write_atomic
from ..flow.schema import SchemaError, ServerSchema, schema_cache_path
from .errors import ServerError

if TYPE_CHECKING:  # pragma: no cover
    from .client import KestraClient

__all__ = ["PulledSchema", "pull_schema"]


@dataclass(frozen=True)
class PulledSchema:
    """Where a server's schema was saved, and how many plugin types it defines."""

    url: str
    path: Path
    plugin_types: int


def pull_schema(
    client: KestraClient, cache_dir: str | os.PathLike[str] | None = None
) -> PulledSchema:
    """Download the flow schema of `client`'s server into its cache file (replacing it)."""
    data = client.schema("flow")
    try:
        schema = ServerSchema(data, source=f"the schema of {client.url}")
    except SchemaError as exc:
        raise ServerError(str(exc), reason="protocol") from None
    path = schema_cache_path(client.url, cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(path, text, mode=0o644, overwrite=True, backup=False)
    return PulledSchema(client.url, path, len(schema.types))
