"""Show a `KestraFlow`: masked YAML (highlighted HTML or text) and a summary of what it uses.

Nothing here sees a real secret value in clear except the masker: the YAML shown is the
engine's masked rendering (`secret()` printed as `******`), then passed through a `Masker`
holding every secret value used (and SECRET inputs), before highlighting and again after,
so a value transformed by a filter that keeps it literal is still hidden.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import FlowProblem, problem_text
from .show import SHOW_CHOICES  # re-exported: the display checks it

if TYPE_CHECKING:  # pragma: no cover
    from ..masking import Masker
    from .evaluation import RenderProblem
    from .model import KestraFlow


class _Dumper(yaml.SafeDumper):
    """Block style, keys in document order, multi-line strings as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    """YAML text of a flow structure as a person would write it (order kept, no wrapping)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )


def highlight_yaml(text: str) -> str:
    """HTML of `text` highlighted as YAML (inline styles: no stylesheet needed)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import YamlLexer
    except ImportError:  # pragma: no cover - pygments is a declared dependency
        return f"<pre>{html.escape(text)}</pre>"
    formatter = HtmlFormatter(noclasses=True, nobackground=True)
    return str(highlight(text, YamlLexer(), formatter))


def _yaml_for(flow: KestraFlow, show: str) -> list[tuple[str, str]]:
    """(title, masked text) pairs for `show` in rendered / source / both."""
    if show not in SHOW_CHOICES:
        raise ValueError(f"show must be one of {', '.join(SHOW_CHOICES)}, not {show!r}")
    parts: list[tuple[str, str]] = []
    if show in ("rendered", "both"):
        parts.append(("rendered", flow.to_yaml(masked=True)))
    if show in ("source", "both"):
        parts.append(("source", flow.masker.mask(flow.source)))
    return parts


