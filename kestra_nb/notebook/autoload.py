"""The extension as the kernel loads it at start-up (`kestra-nb autoload on`).

A module name of its own, so that a notebook's `%load_ext kestra_nb` after auto-load is not
"already loaded" to IPython: it reaches `extension.load`, which says what is loaded instead.
What auto-load loaded is said in the first cell's output (nothing printed at kernel start-up
reaches a notebook).
"""

from __future__ import annotations

from typing import Any

from .extension import load, unload


def load_ipython_extension(ipython: Any) -> None:
    """Load kestra_nb at kernel start-up (see the module docstring)."""
    load(ipython, auto=True)


def unload_ipython_extension(ipython: Any) -> None:
    """`%unload_ext kestra_nb.notebook.autoload`: the same as unloading kestra_nb."""
    unload(ipython)
