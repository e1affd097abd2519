"""What to do about a flow problem: every hint's wording, in one place.

A hint depends on where the flow is checked (`AUDIENCES`): in a notebook a missing secret is
loaded with `%kestra_env FILE` or added in the `%kestra_secrets` panel, on the command line it
comes from an `--env-file`, from Python it is passed as `secrets=`. `KestraFlow.from_yaml`
takes the audience (`hints=`); `%%kestra_flow` says "notebook", `kestra-nb flow` "cli".
Hints name things (secrets, inputs, options), never a value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..kestra import SECRET_PREFIX

__all__ = [
    "AUDIENCES",
    "did_you_mean",
    "missing_input",
    "missing_secret",
]

AUDIENCES = ("python", "notebook", "cli")


def _check(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ValueError(f"hints must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    return audience


def missing_secret(name: str, audience: str = "python") -> str:
    """`secret('NAME')` found nothing: how to load or add it."""
    where = _check(audience)
    if name.startswith(SECRET_PREFIX) and len(name) > len(SECRET_PREFIX):
        bare = name[len(SECRET_PREFIX) :]
        return f"secret() takes the name without the {SECRET_PREFIX} prefix: secret('{bare}')"
    if where == "notebook":
        return "Load it with %kestra_env FILE or add it in %kestra_secrets"
    if where == "cli":
        return f"Give a file holding SECRET_{name} (base64) with --env-file"
    return f"Pass it in secrets=, or set SECRET_{name} (base64) in the environment"


def missing_input(input_id: str, audience: str = "python") -> str:
    """A required input has no value: how to give one."""
    where = _check(audience)
    if where == "python":
        return f"Give it in inputs={{'{input_id}': ...}} or add a `defaults:` to the input"
    return f"Give it with --input {input_id}=VALUE or add a `defaults:` to the input"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """`Did you mean INT?` for a misspelt name (case-insensitive; a prefix counts), or None."""
    names = sorted(set(choices))
    if not word or word in names:
        return None
    by_upper: dict[str, str] = {}
    for name in names:
        by_upper.setdefault(name.upper(), name)
    upper = word.upper()
    scored = sorted(
        ((difflib.SequenceMatcher(None, upper, key).ratio(), key) for key in by_upper),
        key=lambda pair: (-pair[0], pair[1]),
    )
    best = scored[0][0] if scored else 0.0
    found = [by_upper[key] for score, key in scored if score >= max(0.6, best - 0.1)][:3]
    if not found:
        found = [
            name
            for key, name in by_upper.items()
            if len(key) >= 3 and (upper.startswith(key) or key.startswith(upper))
        ][:3]
    if not found:
        return None
    quoted = [f"`{name}`" if not name.isupper() else name for name in found]
    if len(quoted) == 1:
        return f"Did you mean {quoted[0]}?"
    return f"Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