def _names(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


SCHEMA_HINT = "kestra-nb schema pull --server URL checks them"


def verdict_parts(flow: KestraFlow) -> tuple[str, str]:
    """(`valid` or `no problems found`, what was not checked or ''): "valid" only when every
    plugin's properties were checked (by the bundled index or a server's schema)."""
    from .validation import unchecked_plugins

    plugins = unchecked_plugins(flow.flow)
    known = getattr(flow, "unchecked_types", None)  # set by validation when a schema was used
    if known is not None:
        plugins = [p for p in plugins if p[2] in known]
    if not plugins:
        return "valid", ""
    types = list(dict.fromkeys(t for _p, _k, t in plugins))
    noun = "plugin task" if all(k == "task" for _p, k, _t in plugins) else "plugin"
    shown = types[0] + (", …" if len(types) > 1 else "")
    count = f"{len(plugins)} {noun}{'s' if len(plugins) != 1 else ''}"
    return "no problems found", f"{count} not checked ({shown}): {SCHEMA_HINT}"


def verdict(flow: KestraFlow) -> str:
    """The verdict as one line: `valid`, `1 render error(s)`, or e.g. `no problems found · 2
    plugin tasks not checked (io.kestra.plugin.jdbc.postgresql.Query, …): kestra-nb schema
    pull --server URL checks them`."""
    head, tail = verdict_parts(flow)
    if flow.errors:
        head = f"{len(flow.errors)} render error(s)"
    return f"{head} · {tail}" if tail else head


def summary_lines(flow: KestraFlow) -> list[str]:
    """The summary as plain text lines (no value, only names, paths and messages)."""
    found = [n for n in flow.secrets_used if n not in flow.missing_secrets]
    lines = [
        f"flow {flow.namespace}.{flow.id}: {len(flow.tasks)} task(s)"
        + (
            f", {len(flow.flow.get('triggers') or [])} trigger(s)"
            if flow.flow.get("triggers")
            else ""
        ),
        f"secrets used: {_names(found)}; missing: {_names(flow.missing_secrets)}",
        f"envs used: {_names(flow.envs_used)}",
        f"inputs used: {_names(flow.inputs_used)}",
    ]
    if verdict_parts(flow)[1]:  # never silently "valid": say what was not checked
        lines.append(f"verdict: {verdict(flow)}")
    if flow.deferred:
        lines.append(f"resolved at run time ({len(flow.deferred)}):")
        lines += [f"  {d.path}: {d.expression}  [{d.root}]" for d in flow.deferred]
    if flow.warnings:
        lines.append(f"warnings ({len(flow.warnings)}):")
        lines += [f"  {w}" for w in flow.warnings]
    if flow.errors:
        lines.append(f"errors ({len(flow.errors)}):")
        lines += [f"  {e}" for e in flow.errors]
    return [flow.masker.mask(line) for line in lines]


def render_text(flow: KestraFlow, show: str = "rendered") -> str:
    """Plain-text display: the summary, then the masked YAML."""
    out = summary_lines(flow)
    for title, text in _yaml_for(flow, show):
        out += ["", f"--- {title} ---", text.rstrip("\n")]
    return flow.masker.mask("\n".join(out))


def _list_html(items: Sequence[str]) -> str:
    if not items:
        return "<i>none</i>"
    return ", ".join(f"<code>{html.escape(i)}</code>" for i in items)


def _cell(text: str, code: bool) -> str:
    inner = f"<code>{html.escape(text)}</code>" if code and text else html.escape(text)
    return f"<td style='text-align:left'>{inner}</td>"


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], code: Sequence[int] = (0,)
) -> str:
    """An HTML table; the columns in `code` (paths, expressions) are shown as code."""
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(_cell(c, i in code) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _problem(problem: FlowProblem | RenderProblem) -> str:
    """A problem's message with its expression and hint, one line (the table gives the rest)."""
    return problem_text(problem.message, problem.hint, problem.expression)


def render_html(flow: KestraFlow, show: str = "rendered") -> str:
    """HTML display: a summary (tasks, secrets, envs, inputs, deferred, warnings, errors) and
    the highlighted, masked YAML."""
    masker: Masker = flow.masker
    found = [n for n in flow.secrets_used if n not in flow.missing_secrets]
    status = verdict(flow)
    parts = [
        "<div class='kestra-nb-flow'>",
        f"<p><b>Kestra flow</b> <code>{html.escape(str(flow.namespace))}."
        f"{html.escape(str(flow.id))}</code>: {len(flow.tasks)} task(s), {html.escape(status)}</p>",
        "<ul>",
        f"<li>secrets used: {_list_html(found)}; missing: "
        + (
            f"<span style='color:#b00'>{_list_html(flow.missing_secrets)}</span>"
            if flow.missing_secrets
            else "<i>none</i>"
        )
        + "</li>",
        f"<li>envs used: {_list_html(flow.envs_used)}</li>",
        f"<li>inputs used: {_list_html(flow.inputs_used)}</li>",
        "</ul>",
    ]
    tasks_rows = [(path, str(task.get("id")), str(task.get("type"))) for path, task in flow.tasks]
    parts.append(
        f"<details><summary>tasks ({len(tasks_rows)})</summary>"
        + _table(("path", "id", "type"), tasks_rows)
        + "</details>"
    )
    if flow.deferred:
        parts.append(
            f"<details open><summary>resolved at run time ({len(flow.deferred)})</summary>"
            + _table(("path", "expression", "needs"), flow.deferred, code=(0, 1))
            + "</details>"
        )
    if flow.warnings:
        parts.append(
            f"<details open><summary>warnings ({len(flow.warnings)})</summary>"
            + _table(
                ("path", "line", "warning"),
                ((w.path, str(w.line or ""), _problem(w)) for w in flow.warnings),
            )
            + "</details>"
        )
    if flow.errors:
        parts.append(
            f"<details open><summary style='color:#b00'>errors ({len(flow.errors)})</summary>"
            + _table(
                ("path", "task", "line", "error"),
                ((e.path, e.task_id or "", str(e.line or ""), _problem(e)) for e in flow.errors),
            )
            + "</details>"
        )
    for title, text in _yaml_for(flow, show):
        parts.append(f"<div><i>{html.escape(title)}</i>{highlight_yaml(masker.mask(text))}</div>")
    parts.append("</div>")
    return masker.mask("".join(parts))
