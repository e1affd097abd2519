"""Jinja2's code generator taught Pebble's node types.

Jinja2 compiles the statement structure (output, `if`, `for` with its loop context, `set`,
macros, blocks, scoping) as usual; expressions built from `nodes.py` compile to plain calls
into `runtime` and LIB's `values`, bound once per compiled module under `_k_*` names. Lazy
operands (`??`, `???`, `is defined`, `default`) become lambdas so that the undefined error
of the left side can be caught exactly where Pebble catches `AttributeNotFoundException`.
"""

from __future__ import annotations

import keyword
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame

from . import nodes as pn

# operator -> helper name bound in the compiled module
_BINARY = {
    "+": "_k_add",
    "-": "_k_sub",
    "*": "_k_mul",
    "/": "_k_div",
    "%": "_k_mod",
    "~": "_k_concat",
    "==": "_k_eq",
    "equals": "_k_eq",
    "contains": "_k_contains",
    "isIn": "_k_is_in",
    "..": "_k_range",
}
_COMPARE = {"<", ">", "<=", ">="}

# names bound at the end of every compiled module (module globals, looked up at call time)
MODULE_FOOTER = """
from kestra_nb.pebble import runtime as _k_rt, values as _k_v
LoopContext = _k_rt.PebbleLoop
_k_undef = _k_rt.raise_missing_root
_k_context = _k_rt.root_variables
_k_ga = _k_rt.taint_guard(_k_rt.getattr_)
_k_method = _k_rt.taint_guard(_k_rt.call_method)
_k_nc = _k_rt.coalesce
_k_uc = _k_rt.coalesce_undefined
_k_defined = _k_rt.is_defined
_k_default = _k_rt.apply_default
_k_if = _k_rt.truthy_if
_k_iter = _k_rt.taint_control(_k_rt.iterate)
_k_macro = _k_rt.call_macro
_k_truthy = _k_rt.taint_control(_k_v.truthy)
_k_add = _k_rt.taint_guard(_k_rt.add)
_k_sub = _k_rt.taint_guard(_k_rt.sub)
_k_mul = _k_rt.taint_guard(_k_rt.mul)
_k_div = _k_rt.taint_guard(_k_rt.div)
_k_mod = _k_rt.taint_guard(_k_rt.mod)
_k_neg = _k_rt.taint_guard(_k_v.neg)
_k_pos = _k_rt.taint_guard(_k_v.pos)
_k_concat = _k_rt.taint_concat
_k_eq = _k_rt.taint_guard(_k_v.equals)
_k_cmp = _k_rt.taint_guard(environment.pebble_compare)
_k_contains = _k_rt.taint_guard(_k_v.contains)
_k_is_in = _k_rt.taint_guard(_k_v.is_in)
_k_map = _k_v.map_literal
_k_range = _k_rt.taint_guard(environment.pebble_range)
"""


