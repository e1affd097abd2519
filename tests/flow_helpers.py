"""What tests of `KestraFlow` share."""

from __future__ import annotations

from kestra_nb.flow import KestraFlow


def shown(flow: KestraFlow) -> str:
    """Everything a notebook can display of the flow (for "no secret value in it" checks)."""
    parts = [
        flow.html(),
        flow.html("both"),
        flow.text(),
        flow.text("both"),
        flow._repr_html_(),
        flow.to_yaml(),
        repr(flow),
        *(str(e) for e in flow.errors),
        *(str(w) for w in flow.warnings),
        *(str(d) for d in flow.deferred),
    ]
    return "\n".join(parts)
