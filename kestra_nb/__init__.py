"""kestra_nb: author Kestra flows in Jupyter without leaking a secret.

The public API is re-exported here and documented in `docs/python-api.md`. Names are
imported lazily, so `import kestra_nb` stays cheap and the core never pulls in IPython or
ipywidgets: only the notebook layer (`kestra_nb.notebook`) imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "KestraNbError": "kestra_nb.errors",
    "SecretNotFound": "kestra_nb.errors",
    "SecretStoreError": "kestra_nb.errors",
    "DotenvError": "kestra_nb.errors",
    "RenderError": "kestra_nb.errors",
    "FlowError": "kestra_nb.errors",
    "FlowProblem": "kestra_nb.errors",
    "write_atomic": "kestra_nb.atomic",
    "SecretStore": "kestra_nb.secrets",
    "envs_from": "kestra_nb.secrets",
    "SecretDecodeWarning": "kestra_nb.secrets",
    "parse_dotenv": "kestra_nb.dotenv_codec",
    "update_encoded_file": "kestra_nb.dotenv_codec",
    "encode_dotenv": "kestra_nb.dotenv_codec",
    "decode_dotenv": "kestra_nb.dotenv_codec",
    "EncodeResult": "kestra_nb.dotenv_codec",
    "Masker": "kestra_nb.masking",
    "secret_variants": "kestra_nb.masking",
    "Renderer": "kestra_nb.pebble",
    "Limits": "kestra_nb.limits",
    "LimitExceeded": "kestra_nb.limits",
    "set_limits": "kestra_nb.limits",
    "KestraFlow": "kestra_nb.flow",
    "scan_paths": "kestra_nb.scan",
    "SecretsPanel": "kestra_nb.notebook.panel",
}

__all__ = [
    "DotenvError",
    "EncodeResult",
    "FlowError",
    "FlowProblem",
    "KestraFlow",
    "KestraNbError",
    "LimitExceeded",
    "Limits",
    "Masker",
    "RenderError",
    "Renderer",
    "SecretDecodeWarning",
    "SecretNotFound",
    "SecretStore",
    "SecretStoreError",
    "SecretsPanel",
    "__version__",
    "decode_dotenv",
    "encode_dotenv",
    "envs_from",
    "load_ipython_extension",
    "parse_dotenv",
    "scan_paths",
    "secret_variants",
    "set_limits",
    "unload_ipython_extension",
    "update_encoded_file",
    "write_atomic",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kestra_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kestra_nb`: secret store, output masking and the magics."""
    from .notebook.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext kestra_nb`: remove the hooks and magics again."""
    from .notebook.extension import unload

    unload(ipython)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .atomic import write_atomic
    from .dotenv_codec import (
        EncodeResult,
        decode_dotenv,
        encode_dotenv,
        parse_dotenv,
        update_encoded_file,
    )
    from .errors import (
        DotenvError,
        FlowError,
        FlowProblem,
        KestraNbError,
        RenderError,
        SecretNotFound,
        SecretStoreError,
    )
    from .flow import KestraFlow
    from .limits import LimitExceeded, Limits, set_limits
    from .masking import Masker, secret_variants
    from .notebook.panel import SecretsPanel
    from .pebble import Renderer
    from .scan import scan_paths
    from .secrets import SecretDecodeWarning, SecretStore, envs_from
