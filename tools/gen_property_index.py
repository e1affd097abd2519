"""Generate `kestra_nb/data/kestra_properties.json` from Kestra's own Java sources.

The index lists, for every concrete core and script plugin (tasks, triggers, conditions, task
runners), the properties Kestra's Jackson mapper accepts in a flow's YAML, inherited ones
included, with which are required, the YAML shape each takes, deprecations, `@Plugin` aliases,
and what changed in the Kestra 2.0 development line. `kestra_nb.flow.properties` checks flows
against it offline.

The Java text is read with tree-sitter's Java grammar (a real parser: Kestra's `@Example`
annotations use text blocks, which javalang cannot parse); no regular expression reads Java.

Usage:
    python tools/gen_property_index.py [--sources DIR] [--output FILE] [--check]

`--sources` defaults to `../shared/reference/kestra-sources` beside the project. `--check`
writes nothing and exits 1 when the checked-in index differs from what would be generated.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tree_sitter
import tree_sitter_java

GENERATOR_VERSION = 1
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = ROOT.parent / "shared" / "reference" / "kestra-sources"
DEFAULT_OUTPUT = ROOT / "kestra_nb" / "data" / "kestra_properties.json"

# Plugin bases: a concrete class reaching one of these is indexed with that kind.
KIND_BASES = {
    "io.kestra.core.models.tasks.Task": "task",
    "io.kestra.core.models.triggers.AbstractTrigger": "trigger",
    "io.kestra.core.models.conditions.Condition": "condition",
    "io.kestra.core.models.tasks.runners.TaskRunner": "runner",
}
# Packages whose concrete plugins are indexed (prefixes).
INDEXED_PREFIXES = (
    "io.kestra.plugin.core.",
    "io.kestra.plugin.scripts.",
    "io.kestra.core.tasks.",
)
PROPERTY = "io.kestra.core.models.property.Property"
FLOW_CLASS = "io.kestra.core.models.flows.Flow"
INPUT_BASE = "io.kestra.core.models.flows.Input"

# Java types whose YAML shape is known without their source (JDK and libraries).
SCALARS = {
    "string": (
        "java.lang.String java.lang.CharSequence java.lang.Character char java.net.URI "
        "java.net.URL java.time.ZonedDateTime java.time.OffsetDateTime java.time.LocalDate "
        "java.time.LocalTime java.time.LocalDateTime java.time.Instant java.time.ZoneId "
        "java.util.Locale java.util.regex.Pattern java.util.UUID java.time.OffsetTime "
        "java.nio.charset.Charset"
    ),
    "integer": (
        "java.lang.Integer int java.lang.Long long java.lang.Short short java.lang.Byte byte "
        "java.math.BigInteger"
    ),
    "number": "java.lang.Double double java.lang.Float float java.lang.Number java.math.BigDecimal",
    "boolean": "java.lang.Boolean boolean",
    "duration": "java.time.Duration",
    "any": "java.lang.Object com.fasterxml.jackson.databind.JsonNode",
}
SCALAR_SHAPES = {name: shape for shape, names in SCALARS.items() for name in names.split()}
LIST_TYPES = frozenset(
    [
        "java.util.List",
        "java.util.Collection",
        "java.util.Set",
        "java.lang.Iterable",
        "java.util.ArrayList",
        "java.util.LinkedList",
        "java.util.SortedSet",
        "java.util.HashSet",
        "java.util.LinkedHashSet",
    ]
)
MAP_TYPES = frozenset(
    [
        "java.util.Map",
        "java.util.HashMap",
        "java.util.LinkedHashMap",
        "java.util.SortedMap",
        "java.util.TreeMap",
    ]
)
# Library enums used by plugin properties whose source is not in the trees (names as Jackson
# reads them: the constants).
EXTERNAL_ENUMS = {
    "org.slf4j.event.Level": ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"],
    "java.net.Proxy.Type": ["DIRECT", "HTTP", "SOCKS"],
    "java.time.DayOfWeek": [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ],
}
KNOWN_EXTERNAL = frozenset(
    {*SCALAR_SHAPES, *LIST_TYPES, *MAP_TYPES, *EXTERNAL_ENUMS, "java.util.Optional"}
)
JAVA_LANG = {n.rsplit(".", 1)[1]: n for n in SCALAR_SHAPES if n.startswith("java.lang.")}
REQUIRED_ANNOTATIONS = frozenset({"NotNull", "NotBlank", "NotEmpty"})

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_java.language()))


# --- reading Java ----------------------------------------------------------------------------


def _text(node: tree_sitter.Node | None) -> str:
    """A node's source text ('' for None)."""
    return "" if node is None or node.text is None else node.text.decode("utf-8")


