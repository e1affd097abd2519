"""A flow's YAML with positions: line and column of every key and value, duplicate keys refused.

`load_flow_yaml` reads the YAML with PyYAML's safe machinery, keeping the 1-based line and
column of every key and value (`Marks`) and rejecting duplicate keys (Kestra's Jackson parser
does, with `Duplicate field`). Timestamps stay strings, as Jackson gives them to Kestra's
model. Paths look like `tasks[2].tasks[0].uri` (`format_path`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import FlowProblem

__all__ = ["Marks", "Path", "format_path", "load_flow_yaml"]

Path = tuple[str | int, ...]


def format_path(path: Sequence[str | int]) -> str:
    """`("tasks", 2, "uri")` -> `tasks[2].uri`; odd keys are quoted: `headers["Content-Type"]`."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            continue
        text = str(part)
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", text):
            out += f".{text}" if out else text
        else:
            out += f"[{json.dumps(text, ensure_ascii=False)}]"
    return out


# --- YAML with positions ------------------------------------------------------------------


class _FlowLoader(yaml.SafeLoader):
    """Safe loader without the timestamp resolver (Kestra's model gets such values as text)."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Marks:
    """1-based (line, column) of every value and mapping key of a parsed document, by path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Path) -> tuple[int | None, int | None]:
        """Position of the key at `path` if it has one, else of its value, else of a parent."""
        probe = tuple(path)
        while True:
            pos = self.keys.get(probe) or self.values.get(probe)
            if pos is not None:
                return pos
            if not probe:
                return (None, None)
            probe = probe[:-1]


def _pos(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


_MAX_DEPTH = 200


class _Builder:
    """Builds Python data from a composed YAML node tree, recording marks and duplicates."""

    def __init__(self, loader: _FlowLoader) -> None:
        self.loader = loader
        self.marks = Marks()
        self.problems: list[FlowProblem] = []

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        self.marks.values.setdefault(path, _pos(node))
        if depth > _MAX_DEPTH:
            raise yaml.YAMLError("document nested too deeply (recursive alias?)")
        if isinstance(node, MappingNode):
            self.loader.flatten_mapping(node)  # `<<` merge keys
            out: dict[Any, Any] = {}
            first_seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    line, col = _pos(key_node)
                    self.problems.append(
                        FlowProblem(format_path(path), "a mapping key must be a scalar", line, col)
                    )
                    continue
                child = (*path, key)
                line, col = _pos(key_node)
                if key in first_seen:
                    first = first_seen[key][0]
                    self.problems.append(
                        FlowProblem(
                            format_path(child),
                            f"Duplicate field '{key}' (first set at line {first})",
                            line,
                            col,
                        )
                    )
                    continue
                first_seen[key] = (line, col)
                self.marks.keys[child] = (line, col)
                out[key] = self.build(value_node, child, depth + 1)
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.loader.construct_object(node, deep=True)


def load_flow_yaml(text: str) -> tuple[Any, Marks, list[FlowProblem]]:
    """Parse `text`; return (data, marks, problems). A syntax error is one problem, data None."""
    loader = _FlowLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, Marks(), [FlowProblem("", "the flow is empty", 1, 1)]
        builder = _Builder(loader)
        data = builder.build(node, ())
        if data is None and not builder.problems:
            at = _pos(node)
            builder.problems.append(FlowProblem("", "the flow is empty", at[0], at[1]))
        return data, builder.marks, builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, Marks(), [FlowProblem("", f"invalid YAML: {what}", line, col)]
    except yaml.YAMLError as exc:
        return None, Marks(), [FlowProblem("", f"invalid YAML: {exc}", None, None)]
    finally:
        loader.dispose()
