"""The few Jinja2 node types Pebble needs beyond Jinja2's own.

The parser builds ordinary `jinja2.nodes` trees (`Template`, `Output`, `If`, `For`,
`Assign`, `Macro`, `Block`, `FilterBlock`, `Name`, `Const`, `Pair`, `Keyword`) and uses
these where Pebble's semantics differ: attribute access with strict undefined and the root
variable remembered, Java-like operators, lazy `??`/`???`, Pebble filters and tests with
named arguments, functions, map and list literals, and the body of a `{% filter %}` tag.
`codegen.PebbleCodeGenerator` compiles them to calls into `runtime` and `values`.
"""

from __future__ import annotations

from typing import Any

from jinja2 import nodes


class _NodeType(nodes.NodeType):
    """Jinja2's node metaclass refuses new node types after import; this one allows ours.

    Same layout rules as Jinja2's: `fields` and `attributes` extend the base class's.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], d: dict[str, Any]) -> Any:
        for attr in ("fields", "attributes"):
            storage: list[str] = list(getattr(bases[0] if bases else object, attr, ()))
            storage.extend(d.get(attr, ()))
            if len(storage) != len(set(storage)):
                raise TypeError(f"layout conflict in node {name}")
            d[attr] = tuple(storage)
        d.setdefault("abstract", False)
        return type.__new__(mcs, name, bases, d)


class PebbleExpr(nodes.Expr, metaclass=_NodeType):
    """Base of the Pebble expression nodes (never constant-folded)."""

    abstract = True

    def as_const(self, eval_ctx: Any = None) -> Any:
        raise nodes.Impossible()


class GetAttr(PebbleExpr):
    """`node.attr`, `node[attr]` or `node.attr(args)` (a Java method call, allow-listed).

    `root` is the root variable name of the chain (for `UndefinedError.root`); `direct` is
    true when `node` is the root variable itself (Pebble names the root in that error).
    """

    fields = ("node", "attr", "args")
    attributes = ("root", "direct")
    node: nodes.Expr
    attr: nodes.Expr
    args: list[nodes.Expr] | None
    root: str | None
    direct: bool


class BinOp(PebbleExpr):
    """A Pebble binary operator (arithmetic, comparison, `~`, `contains`, `..`, `and`...)."""

    fields = ("left", "right")
    attributes = ("op",)
    left: nodes.Expr
    right: nodes.Expr
    op: str


class UnaryOp(PebbleExpr):
    """`not x`, `-x`, `+x` (applying to a single primary)."""

    fields = ("node",)
    attributes = ("op",)
    node: nodes.Expr
    op: str


class Coalesce(PebbleExpr):
    """`a ?? b` (`null_too`) or `a ??? b`: the right side only runs when needed."""

    fields = ("left", "right")
    attributes = ("null_too",)
    left: nodes.Expr
    right: nodes.Expr
    null_too: bool


class Ternary(PebbleExpr):
    """`test ? expr1 : expr2` (null test is false, not an error)."""

    fields = ("test", "expr1", "expr2")
    test: nodes.Expr
    expr1: nodes.Expr
    expr2: nodes.Expr


class FilterCall(PebbleExpr):
    """`node | name(args, key=value)`; `node` is None inside `{% filter %}` (the body)."""

    fields = ("node", "args", "kwargs")
    attributes = ("name",)
    node: nodes.Expr | None
    args: list[nodes.Expr]
    kwargs: list[nodes.Keyword]
    name: str


class TestCall(PebbleExpr):
    """`node is [not] name(args)`."""

    fields = ("node", "args", "kwargs")
    attributes = ("name", "negated")
    node: nodes.Expr
    args: list[nodes.Expr]
    kwargs: list[nodes.Keyword]
    name: str
    negated: bool


class FuncCall(PebbleExpr):
    """`name(args, key=value)`: a function, a server function or a macro of the template.

    `target` is a `Name` load of `name` when it is not a known function (a macro, looked up
    at run time as Pebble does), else None.
    """

    fields = ("target", "args", "kwargs")
    target: nodes.Name | None
    attributes = ("name",)
    args: list[nodes.Expr]
    kwargs: list[nodes.Keyword]
    name: str


class MapLiteral(PebbleExpr):
    """`{k: v, ...}`: a Java `HashMap` (iteration order as Java's)."""

    fields = ("items",)
    items: list[nodes.Pair]


class ListLiteral(PebbleExpr):
    """`[a, b]`: a fresh `ArrayList` on every evaluation."""

    fields = ("items",)
    items: list[nodes.Expr]


class FilterBody(PebbleExpr):
    """Placeholder for the rendered body of a `{% filter %}` tag."""

    fields = ()


def block_ident(name: str) -> str:
    """The Jinja2 block name for Pebble block `name` (Jinja2 needs a Python identifier)."""
    if name.isidentifier() and name.isascii():
        return name
    return "_k" + name.encode("utf-8").hex()
