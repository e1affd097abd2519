"""A flow's YAML with positions: line and column of every key and value, duplicate keys refused.

`load_flow_yaml` reads the YAML with PyYAML's safe machinery, keeping the 1-based line and
column of every key and value (`Marks`) and rejecting duplicate keys (Kestra's Jackson parser
does, with `Duplicate field`). Timestamps stay strings, as Jackson gives them to Kestra's
model. Paths look like `tasks[2].tasks[0].uri` (`format_path`).

Line numbers are the editor's: `first_line` is the number of the text's first line (1 for a
file; 2 in a `%%kestra_flow` cell, whose line 1 is the magic). `Marks.locate` finds the line
of a piece of a string value (an expression inside a `script: |` block) in the source.
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
from ..safeyaml import BoundedLoader

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


class _FlowLoader(BoundedLoader, yaml.SafeLoader):
    """Safe loader without the timestamp resolver (Kestra's model gets such values as text)."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Marks:
    """1-based (line, column) of every value and mapping key of a parsed document, by path.

    Lines count from `first_line` (the editor's number of the text's first line). `scalars`
    holds each string value's span in `text` (start, end, style) for `locate`.
    """

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)
    first_line: int = 1
    scalars: dict[Path, tuple[int, int, str | None]] = field(default_factory=dict, repr=False)

    def line_of(self, index: int) -> int:
        """The editor's line number of character `index` of the text."""
        return self.text.count("\n", 0, index) + self.first_line

    def locate(
        self, path: Path, value: str, offset: int, needle: str | None = None
    ) -> tuple[int | None, int | None]:
        """(line, column) of `value[offset:]`, a piece of the string value at `path`.

        The piece is searched in the value's source text (the same occurrence as in `value`);
        failing that, a literal block's line is counted; else the value's (or key's) position.
        """
        span = self.scalars.get(tuple(path))
        if span is None:
            return self.at(path)
        start, end, style = span
        raw = self.text[start:end]
        if needle:
            nth = value[:offset].count(needle)
            for form in (needle, needle.replace("'", "''")):
                found = -1
                for _ in range(nth + 1):
                    found = raw.find(form, found + 1)
                    if found < 0:
                        break
                if found >= 0:
                    at = start + found
                    line_start = self.text.rfind("\n", 0, at) + 1
                    return (self.line_of(at), at - line_start + 1)
        if style == "|":  # content starts on the line after the indicator, lines kept
            return (self.line_of(start) + 1 + value[:offset].count("\n"), None)
        return self.values.get(tuple(path)) or self.at(path)

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


def _pos(node: Node, first_line: int = 1) -> tuple[int, int]:
    return (node.start_mark.line + first_line, node.start_mark.column + 1)


_MAX_DEPTH = 200


class _Builder:
    """Builds Python data from a composed YAML node tree, recording marks and duplicates."""

    def __init__(self, loader: _FlowLoader, text: str, first_line: int = 1) -> None:
        self.loader = loader
        self.first_line = first_line
        self.marks = Marks(text=text, first_line=first_line)
        self.problems: list[FlowProblem] = []

    def pos(self, node: Node) -> tuple[int, int]:
        return _pos(node, self.first_line)

    def build(self, node: Node, path: Path, depth: int = 0) -> Any:
        self.marks.values.setdefault(path, self.pos(node))
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
                    line, col = self.pos(key_node)
                    self.problems.append(
                        FlowProblem(format_path(path), "a mapping key must be a scalar", line, col)
                    )
                    continue
                child = (*path, key)
                line, col = self.pos(key_node)
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
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, str):
            span = (node.start_mark.index, node.end_mark.index, node.style)
            self.marks.scalars.setdefault(path, span)
        return value


def load_flow_yaml(text: str, first_line: int = 1) -> tuple[Any, Marks, list[FlowProblem]]:
    """Parse `text`; return (data, marks, problems). A syntax error is one problem, data None.

    `first_line`: the line number of the text's first line (2 in a `%%kestra_flow` cell).
    """
    loader = _FlowLoader(text)
    empty = Marks(text=text, first_line=first_line)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, empty, [FlowProblem("", "the flow is empty", first_line, 1)]
        builder = _Builder(loader, text, first_line)
        data = builder.build(node, ())
        if data is None and not builder.problems:
            at = builder.pos(node)
            builder.problems.append(FlowProblem("", "the flow is empty", at[0], at[1]))
        return data, builder.marks, builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, empty, [FlowProblem("", f"invalid YAML: {what}", line, col)]
    except yaml.YAMLError as exc:
        return None, empty, [FlowProblem("", f"invalid YAML: {exc}", None, None)]
    finally:
        loader.dispose()
