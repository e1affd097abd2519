"""The package's import graph stays what `docs/architecture.md` draws.

Every `import` in every module is read with `ast`, at any depth (function-level imports
count; imports under `if TYPE_CHECKING:` count for the layer rules but not for cycles, since
they never run). The test fails on an import cycle, on a core module that reaches the
notebook layer, the CLI or IPython, and on a CLI module that reaches the notebook layer.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kestra_nb"
NAME = "kestra_nb"
NOTEBOOK_ONLY = ("IPython", "ipykernel", "ipywidgets", "traitlets", "nbformat", "jupyter_client")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, typing_only: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                yield from _imports_of(child, True)
            for child in node.orelse:
                yield from _imports_of(child, typing_only)
            continue
        yield from _imports_of(node, typing_only)


def _imports_of(node: ast.AST, typing_only: bool) -> Iterator[tuple[ast.AST, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, typing_only
    else:
        yield from _imports(node, typing_only)


def imported(name: str, path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """`(target, typing_only)` for each import of module `name`: absolute module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    out: list[tuple[str, bool]] = []
    for node, typing_only in _imports(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, typing_only) for alias in node.names]
            continue
        assert isinstance(node, ast.ImportFrom)
        if node.level:
            base = name.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        for alias in node.names:  # `from . import runtime` imports the submodule
            sub = f"{target}.{alias.name}"
            out.append((sub if sub in known else target, typing_only))
    return out


@functools.cache
def graph() -> dict[str, list[tuple[str, bool]]]:
    mods = modules()
    known = set(mods)
    return {name: imported(name, path, known) for name, path in mods.items()}


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1 or name == f"{NAME}.__main__":
        return "facade"  # the public API and `python -m kestra_nb`
    return parts[1] if parts[1] in ("notebook", "cli") else "core"


def test_the_graph_sees_every_module_and_function_level_imports() -> None:
    g = graph()
    assert "kestra_nb.notebook.extension" in g and "kestra_nb.pebble.renderer" in g
    # `load_ipython_extension` imports the extension inside the function: it must be seen
    assert ("kestra_nb.notebook.extension", False) in g["kestra_nb"]


def cycles_of(edges: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles_of({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles_of({"a": ["b"], "b": []}) == []


def test_no_import_cycles() -> None:
    g = graph()
    edges = {
        name: sorted({t for t, typing_only in targets if t in g and not typing_only and t != name})
        for name, targets in g.items()
    }
    assert cycles_of(edges) == [], "import cycles"


@pytest.mark.parametrize("name", sorted(modules()))
def test_imports_point_one_way(name: str) -> None:
    g = graph()
    here = layer(name)
    wrong = []
    for target, _ in g[name]:
        top = target.split(".")[0]
        if here == "core":
            if target.startswith((f"{NAME}.notebook", f"{NAME}.cli")) or target == NAME:
                wrong.append(target)
            if top in NOTEBOOK_ONLY:
                wrong.append(target)
        if here == "cli" and (target.startswith(f"{NAME}.notebook") or top in NOTEBOOK_ONLY):
            wrong.append(target)
        if here != "facade" and target == NAME:
            wrong.append(target)  # the facade imports the layers, never the other way
    assert wrong == [], f"{name} imports {wrong} ({here} layer)"


@pytest.mark.parametrize("name", sorted(n for n in modules() if layer(n) == "core"))
def test_core_never_reaches_the_notebook_layer_through_sys_modules(name: str) -> None:
    text = modules()[name].read_text(encoding="utf-8")
    assert "kestra_nb.notebook" not in text.replace("`kestra_nb.notebook", ""), name
