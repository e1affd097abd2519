"""Tab completion inside Kestra cells: secret names, env names and input ids.

- `secret('GI<tab>` offers the names in the secret store (never a value);
- `envs.<tab>` offers the names Kestra gives `ENV_*` variables (`ENV_MY_VAR` -> `my_var`);
- `inputs.<tab>` offers the ids declared under `inputs:` in the `%%kestra_flow` cell.

Completion is active in `%%kestra_flow` and `%%kestra_render` cells and on `%kestra_render`
lines, through IPython's matcher API v2 (`IPCompleter.custom_matchers`), so the kernel's
`complete_request` serves it to every frontend.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from IPython.core.completer import (
    CompletionContext,
    SimpleCompletion,
    SimpleMatcherResult,
    context_matcher,
)

from ..kestra import env_names  # `envs.<tab>`: Kestra's own naming rule

MATCHER_ID = "kestra_nb.completer"

_SECRET = re.compile(r"""secret\(\s*(['"])(?P<frag>[\w.-]*)$""")
_ENVS = re.compile(r"""\benvs\.(?P<frag>\w*)$""")
_INPUTS = re.compile(r"""\binputs\.(?P<frag>[\w-]*)$""")
_INPUT_ID = re.compile(r"""^\s*(?:-\s+(?:\{.*?)?)?\bid\s*:\s*['"]?(?P<id>[A-Za-z0-9][\w.-]*)""")
_TOP_KEY = re.compile(r"^[^\s#-][^:]*:")


def install_completer(ip: Any, session_of: Callable[[], Any]) -> Callable[[], None]:
    """Add the matcher to `ip.Completer.custom_matchers`; return the function removing it."""
    matcher = make_matcher(session_of)
    completer = getattr(ip, "Completer", None)
    if completer is None:  # a shell without a completer (e.g. a bare test shell)
        return lambda: None
    completer.custom_matchers.append(matcher)

    def remove() -> None:
        if matcher in completer.custom_matchers:
            completer.custom_matchers.remove(matcher)

    return remove


def make_matcher(session_of: Callable[[], Any]) -> Callable[[CompletionContext], Any]:
    """A v2 matcher reading names from the live session each time it runs."""

    @context_matcher(priority=50, identifier=MATCHER_ID)
    def kestra_matcher(context: CompletionContext) -> SimpleMatcherResult:
        session = session_of()
        if session is None:
            return _result([], "")
        kind = cell_kind(context.full_text, context.line_with_cursor)
        if kind is None:
            return _result([], "")
        before = context.text_until_cursor
        match = _SECRET.search(before)
        if match:
            frag = match.group("frag")
            names = _prefixed(session.store.names(), frag, fold=True)
            return _result(names, frag, "secret")
        match = _ENVS.search(before)
        if match:
            frag = match.group("frag")
            return _result(_prefixed(env_names(session.environ), frag), frag, "env")
        match = _INPUTS.search(before)
        if match and kind == "flow":
            frag = match.group("frag")
            return _result(_prefixed(input_ids(context.full_text), frag), frag, "input")
        return _result([], "")

    return kestra_matcher


def cell_kind(full_text: str, line: str) -> str | None:
    """`flow` or `render` for a Kestra cell (or a `%kestra_render` line), else None."""
    first = next((ln.strip() for ln in full_text.splitlines() if ln.strip()), "")
    if first.startswith("%%kestra_flow"):
        return "flow"
    if first.startswith("%%kestra_render") or "%kestra_render" in line:
        return "render"
    return None


def input_ids(cell: str) -> list[str]:
    """The ids declared under the top-level `inputs:` of a flow cell.

    The cell is usually half-typed (the cursor sits in an open `{{ `), so only the
    `inputs:` block is parsed as YAML; if even that fails, its lines are scanned.
    """
    block: list[str] = []
    inside = False
    for raw in cell.splitlines():
        if raw.startswith("%%"):
            continue
        if _TOP_KEY.match(raw):
            inside = raw.split(":", 1)[0].strip() == "inputs"
        if inside:
            block.append(raw)
    if not block:
        return []
    try:
        from ..safeyaml import safe_load  # aliases bounded: a completion never hangs

        doc = safe_load("\n".join(block))
    except Exception:  # still being typed (or past a bound): fall back to a line scan
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("inputs"), list):
        found = [str(i["id"]) for i in doc["inputs"] if isinstance(i, dict) and "id" in i]
        return list(dict.fromkeys(found))
    ids = [m.group("id") for m in map(_INPUT_ID.match, block[1:]) if m]
    return list(dict.fromkeys(ids))


def _prefixed(names: Iterable[str], frag: str, *, fold: bool = False) -> list[str]:
    if fold:
        low = frag.lower()
        return [n for n in names if n.lower().startswith(low)]
    return [n for n in names if n.startswith(frag)]


def _result(names: list[str], frag: str, kind: str = "") -> SimpleMatcherResult:
    return SimpleMatcherResult(
        completions=[SimpleCompletion(name, type=kind) for name in names],
        matched_fragment=frag,
        suppress=bool(names),
        ordered=True,
    )