class PebbleCodeGenerator(CodeGenerator):
    """`CodeGenerator` plus the visitors for `kestra_nb.pebble.nodes`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._k_bindings: dict[str, str] = {}

    # module ----------------------------------------------------------------------------
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        self.writeline(MODULE_FOOTER)
        for name, source in self._k_bindings.items():
            self.writeline(f"{name} = {source}")

    def _bind(self, kind: str, name: str) -> str:
        """A module-level name for filter/test/function `name` (resolved at compile time)."""
        env: Any = self.environment
        ident = f"_k_{kind}_{name}"
        if ident in self._k_bindings:
            return ident
        if kind == "f":
            source = (
                f"environment.filters[{name!r}]"
                if name in env.filters
                else f"_k_rt.no_filter({name!r})"
            )
        elif kind == "t":
            source = (
                f"environment.tests[{name!r}]" if name in env.tests else f"_k_rt.no_test({name!r})"
            )
        else:
            source = f"environment.pebble_functions[{name!r}]"
        self._k_bindings[ident] = source
        return ident

    # helpers ---------------------------------------------------------------------------
    def _args(self, args: list[nodes.Expr], kwargs: list[nodes.Keyword], frame: Frame) -> None:
        first = True
        for arg in args:
            if not first:
                self.write(", ")
            self.visit(arg, frame)
            first = False
        names = [kw.key for kw in kwargs]
        plain = len(set(names)) == len(names) and all(
            n.isidentifier() and not keyword.iskeyword(n) for n in names
        )
        if kwargs and not plain:  # `for=`, `None=`, a name given twice (the last one wins)
            if not first:
                self.write(", ")
            self.write("**{")
            for kw in kwargs:
                self.write(f"{kw.key!r}: ")
                self.visit(kw.value, frame)
                self.write(", ")
            self.write("}")
            return
        for kw in kwargs:
            if not first:
                self.write(", ")
            self.write(f"{kw.key}=")
            self.visit(kw.value, frame)
            first = False

    def _lazy(self, node: nodes.Expr, frame: Frame) -> None:
        self.write("(lambda: ")
        self.visit(node, frame)
        self.write(")")

    # expressions -----------------------------------------------------------------------
    def visit_GetAttr(self, node: pn.GetAttr, frame: Frame) -> None:
        if node.args is None:
            self.write("_k_ga(")
        else:
            self.write("_k_method(")
        self.visit(node.node, frame)
        self.write(", ")
        self.visit(node.attr, frame)
        if node.args is not None:
            self.write(", [")
            self._args(node.args, [], frame)
            self.write("]")
        self.write(f", {node.root!r}, {bool(node.direct)!r}, {node.lineno!r})")

    def visit_Name(self, node: nodes.Name, frame: Frame) -> None:
        if node.ctx == "load":
            ref = frame.symbols.ref(node.name)
            load = frame.symbols.find_load(ref)
            if load is None or load[0] != "param" or self.parameter_is_undeclared(ref):
                if node.name == "_context":  # Pebble's whole-context variable
                    self.write(f"(_k_context(context) if {ref} is missing else {ref})")
                    return
                self.write(
                    f"(_k_undef({node.name!r}, {node.lineno!r}) if {ref} is missing else {ref})"
                )
                return
        super().visit_Name(node, frame)

    def visit_BinOp(self, node: pn.BinOp, frame: Frame) -> None:
        op = node.op
        if op in ("and", "or"):
            self.write("(_k_truthy(")
            self.visit(node.left, frame)
            self.write(f", {op!r}) {op} _k_truthy(")
            self.visit(node.right, frame)
            self.write(f", {op!r}))")
            return
        if op == "!=":
            self.write("(not _k_eq(")
            self.visit(node.left, frame)
            self.write(", ")
            self.visit(node.right, frame)
            self.write("))")
            return
        if op in _COMPARE:
            self.write(f"_k_cmp({op!r}, ")
        else:
            self.write(_BINARY[op] + "(")
        self.visit(node.left, frame)
        self.write(", ")
        self.visit(node.right, frame)
        self.write(")")

    def visit_UnaryOp(self, node: pn.UnaryOp, frame: Frame) -> None:
        op = node.op
        if op == "not":
            self.write("(not _k_truthy(")
            self.visit(node.node, frame)
            self.write(", 'not'))")
            return
        if op == "if":
            self.write("_k_if(")
            self._lazy(node.node, frame)
            self.write(")")
            return
        func = {"-": "_k_neg", "+": "_k_pos", "iter": "_k_iter"}[op]
        self.write(func + "(")
        self.visit(node.node, frame)
        self.write(")")

    def visit_Coalesce(self, node: pn.Coalesce, frame: Frame) -> None:
        self.write("_k_nc(" if node.null_too else "_k_uc(")
        self._lazy(node.left, frame)
        self.write(", ")
        self._lazy(node.right, frame)
        self.write(")")

    def visit_Ternary(self, node: pn.Ternary, frame: Frame) -> None:
        self.write("(")
        self.visit(node.expr1, frame)
        self.write(" if _k_truthy(")
        self.visit(node.test, frame)
        self.write(", 'ternary') else ")
        self.visit(node.expr2, frame)
        self.write(")")

    def visit_FilterCall(self, node: pn.FilterCall, frame: Frame) -> None:
        func = self._bind("f", node.name)
        if node.name == "default" and node.node is not None:
            self.write(f"_k_default({func}, ")
            self._lazy(node.node, frame)
        else:
            self.write(func + "(")
            if node.node is None:
                self.write(f"concat({frame.buffer})")
            else:
                self.visit(node.node, frame)
        if node.args or node.kwargs:
            self.write(", ")
            self._args(node.args, node.kwargs, frame)
        self.write(")")

    def visit_FilterBody(self, node: pn.FilterBody, frame: Frame) -> None:
        self.write(f"concat({frame.buffer})")

    def visit_TestCall(self, node: pn.TestCall, frame: Frame) -> None:
        if node.negated:
            self.write("(not ")
        if node.name == "defined":
            self.write("_k_defined(")
            self._lazy(node.node, frame)
            self.write(")")
        else:
            func = self._bind("t", node.name)
            self.write(func + "(")
            self.visit(node.node, frame)
            if node.args or node.kwargs:
                self.write(", ")
                self._args(node.args, node.kwargs, frame)
            self.write(")")
        if node.negated:
            self.write(")")

    def visit_FuncCall(self, node: pn.FuncCall, frame: Frame) -> None:
        env: Any = self.environment
        name = node.name
        if node.target is None and name in env.pebble_functions:
            func = self._bind("fn", name)
            self.write(func + "(")
            if name in env.context_functions:
                self.write("context")
                if node.args or node.kwargs:
                    self.write(", ")
            self._args(node.args, node.kwargs, frame)
            self.write(")")
            return
        ref = frame.symbols.ref(name) if node.target is not None else "missing"
        self.write(f"_k_macro({ref}, {name!r}, [")
        self._args(node.args, [], frame)
        self.write("], {")
        for kw in node.kwargs:
            self.write(f"{kw.key!r}: ")
            self.visit(kw.value, frame)
            self.write(", ")
        self.write("})")

    def visit_MapLiteral(self, node: pn.MapLiteral, frame: Frame) -> None:
        self.write("_k_map((")
        for pair in node.items:
            self.write("(")
            self.visit(pair.key, frame)
            self.write(", ")
            self.visit(pair.value, frame)
            self.write("), ")
        self.write("))")

    def visit_ListLiteral(self, node: pn.ListLiteral, frame: Frame) -> None:
        self.write("[")
        for item in node.items:
            self.visit(item, frame)
            self.write(", ")
        self.write("]")

    # statements ------------------------------------------------------------------------
    def visit_Assign(self, node: nodes.Assign, frame: Frame) -> None:
        """`{% set %}`: Pebble's `ScopeChain.set` updates the variable in the nearest scope
        that already holds it, so a `set` inside a loop changes an outer variable (Jinja2
        would make a loop-local copy)."""
        super().visit_Assign(node, frame)
        target = node.target
        if not isinstance(target, nodes.Name) or not frame.loop_frame:
            return
        ref = frame.symbols.ref(target.name)
        current = frame
        while current.loop_frame and current.parent is not None:
            parent = current.parent
            outer = parent.symbols.find_ref(target.name)
            if outer is None:
                return
            # only a variable that exists out there (Pebble: a scope that contains the key)
            self.writeline(f"if {outer} is not missing:")
            self.indent()
            self.writeline(f"{outer} = {ref}")
            if parent.toplevel:
                self.writeline(f"context.vars[{target.name!r}] = {ref}")
            self.outdent()
            current = parent

    def visit_FilterBlock(self, node: nodes.FilterBlock, frame: Frame) -> None:
        filter_frame = frame.inner()
        filter_frame.symbols.analyze_node(node)
        self.enter_frame(filter_frame)
        self.buffer(filter_frame)
        self.blockvisit(node.body, filter_frame)
        self.start_write(frame, node)
        self.write("str(environment.finalize(")
        self.visit(node.filter, filter_frame)
        self.write("))")
        self.end_write(frame)
        self.leave_frame(filter_frame)