@dataclass
class Annotation:
    """One annotation: simple name and its arguments as Python values (strings, lists, ...)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Member:
    """A field or a setter: what Jackson sees as a property in a flow's YAML."""

    name: str
    type_node: tree_sitter.Node | None
    annotations: dict[str, Annotation]
    has_initializer: bool = False
    is_setter: bool = False


@dataclass
class JavaClass:
    """A class, interface or enum declaration, with what the index needs of it."""

    fqn: str
    kind: str  # class | interface | enum | record | annotation
    package: str
    imports: dict[str, str]
    wildcard_imports: list[str]
    outer: JavaClass | None
    annotations: dict[str, Annotation]
    is_abstract: bool
    superclass: tree_sitter.Node | None
    interfaces: list[tree_sitter.Node]
    type_params: dict[str, tree_sitter.Node | None]
    members: list[Member] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)  # names @JsonIgnore'd on getters/setters
    getters: set[str] = field(default_factory=set)  # names with a public getter method
    enum_constants: list[str] = field(default_factory=list)
    nested: dict[str, JavaClass] = field(default_factory=dict)
    custom_json: bool = False  # @JsonCreator / @JsonValue / class-level deserializer

    @property
    def simple(self) -> str:
        """The simple class name."""
        return self.fqn.rsplit(".", 1)[1]


def _annotation_value(node: tree_sitter.Node) -> Any:
    """An annotation argument as a Python value: strings, booleans, lists, else source text."""
    if node.type == "string_literal":
        return "".join(
            _text(c)
            for c in node.named_children
            if c.type in ("string_fragment", "multiline_string_fragment")
        )
    if node.type in ("true", "false"):
        return node.type == "true"
    if node.type == "element_value_array_initializer":
        return [_annotation_value(c) for c in node.named_children]
    if node.type in ("annotation", "marker_annotation"):
        return _annotation(node)
    if node.type == "class_literal":
        return _text(node.named_children[0])
    if node.type == "binary_expression":  # "a" + "b"
        left = _annotation_value(node.child_by_field_name("left"))  # type: ignore[arg-type]
        right = _annotation_value(node.child_by_field_name("right"))  # type: ignore[arg-type]
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    return _text(node)


def _annotations(modifiers: tree_sitter.Node | None) -> dict[str, Annotation]:
    """The annotations among a declaration's modifiers, by simple name (`Builder.Default` kept)."""
    found: dict[str, Annotation] = {}
    if modifiers is None:
        return found
    for child in modifiers.named_children:
        if child.type not in ("annotation", "marker_annotation"):
            continue
        ann = _annotation(child)
        found[ann.name] = ann
    return found


def _annotation(node: tree_sitter.Node) -> Annotation:
    """One annotation node; its name is the simple name (`Builder.Default` kept whole)."""
    name = _text(node.child_by_field_name("name"))
    ann = Annotation(
        "Builder.Default" if name.endswith("Builder.Default") else name.rsplit(".", 1)[-1]
    )
    arguments = node.child_by_field_name("arguments")
    if arguments is not None:
        for arg in arguments.named_children:
            if arg.type == "element_value_pair":
                key = _text(arg.child_by_field_name("key"))
                value = arg.child_by_field_name("value")
                if value is not None:
                    ann.args[key] = _annotation_value(value)
            elif arg.type != "comment":
                ann.args["value"] = _annotation_value(arg)
    return ann


