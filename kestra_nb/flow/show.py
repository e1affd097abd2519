"""What a flow display can show: the one list of choices for `%%kestra_flow --show`,
`KestraMagics.show`, `FlowView` and `kestra-nb flow --show` (which adds `summary`).

A module of its own, importing nothing, so that `%load_ext` can build the magics' options
without loading the display (and YAML) until a flow is shown.
"""

from __future__ import annotations

SHOW_CHOICES = ("rendered", "source", "both")
