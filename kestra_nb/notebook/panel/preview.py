"""The preview of a converted `.env`: one row per entry or problem, keys and statuses only.

Pure functions over an `EncodeResult` (no widgets), so the convert section and the tests
share them. A value is shown as the placeholder when it would be written, `—` when not;
keys that could be value material are hidden.
"""

from __future__ import annotations

import html

from ...dotenv_codec import EncodeResult, showable_key
from ...errors import DotenvError
from ...kestra import PLACEHOLDER

__all__ = ["PreviewRow", "preview_html", "preview_rows"]

PreviewRow = tuple[int | None, str, str, str]  # (line, key as shown, status, detail)

_NOT_WRITTEN = ("no value", "unparseable", "unsafe key", "collision", "part of an unquoted")


def _written(status: str) -> bool:
    """Whether a preview row's value goes into the `.env_encoded`."""
    return not status.startswith(_NOT_WRITTEN)


def _displayable_key(key: str | None) -> str:
    """A key as shown in the preview; keys that could be value material are hidden."""
    return (showable_key(key) if key else None) or "(key hidden)"


def preview_rows(result: EncodeResult) -> list[PreviewRow]:
    """`(line, key as shown, status, detail)` for each entry and problem of an `EncodeResult`.

    Status is `ok`, `no value`, `unparseable line N`, `unsafe key`, `collision` or a note
    such as `looks already encoded` (notes are still written). `detail` is the converter's
    own message, which names lines and keys and never a value.
    """
    rows: list[PreviewRow] = []
    notes: dict[tuple[int | None, str | None], list[tuple[str, str]]] = {}
    for note in result.notes:
        notes.setdefault((note.line, note.key), []).append((_status_of(note), note.message))
    problems: dict[tuple[int | None, str | None], list[tuple[str, str]]] = {}
    for problem in result.problems:
        found = problems.setdefault((problem.line, problem.key), [])
        found.append((_status_of(problem), problem.message))
    for entry in result.entries:
        found = problems.pop((entry.line, entry.key), []) + notes.pop((entry.line, entry.key), [])
        status = ", ".join(s for s, _ in found) or "ok"
        if result.refused and not found:
            status = "ok (nothing written: collisions)"
        detail = "; ".join(d for _, d in found)
        rows.append((entry.line, _displayable_key(entry.key), status, detail))
    for (line, key), found in [*problems.items(), *notes.items()]:  # lines with no entry
        for status, detail in found:
            rows.append((line, _displayable_key(key), status, detail))
    rows.sort(key=lambda r: (r[0] if r[0] is not None else 1 << 30, r[1]))
    return rows


def _status_of(problem: DotenvError) -> str:
    """A short status for one of the converter's problems or notes."""
    message = problem.message
    if "cannot be parsed" in message:
        return f"unparseable line {problem.line}"
    if message.startswith("no '='"):
        return "no value"
    if "multi-line value that is not quoted" in message:
        return "part of an unquoted value"
    if message.startswith("collides with"):
        return "collision"
    if "not a valid env-file name" in message or message.startswith("empty name"):
        return "unsafe key"
    if "already looks base64" in message:
        return "looks already encoded"
    if message.startswith("duplicate key"):
        return "duplicate (last wins)"
    if "macro" in message:
        return "macro kept as text"
    if "'${'" in message:
        return "${ kept literally"
    if "shell does not" in message:
        return "not shell-safe"
    if "already starts with" in message:
        return "already prefixed"
    return "note"


def preview_html(source: str, rows: list[PreviewRow]) -> str:
    """The preview as an HTML table (values as the placeholder or `—`)."""
    head = f"<div><b>Preview of {html.escape(source)}</b> (values hidden)</div>"
    body = "".join(
        "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            "" if line is None else line,
            html.escape(key),
            PLACEHOLDER if _written(status) else "—",
            html.escape(status),
            html.escape(detail),
        )
        for line, key, status, detail in rows
    )
    table = (
        "<table class='kestra-preview'><thead><tr><th>line</th><th>key</th><th>value</th>"
        f"<th>status</th><th>detail</th></tr></thead><tbody>{body}</tbody></table>"
    )
    return head + (table if rows else "<div>(no entries)</div>")