def _modifiers(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The `modifiers` child of a declaration, if any."""
    for child in node.children:
        if child.type == "modifiers":
            return child
    return None


def _keywords(modifiers: tree_sitter.Node | None) -> set[str]:
    """Keyword modifiers (`static`, `abstract`, `transient`, ...)."""
    if modifiers is None:
        return set()
    return {c.type for c in modifiers.children if not c.is_named}


def _member_name_of_accessor(method: str) -> tuple[str, str] | None:
    """`setFoo` -> ('set', 'foo'); `getFoo`/`isFoo` likewise; else None."""
    for prefix in ("set", "get", "is"):
        rest = method[len(prefix) :]
        if method.startswith(prefix) and rest[:1].isupper():
            return prefix, rest[:1].lower() + rest[1:]
    return None


def parse_file(path: Path) -> list[JavaClass]:
    """Every type declared in one Java file (nested ones included)."""
    tree = _PARSER.parse(path.read_bytes())
    root = tree.root_node
    package = ""
    imports: dict[str, str] = {}
    wildcards: list[str] = []
    for child in root.named_children:
        if child.type == "package_declaration":
            package = _text(child.named_children[-1]) if child.named_children else ""
        elif child.type == "import_declaration":
            is_static = any(c.type == "static" for c in child.children)
            target = next(
                (c for c in child.named_children if c.type in ("scoped_identifier", "identifier")),
                None,
            )
            name = _text(target)
            if any(c.type == "asterisk" for c in child.children):
                if not is_static:
                    wildcards.append(name)
            elif not is_static:
                imports[name.rsplit(".", 1)[-1]] = name
    classes: list[JavaClass] = []
    for child in root.named_children:
        _declaration(child, package, imports, wildcards, None, classes)
    return classes


_DECLARATIONS = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "record_declaration": "record",
    "annotation_type_declaration": "annotation",
}


def _declaration(
    node: tree_sitter.Node,
    package: str,
    imports: dict[str, str],
    wildcards: list[str],
    outer: JavaClass | None,
    out: list[JavaClass],
) -> None:
    """Record a type declaration and, recursively, the types nested in it."""
    kind = _DECLARATIONS.get(node.type)
    if kind is None:
        return
    mods = _modifiers(node)
    name = _text(node.child_by_field_name("name"))
    fqn = f"{outer.fqn}.{name}" if outer else (f"{package}.{name}" if package else name)
    type_params: dict[str, tree_sitter.Node | None] = {}
    params = node.child_by_field_name("type_parameters")
    if params is not None:
        for param in params.named_children:
            if param.type == "type_parameter":
                ident = next((c for c in param.named_children if c.type == "type_identifier"), None)
                bound = next((c for c in param.named_children if c.type == "type_bound"), None)
                type_params[_text(ident)] = bound.named_children[0] if bound else None
    superclass = node.child_by_field_name("superclass")
    interfaces: list[tree_sitter.Node] = []
    for child in node.children:  # `implements` of a class, `extends` of an interface
        if child.type in ("super_interfaces", "extends_interfaces"):
            for type_list in child.named_children:
                interfaces.extend(type_list.named_children)
    cls = JavaClass(
        fqn=fqn,
        kind=kind,
        package=package,
        imports=imports,
        wildcard_imports=wildcards,
        outer=outer,
        annotations=_annotations(mods),
        is_abstract=kind != "class" or "abstract" in _keywords(mods),
        superclass=superclass.named_children[0] if superclass is not None else None,
        interfaces=interfaces,
        type_params=type_params,
    )
    deserialize = cls.annotations.get("JsonDeserialize")
    if deserialize is not None and "using" in deserialize.args:
        cls.custom_json = True
    if outer is not None:
        outer.nested[name] = cls
    out.append(cls)
    body = node.child_by_field_name("body")
    if body is None:
        return
    for member in body.named_children:
        if member.type == "enum_body_declarations":
            for inner in member.named_children:
                _member(inner, cls, package, imports, wildcards, out)
        elif member.type == "enum_constant":
            cls.enum_constants.append(_text(member.child_by_field_name("name")))
        else:
            _member(member, cls, package, imports, wildcards, out)


def _member(
    member: tree_sitter.Node,
    cls: JavaClass,
    package: str,
    imports: dict[str, str],
    wildcards: list[str],
    out: list[JavaClass],
) -> None:
    """Record one class-body member: field, setter, Jackson hints, nested type."""
    if member.type in _DECLARATIONS:
        _declaration(member, package, imports, wildcards, cls, out)
        return
    mods = _modifiers(member)
    annotations = _annotations(mods)
    keywords = _keywords(mods)
    if member.type == "field_declaration" and cls.kind in ("class", "enum", "record"):
        if "static" in keywords or "transient" in keywords:
            return
        type_node = member.child_by_field_name("type")
        for declarator in member.children_by_field_name("declarator"):
            cls.members.append(
                Member(
                    name=_text(declarator.child_by_field_name("name")),
                    type_node=type_node,
                    annotations=annotations,
                    has_initializer=declarator.child_by_field_name("value") is not None,
                )
            )
    elif member.type in ("method_declaration", "constructor_declaration"):
        if "JsonCreator" in annotations or "JsonValue" in annotations:
            cls.custom_json = True
        if member.type == "constructor_declaration" or "static" in keywords:
            return
        accessor = _member_name_of_accessor(_text(member.child_by_field_name("name")))
        if accessor is None:
            return
        prefix, prop = accessor
        if "JsonIgnore" in annotations:
            cls.ignored.add(prop)
            return
        params = member.child_by_field_name("parameters")
        no_params = params is None or not params.named_children
        if prefix != "set" and no_params and ("public" in keywords or cls.kind == "interface"):
            cls.getters.add(prop)
        formal = [
            p for p in (params.named_children if params else []) if p.type == "formal_parameter"
        ]
        if prefix == "set" and len(formal) == 1 and "public" in keywords:
            cls.members.append(
                Member(
                    name=prop,
                    type_node=formal[0].child_by_field_name("type"),
                    annotations=annotations,
                    is_setter=True,
                )
            )


# --- the class model of one source tree set -------------------------------------------------


class Model:
    """All classes of a set of source trees, with name resolution and shapes."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.classes: dict[str, JavaClass] = {}
        for root in roots:
            for path in sorted(root.rglob("*.java")):
                for cls in parse_file(path):
                    self.classes.setdefault(cls.fqn, cls)
        self.objects: dict[str, dict[str, Any]] = {}
        self._supers: dict[str, JavaClass | None] = {}

    # name resolution ------------------------------------------------------------------------
    def resolve(self, name: str, ctx: JavaClass) -> str:
        """The fully-qualified name of a (possibly dotted) simple type name used in `ctx`."""
        first, _, rest = name.partition(".")
        base = self._resolve_simple(first, ctx)
        if base is None:
            return name  # already qualified, or unknown
        for part in rest.split(".") if rest else []:
            cls = self.classes.get(base)
            if cls is None or part not in cls.nested:
                return f"{base}.{part}" if cls is None else f"{base}.{rest}"
            base = cls.nested[part].fqn
        return base

    def _resolve_simple(self, name: str, ctx: JavaClass) -> str | None:
        seen: set[str] = set()
        scope: JavaClass | None = ctx
        while scope is not None:  # member types of enclosing classes and their parents
            cls: JavaClass | None = scope
            while cls is not None and cls.fqn not in seen:
                seen.add(cls.fqn)
                if name in cls.nested:
                    return cls.nested[name].fqn
                if cls.simple == name:
                    return cls.fqn
                found = self._interface_member(name, cls, seen)
                if found is not None:
                    return found
                cls = self.superclass(cls)
            scope = scope.outer
        if name in ctx.imports:
            return ctx.imports[name]
        if f"{ctx.package}.{name}" in self.classes:
            return f"{ctx.package}.{name}"
        for pkg in ctx.wildcard_imports:
            if f"{pkg}.{name}" in self.classes or f"{pkg}.{name}" in KNOWN_EXTERNAL:
                return f"{pkg}.{name}"
        if name in JAVA_LANG:
            return JAVA_LANG[name]
        if name[:1].islower() and name not in SCALAR_SHAPES:
            return None  # a package name: `io.kestra...` written in full
        return name if name in SCALAR_SHAPES else None

    def _interface_member(self, name: str, cls: JavaClass, seen: set[str]) -> str | None:
        """A member type `name` inherited from the interfaces `cls` implements."""
        for node in cls.interfaces:
            fqn = self.resolve_outside(_raw_type_name(node), cls)
            iface = self.classes.get(fqn)
            if iface is None or iface.fqn in seen:
                continue
            seen.add(iface.fqn)
            if name in iface.nested:
                return iface.nested[name].fqn
            found = self._interface_member(name, iface, seen)
            if found is not None:
                return found
        return None

    def resolve_outside(self, name: str, ctx: JavaClass) -> str:
        """Resolve a name by imports and packages only (for `extends`/`implements` clauses)."""
        first, _, rest = name.partition(".")
        if first in ctx.imports:
            base = ctx.imports[first]
        elif f"{ctx.package}.{first}" in self.classes:
            base = f"{ctx.package}.{first}"
        else:
            base = next(
                (f"{p}.{first}" for p in ctx.wildcard_imports if f"{p}.{first}" in self.classes),
                first,
            )
        return f"{base}.{rest}" if rest else base

    def superclass(self, cls: JavaClass) -> JavaClass | None:
        """The parent class declared in the sources, if any."""
        if cls.superclass is None:
            return None
        if cls.fqn not in self._supers:  # None while resolving: no self-reference loops
            self._supers[cls.fqn] = None
            fqn = self.resolve(_raw_type_name(cls.superclass), cls)
            self._supers[cls.fqn] = self.classes.get(fqn)
        return self._supers[cls.fqn]

    def ancestry(self, cls: JavaClass) -> Iterator[tuple[JavaClass | None, str]]:
        """`cls` and its parents, nearest first, as (class or None when external, fqn)."""
        current: JavaClass | None = cls
        seen: set[str] = set()
        while current is not None and current.fqn not in seen:
            seen.add(current.fqn)
            yield current, current.fqn
            if current.superclass is None:
                return
            parent = self.superclass(current)
            if parent is None:
                yield None, self.resolve(_raw_type_name(current.superclass), current)
                return
            current = parent

    def plugin_kind(self, cls: JavaClass) -> str | None:
        """task / trigger / condition / runner for a class reaching one of the plugin bases."""
        for _, fqn in self.ancestry(cls):
            if fqn in KIND_BASES and fqn != cls.fqn:
                return KIND_BASES[fqn]
        return None

    # properties -----------------------------------------------------------------------------
    def properties(self, cls: JavaClass) -> dict[str, dict[str, Any]]:
        """Jackson's writable properties of `cls`, inherited ones included, by YAML name."""
        chain = [c for c, _ in self.ancestry(cls) if c is not None]
        ignored = set().union(*(c.ignored for c in chain))
        props: dict[str, dict[str, Any]] = {}
        for owner in reversed(chain):  # parents first: a subclass field overrides
            for member in owner.members:
                ann = member.annotations
                json_prop = ann.get("JsonProperty")
                name = member.name
                if json_prop is not None and isinstance(json_prop.args.get("value"), str):
                    name = json_prop.args["value"] or name
                if "JsonIgnore" in ann and ann["JsonIgnore"].args.get("value", True) is not False:
                    props.pop(name, None)
                    continue
                if member.name in ignored and json_prop is None:
                    continue
                if not member.is_setter and json_prop is None and not self._readable(member, chain):
                    continue  # no public getter: Jackson does not see the field
                if member.is_setter and name in props:
                    if "Deprecated" in ann:
                        props[name]["deprecated"] = True
                    continue
                entry: dict[str, Any] = {"shape": self.shape(member, owner)}
                schema = ann.get("Schema")
                plugin_prop = ann.get("PluginProperty")
                if (
                    "Deprecated" in ann
                    or (schema is not None and schema.args.get("deprecated") is True)
                    or (plugin_prop is not None and plugin_prop.args.get("deprecated") is True)
                ):
                    entry["deprecated"] = True
                if schema is not None and schema.args.get("hidden") is True:
                    entry["hidden"] = True
                if json_prop is not None and "READ_ONLY" in str(json_prop.args.get("access", "")):
                    entry["read_only"] = True
                if (
                    REQUIRED_ANNOTATIONS & ann.keys()
                    and "Builder.Default" not in ann
                    and not member.has_initializer
                    and not member.is_setter
                ):
                    entry["required"] = True
                alias = ann.get("JsonAlias")
                if alias is not None:
                    values = alias.args.get("value")
                    entry["aliases"] = sorted([values] if isinstance(values, str) else values or [])
                props[name] = entry
        return props

    @staticmethod
    def _readable(member: Member, chain: list[JavaClass]) -> bool:
        """Whether a field has a public getter: Lombok's (unless `@Getter(NONE/PROTECTED…)`)
        or one written by hand somewhere in the class chain."""
        getter = member.annotations.get("Getter")
        if getter is None or "PUBLIC" in str(getter.args.get("value", "PUBLIC")):
            return True
        return any(member.name in c.getters for c in chain)

    # shapes ---------------------------------------------------------------------------------
    def shape(self, member: Member, owner: JavaClass) -> dict[str, Any]:
        """The YAML shape of a member (field or setter parameter)."""
        deserialize = member.annotations.get("JsonDeserialize")
        if deserialize is not None and "using" in deserialize.args:
            return {"t": "any"}
        if member.type_node is None:
            return {"t": "any"}
        return self.type_shape(member.type_node, owner, set())

    def type_shape(self, node: tree_sitter.Node, ctx: JavaClass, seen: set[str]) -> dict[str, Any]:
        """The YAML shape of a Java type node."""
        if node.type == "annotated_type":
            node = node.named_children[-1]
        if node.type in ("integral_type", "floating_point_type", "boolean_type"):
            return {"t": SCALAR_SHAPES.get(_text(node), "any")}
        if node.type == "array_type":
            element = node.child_by_field_name("element")
            if element is not None and _text(element) == "byte":
                return {"t": "string"}
            item = self.type_shape(element, ctx, seen) if element is not None else {"t": "any"}
            return {"t": "list", "of": item}
        if node.type == "wildcard":
            bound = node.named_children[-1] if node.named_children else None
            if bound is None or bound.type in ("super",):
                return {"t": "any"}
            return self.type_shape(bound, ctx, seen)
        args: list[tree_sitter.Node] = []
        raw = node
        if node.type == "generic_type":
            raw = node.named_children[0]
            type_args = next((c for c in node.named_children if c.type == "type_arguments"), None)
            args = list(type_args.named_children) if type_args is not None else []
        name = _text(raw)
        scope: JavaClass | None = ctx
        while scope is not None:  # a class type parameter: its bound
            if name in scope.type_params:
                bound = scope.type_params[name]
                return self.type_shape(bound, scope, seen) if bound is not None else {"t": "any"}
            scope = scope.outer
        fqn = self.resolve(name, ctx)

        def arg(i: int) -> dict[str, Any]:
            return self.type_shape(args[i], ctx, seen) if len(args) > i else {"t": "any"}

        if fqn == PROPERTY:
            return {**arg(0), "expr": True}
        if fqn in SCALAR_SHAPES:
            return {"t": SCALAR_SHAPES[fqn]}
        if fqn in LIST_TYPES:
            return {"t": "list", "of": arg(0)}
        if fqn in MAP_TYPES:
            return {"t": "map", "of": arg(1)}
        if fqn == "java.util.Optional":
            return arg(0)
        if fqn in EXTERNAL_ENUMS:
            return {"t": "enum", "values": EXTERNAL_ENUMS[fqn]}
        if fqn in KIND_BASES:
            return {"t": KIND_BASES[fqn]}
        cls = self.classes.get(fqn)
        if cls is None:
            return {"t": "any"}
        if cls.kind == "enum":
            if cls.custom_json:
                return {"t": "string"}
            return {"t": "enum", "values": list(cls.enum_constants)}
        kind = self.plugin_kind(cls)
        if kind is not None:
            return {"t": kind}
        if cls.custom_json or cls.kind == "interface" or fqn in seen:
            return {"t": "any"}
        return self.object_shape(cls, seen | {fqn})

    def object_shape(self, cls: JavaClass, seen: set[str]) -> dict[str, Any]:
        """An object value; classes holding nested plugins are kept in `objects` to be walked."""
        if "JsonTypeInfo" in cls.annotations or "JsonSubTypes" in cls.annotations:
            return {"t": "object"}  # polymorphic by a `type` key: not followed
        if cls.fqn in self.objects:
            return {"t": "object", "class": cls.fqn}
        props = {}
        for c in (c for c, _ in self.ancestry(cls) if c is not None):
            if "JsonTypeInfo" in c.annotations:
                return {"t": "object"}
        for name, entry in self.properties_shallow(cls, seen).items():
            props[name] = entry
        if any(_holds_plugins(p["shape"]) for p in props.values()):
            self.objects[cls.fqn] = {"props": props}
            return {"t": "object", "class": cls.fqn}
        return {"t": "object"}

    def properties_shallow(self, cls: JavaClass, seen: set[str]) -> dict[str, dict[str, Any]]:
        """Property shapes of a value class (for nested plugin discovery)."""
        out: dict[str, dict[str, Any]] = {}
        for owner in reversed([c for c, _ in self.ancestry(cls) if c is not None]):
            for member in owner.members:
                if member.is_setter or "JsonIgnore" in member.annotations:
                    continue
                json_prop = member.annotations.get("JsonProperty")
                name = member.name
                if json_prop is not None and isinstance(json_prop.args.get("value"), str):
                    name = json_prop.args["value"] or name
                node = member.type_node
                shape = self.type_shape(node, owner, seen) if node is not None else {"t": "any"}
                out[name] = {"shape": shape}
        return out


def _raw_type_name(node: tree_sitter.Node) -> str:
    """`Foo` of `Foo<Bar>`; `a.b.Foo` of a scoped type."""
    if node.type == "generic_type":
        node = node.named_children[0]
    return _text(node)


PLUGIN_SHAPES = frozenset({"task", "trigger", "condition"})


def _holds_plugins(shape: dict[str, Any]) -> bool:
    """Whether a shape holds tasks, triggers or conditions somewhere inside."""
    if shape["t"] in PLUGIN_SHAPES or shape.get("class"):
        return True
    return "of" in shape and _holds_plugins(shape["of"])


# --- building the index ------------------------------------------------------------------------


def _indexed(cls: JavaClass) -> bool:
    return cls.fqn.startswith(INDEXED_PREFIXES) and not cls.is_abstract and cls.outer is None


def plugin_types(model: Model) -> dict[str, dict[str, Any]]:
    """Every concrete plugin type of one Kestra version, with its properties."""
    types: dict[str, dict[str, Any]] = {}
    for fqn, cls in sorted(model.classes.items()):
        if not _indexed(cls):
            continue
        kind = model.plugin_kind(cls)
        if kind is None:
            continue
        entry: dict[str, Any] = {"kind": kind, "props": model.properties(cls)}
        if "Deprecated" in cls.annotations:
            entry["deprecated"] = True
        plugin = cls.annotations.get("Plugin")
        if plugin is not None and plugin.args.get("aliases"):
            aliases = plugin.args["aliases"]
            entry["aliases"] = sorted([aliases] if isinstance(aliases, str) else aliases)
        types[fqn] = entry
    return types


def flow_model(model: Model) -> dict[str, Any]:
    """Top-level flow keys (Flow and its parents) and each input type's properties."""
    flow_cls = model.classes[FLOW_CLASS]
    keys = model.properties(flow_cls)
    inputs: dict[str, Any] = {}
    base = model.classes[INPUT_BASE]
    subtypes = base.annotations.get("JsonSubTypes")
    for entry in _subtype_entries(subtypes.args.get("value") if subtypes else None):
        value, name = entry
        cls = model.classes.get(model.resolve(value, base))
        if cls is not None:
            inputs[name] = {"props": model.properties(cls)}
            if "Deprecated" in cls.annotations:
                inputs[name]["deprecated"] = True
    return {"keys": keys, "inputs": inputs}


def _subtype_entries(value: Any) -> Iterator[tuple[str, str]]:
    """(class, name) for each `@JsonSubTypes.Type(value = X.class, name = "N")`."""
    items = value if isinstance(value, list) else [value] if value else []
    for item in items:
        if isinstance(item, Annotation) and "value" in item.args and "name" in item.args:
            yield str(item.args["value"]), str(item.args["name"])


def merge_versions(v1: dict[str, Any], v2: dict[str, Any]) -> dict[str, Any]:
    """One table from the 1.x (target) and 2.0-dev views, differences marked.

    A type or property only in 1.x is `removed_in_2`; only in 2.0-dev, `new_in_2`. Required
    only in one version is `required_in` that version's name, a warning rather than an error.
    """
    merged: dict[str, Any] = {}
    for fqn in sorted(v1.keys() | v2.keys()):
        a, b = v1.get(fqn), v2.get(fqn)
        if a is None or b is None:
            entry = dict(a or b or {})
            entry["removed_in_2" if b is None else "new_in_2"] = True
            merged[fqn] = entry
            continue
        entry = {k: v for k, v in a.items() if k != "props"}
        if b.get("deprecated"):
            entry["deprecated"] = True
        props: dict[str, Any] = {}
        for name in sorted(a["props"].keys() | b["props"].keys()):
            pa, pb = a["props"].get(name), b["props"].get(name)
            prop: dict[str, Any]
            if pa is None or pb is None:
                prop = dict(pa or pb or {})
                prop.pop("required", None)
                prop["removed_in_2" if pb is None else "new_in_2"] = True
                if (pa or pb or {}).get("required"):
                    prop["required_in"] = "1.x" if pb is None else "2.0"
            else:
                prop = dict(pa)
                if pa["shape"] != pb["shape"]:
                    prop["shape_2"] = pb["shape"]
                if pa.get("required") != pb.get("required"):
                    prop.pop("required", None)
                    prop["required_in"] = "1.x" if pa.get("required") else "2.0"
            props[name] = prop
        entry["props"] = props
        merged[fqn] = entry
    return merged


def read_commits(sources: Path) -> dict[str, dict[str, str]]:
    """Each source tree's repository and commit, from the sources' README table."""
    commits: dict[str, dict[str, str]] = {}
    for line in (sources / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        sha = cells[2].split()[0].strip("`") if len(cells) >= 5 and cells[2] else ""
        if cells[0].endswith("/") and len(sha) == 40:
            commits[cells[0].rstrip("/")] = {
                "repository": cells[1],
                "commit": sha,
                "version": cells[4].split(",")[0],
            }
    return commits


def build_index(sources: Path) -> dict[str, Any]:
    """The whole index, as a JSON-ready dict."""
    scripts = sources / "plugin-scripts"
    v1 = Model([sources / "kestra-1.3", scripts])
    v2 = Model([sources / "kestra", scripts])
    types2 = plugin_types(v2)
    types = merge_versions(plugin_types(v1), types2)
    aliases: dict[str, dict[str, Any]] = {}
    kept_in_2 = {a for e in types2.values() for a in e.get("aliases", [])}
    for fqn, entry in types.items():
        for alias in entry.get("aliases", []):
            aliases.setdefault(alias, {"type": fqn})
            if alias not in kept_in_2:
                aliases[alias]["removed_in_2"] = True
    objects = {**v2.objects, **v1.objects}
    flow1, flow2 = flow_model(v1), flow_model(v2)
    flow = {
        "keys": merge_versions(
            {"flow": {"props": flow1["keys"]}}, {"flow": {"props": flow2["keys"]}}
        )["flow"]["props"],
        "inputs": merge_versions(flow1["inputs"], flow2["inputs"]),
    }
    return {
        "generator": {"script": "tools/gen_property_index.py", "version": GENERATOR_VERSION},
        "sources": read_commits(sources),
        "types": types,
        "aliases": dict(sorted(aliases.items())),
        "objects": dict(sorted(objects.items())),
        "flow": flow,
    }


def render(index: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, one type per line group, trailing newline."""
    return json.dumps(index, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generate (or `--check`) the property index; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output would change")
    args = parser.parse_args(argv)
    if not (args.sources / "README.md").is_file():
        print(f"Kestra sources not found at {args.sources}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    text = render(build_index(args.sources))
    elapsed = time.perf_counter() - start
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.output} is out of date: run tools/gen_property_index.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({elapsed:.1f}s)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode()):,} bytes, {elapsed:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
