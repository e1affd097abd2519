"""`pluginDefaults` merged into a flow's typed mappings, as Kestra's `PluginDefaultService`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["apply_plugin_defaults", "deep_copy"]


def deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    return value


# --- plugin defaults ------------------------------------------------------------------------


def _kestra_merge(a: Any, b: Any, b_first: bool = False) -> Any:
    """Kestra's `MapUtils.deepMerge(a, b)`: `b` wins, maps merge, lists are `a` + new of `b`,
    a null in `b` keeps `a`. `b_first` only orders the keys (`b`'s first) for display."""
    if b is None:
        return deep_copy(a)
    if a is None:
        return deep_copy(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        order = (
            [*b, *(k for k in a if k not in b)] if b_first else [*a, *(k for k in b if k not in a)]
        )
        return {
            k: _kestra_merge(a.get(k), b.get(k), b_first)
            if k in a and k in b
            else deep_copy(a[k] if k in a else b[k])
            for k in order
        }
    if isinstance(a, list) and isinstance(b, list):
        return [*deep_copy(a), *(deep_copy(x) for x in b if x not in a)]
    return deep_copy(b)


def apply_plugin_defaults(flow: Mapping[str, Any]) -> dict[str, Any]:
    """The flow with its `pluginDefaults` merged in, as Kestra's `PluginDefaultService` does.

    Every mapping with a `type` (tasks at any depth, triggers, conditions, task runners, ...)
    whose type equals a default's `type` or starts with it (a package prefix) gets the
    default's `values`: the mapping's own values win unless the default is `forced: true`;
    among several matching defaults the first listed wins. Maps merge key by key, lists are
    the default's items then the mapping's new ones. `pluginDefaults` itself stays as written.
    (Kestra's global defaults from its configuration and plugin aliases are not known here.)
    """
    raw = flow.get("pluginDefaults")
    defaults = [
        d
        for d in (raw if isinstance(raw, list) else [])
        if isinstance(d, Mapping)
        and isinstance(d.get("type"), str)
        and isinstance(d.get("values"), Mapping)
    ]
    if not defaults:
        return deep_copy(flow)
    normal = [d for d in defaults if d.get("forced") is not True]
    forced = [d for d in reversed(defaults) if d.get("forced") is True]

    def matching(group: list[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
        return [d for d in group if kind == d["type"] or kind.startswith(d["type"])]

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            out = {k: walk(v) for k, v in value.items()}
            kind = out.get("type")
            if isinstance(kind, str):
                for d in matching(normal, kind):
                    out = _kestra_merge(d["values"], out, b_first=True)
                for d in matching(forced, kind):
                    out = _kestra_merge(out, d["values"])
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    merged = {k: (deep_copy(v) if k == "pluginDefaults" else walk(v)) for k, v in flow.items()}
    return merged
