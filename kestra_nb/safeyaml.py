"""YAML loading bounded as Kestra's loader bounds it: alias bombs ("billion laughs") refused.

Kestra reads YAML with Jackson's YAML module on SnakeYAML, whose `LoaderOptions` Kestra does
not change, so SnakeYAML's defaults apply: at most 50 aliases to collections per document
(`maxAliasesForCollections`; aliases to scalars are free). `BoundedLoader` is a mixin for
PyYAML loaders that counts the same aliases (`Limits.max_yaml_aliases`, default 50) and,
after composing, the size of the document with every alias expanded (`Limits.max_items`):
within 50 aliases a document can still stand for 2^25 nodes. Both raise `LimitExceeded`
before anything is constructed. `safe_load` is `yaml.safe_load` with these bounds.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .limits import LimitExceeded, check_deadline, limits_in_force

__all__ = ["BoundedLoader", "BoundedSafeLoader", "expanded_size", "safe_load"]


def expanded_size(node: Node, cap: int) -> int:
    """The number of nodes `node` stands for with every alias expanded, stopping (with a
    value above `cap`) as soon as it passes `cap`. Linear in the composed graph."""
    memo: dict[int, int] = {}

    def size(n: Node, depth: int) -> int:
        known = memo.get(id(n))
        if known is not None:
            return known
        if depth > 1000:  # recursive alias: PyYAML refuses those while constructing
            return 1
        total = 1
        if isinstance(n, SequenceNode):
            for child in n.value:
                total += size(child, depth + 1)
                if total > cap:
                    break
        elif isinstance(n, MappingNode):
            for key, value in n.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > cap:
                    break
        memo[id(n)] = total
        return total

    return size(node, 0)


class BoundedLoader:
    """Mixin for a PyYAML loader: aliases to collections and the expanded size are capped."""

    _k_aliases = 0
    _k_nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._k_nodes += 1
        if not self._k_nodes & 1023:  # a huge document: the deadline every 1,024 nodes
            check_deadline()
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            event = self.peek_event()  # type: ignore[attr-defined]
            target = self.anchors.get(event.anchor)  # type: ignore[attr-defined]
            if target is not None and not isinstance(target, ScalarNode):
                self._k_aliases += 1
                limits = limits_in_force()
                if self._k_aliases > limits.max_yaml_aliases:
                    raise LimitExceeded(
                        "max_yaml_aliases", limits.max_yaml_aliases, where="loading YAML"
                    )
        return super().compose_node(parent, index)  # type: ignore[misc]

    def compose_document(self) -> Node | None:
        self._k_aliases = 0
        node: Node | None = super().compose_document()  # type: ignore[misc]
        if node is not None:
            check_deadline()
            cap = limits_in_force().max_items
            if expanded_size(node, cap) > cap:
                where = "loading YAML with its aliases expanded"
                raise LimitExceeded("max_items", cap, where=where)
        return node


class BoundedSafeLoader(BoundedLoader, yaml.SafeLoader):
    """`yaml.SafeLoader` with the alias and size bounds."""


def safe_load(text: str) -> Any:
    """`yaml.safe_load(text)` with the alias and expanded-size bounds (`LimitExceeded`)."""
    return yaml.load(text, Loader=BoundedSafeLoader)
