"""A Kestra server's flow schema (`GET /api/v1/plugins/schemas/flow`): every plugin it has.

The bundled property index (`kestra_nb.flow.properties`) knows Kestra's core and script
plugins only; a server's JSON schema describes every plugin installed there (JDBC, AWS, ...).
`ServerSchema` finds a plugin type's definition in it and validates one plugin mapping with
the `jsonschema` library, giving `PropertyProblem` records like the index's checker does.

- `load_schema(spec)`: a schema file, or the cached schema of a server URL (see
  `schema_cache_path`, written by `kestra-nb schema pull --server URL`).
- `ServerSchema.knows(type)`, `ServerSchema.check(mapping, defaults)`.

Messages name properties and schema rules, never a value of the flow. A string holding an
expression (`{{ ... }}`) is accepted wherever it stands: Kestra renders it before the
value's type matters. Core layer: no IPython, no HTTP.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import KestraNbError
from ..files import read_text
from .properties import Parts, PropertyProblem

__all__ = ["SchemaError", "ServerSchema", "load_schema", "schema_cache_path"]

CACHE_ENV = "KESTRA_NB_CACHE_DIR"


class SchemaError(KestraNbError):
    """A schema cannot be read, or is not a Kestra flow schema. One line, no value."""


def schema_cache_path(url: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the schema of the server at `url` is cached: `<cache>/schemas/<host>_<port>.json`.

    `<cache>` is `cache_dir`, else `$KESTRA_NB_CACHE_DIR`, else `$XDG_CACHE_HOME/kestra_nb`,
    else `~/.cache/kestra_nb`.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SchemaError(f"not an http(s) URL of a Kestra server: {url.strip()[:80]!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = "".join(c if c.isalnum() or c in ".-" else "_" for c in parts.hostname)
    return _cache_root(cache_dir) / "schemas" / f"{host}_{port}.json"


def _cache_root(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "kestra_nb"


def load_schema(
    spec: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> ServerSchema:
    """The schema of a file path, or of a server URL from its cache (`SchemaError` if none)."""
    text = os.fspath(spec)
    if text.startswith(("http://", "https://")):
        path = schema_cache_path(text, cache_dir)
        if not path.is_file():
            raise SchemaError(
                f"no schema cached for {text.strip()} (looked for {path}): run "
                f"kestra-nb schema pull --server {text.strip()}"
            )
    else:
        path = Path(text)
    try:
        data = json.loads(read_text(path))
    except OSError as exc:
        raise SchemaError(f"{path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise SchemaError(f"{path}: not a JSON file") from None
    return ServerSchema(data, source=str(path))


def _definitions(data: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    for key in ("definitions", "$defs"):
        defs = data.get(key)
        if isinstance(defs, Mapping):
            return key, defs
    return "definitions", {}


def _type_names(definition: Mapping[str, Any]) -> list[str]:
    """The plugin type names a definition accepts in its `type` property (const or enum)."""
    props = definition.get("properties")
    prop = props.get("type") if isinstance(props, Mapping) else None
    if not isinstance(prop, Mapping):
        return []
    if isinstance(prop.get("const"), str):
        return [prop["const"]]
    values = prop.get("enum")
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


class ServerSchema:
    """A server's flow schema: which plugin types it defines, and checks against them."""

    def __init__(self, data: Mapping[str, Any], source: str = "the server's schema") -> None:
        if not isinstance(data, Mapping):
            raise SchemaError(f"{source}: not a JSON schema (an object is expected)")
        self.source = source
        self._key, definitions = _definitions(data)
        self._data = {self._key: dict(definitions)}
        self._by_type: dict[str, str] = {}
        for name, definition in definitions.items():
            if isinstance(definition, Mapping):
                for type_name in _type_names(definition):
                    self._by_type.setdefault(type_name, name)
        if not self._by_type:
            raise SchemaError(f"{source}: no plugin definitions (not a Kestra flow schema)")
        self._validators: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<ServerSchema {self.source}: {len(self._by_type)} plugin types>"

    @property
    def types(self) -> list[str]:
        """Every plugin type name the schema defines, sorted."""
        return sorted(self._by_type)

    def knows(self, type_name: object) -> bool:
        """Whether the schema defines the plugin type `type_name`."""
        return isinstance(type_name, str) and type_name in self._by_type

    def _validator(self, type_name: str) -> Any:
        name = self._by_type[type_name]
        if name not in self._validators:
            import jsonschema

            ref = "#/" + self._key + "/" + name.replace("~", "~0").replace("/", "~1")
            schema = {"$ref": ref, **self._data}
            cls = jsonschema.validators.validator_for({}, default=jsonschema.Draft7Validator)
            self._validators[name] = cls(schema)
        return self._validators[name]

    def _definition(self, type_name: str) -> Mapping[str, Any]:
        return self._data[self._key][self._by_type[type_name]]

    def check(
        self, mapping: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
    ) -> list[PropertyProblem]:
        """Problems of one plugin mapping against its type's definition ([] when the type is
        unknown to the schema: ask `knows` first). Paths are relative (`rel`)."""
        type_name = mapping.get("type")
        if not self.knows(type_name):
            return []
        assert isinstance(type_name, str)
        try:
            errors = list(self._validator(type_name).iter_errors(dict(mapping)))
        except Exception as exc:  # an odd schema (a bad $ref, ...): say so, never raise
            note = f"could not be checked against {self.source} ({type(exc).__name__})"
            return [PropertyProblem("", note, "warning", None, ())]
        problems: list[PropertyProblem] = []
        seen: set[tuple[Parts, str]] = set()
        for error in _leaves(errors):
            found = self._problem(error, type_name, defaults or {})
            if found is not None and (found.rel, found.message) not in seen:
                seen.add((found.rel, found.message))
                problems.append(found)
        return problems

    def _problem(
        self, error: Any, type_name: str, defaults: Mapping[str, Any]
    ) -> PropertyProblem | None:
        rel: Parts = tuple(error.absolute_path)
        instance = error.instance
        if isinstance(instance, str) and ("{{" in instance or "{%" in instance):
            return None  # an expression: rendered before its type matters
        kind = error.validator
        key = str(rel[-1]) if rel else None
        if isinstance(error, _UnknownType):
            where = (*rel, "type")
            message = f"unknown type `{error.type_name}`: {self.source} has no such plugin"
            return PropertyProblem(_fmt(where), message, "error", "type", where)
        if kind == "required":
            missing = [n for n in _missing(error) if n not in defaults]
            if not missing:
                return None
            name = missing[0]
            where = (*rel, name)
            return PropertyProblem(
                _fmt(where), f"missing required property `{name}`", "error", name, where
            )
        if kind == "additionalProperties":
            allowed = _allowed(error.schema)
            extra = (
                [k for k in instance if k not in allowed] if isinstance(instance, Mapping) else []
            )
            if not extra:
                return None
            name = str(extra[0])
            where = (*rel, name)
            owner = type_name if not rel else "this object"
            hint = _suggest(name, allowed)
            message = f"unknown property `{name}` of `{owner}`{hint}"
            return PropertyProblem(_fmt(where), message, "error", name, where)
        label = f"`{key}` " if key is not None and not isinstance(rel[-1], int) else ""
        if kind == "type":
            expected = error.validator_value
            names = expected if isinstance(expected, list) else [expected]
            wanted = " or ".join(_a(str(n)) for n in names)
            message = f"{label}expects {wanted}, got {_describe(instance)}"
        elif kind in ("enum", "const"):
            options = error.validator_value if kind == "enum" else [error.validator_value]
            message = f"{label}expects one of {', '.join(str(o) for o in options)}"
        elif kind in ("anyOf", "oneOf"):
            message = f"{label}matches none of the forms the server's schema allows"
        else:
            message = f"{label}does not satisfy the server's schema (`{kind}`)"
        return PropertyProblem(_fmt(rel), message.strip(), "error", key, rel)


def _leaves(errors: Iterable[Any]) -> Iterable[Any]:
    """Each error; for an `anyOf`/`oneOf` over plugin definitions (a nested task list), the
    errors of the branch whose `type` is the instance's, so a nested plugin reports its own
    problems; an `_UnknownType` when no branch has that type."""
    for error in errors:
        instance = error.instance
        type_name = instance.get("type") if isinstance(instance, Mapping) else None
        if error.validator in ("anyOf", "oneOf") and error.context and isinstance(type_name, str):
            branches: dict[Any, list[Any]] = {}
            for sub in error.context:
                branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
            typed = [
                subs
                for subs in branches.values()
                if not any(tuple(s.relative_path) == ("type",) for s in subs)
            ]
            if len(typed) == 1:
                yield from _leaves(typed[0])
                continue
            if not typed and all(_is_plugin_branch(subs) for subs in branches.values()):
                yield _UnknownType(error, type_name)
                continue
        if error.validator in ("anyOf", "oneOf") and error.context:
            # `Property<T>`: the value, or an expression; the value's branch says what is wrong
            by_branch: dict[Any, list[Any]] = {}
            for sub in error.context:
                by_branch.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(
                    sub
                )
            values = [subs for subs in by_branch.values() if not _is_expression_branch(subs)]
            if len(values) == 1 and len(by_branch) > 1:
                yield from _leaves(values[0])
                continue
        yield error


def _is_expression_branch(subs: list[Any]) -> bool:
    return any(
        (s.validator == "pattern" and "{{" in str(s.validator_value))
        or (
            s.validator == "type"
            and s.validator_value == "string"
            and "{{" in str(s.schema.get("pattern", ""))
        )
        for s in subs
    )


def _is_plugin_branch(subs: list[Any]) -> bool:
    return any(
        tuple(s.relative_path) == ("type",) and s.validator in ("const", "enum") for s in subs
    )


class _UnknownType:
    """A nested plugin whose type no definition of the schema has."""

    validator = "unknownType"

    def __init__(self, error: Any, type_name: str) -> None:
        self.absolute_path = error.absolute_path
        self.instance = error.instance
        self.type_name = type_name


def _missing(error: Any) -> list[str]:
    required = error.validator_value if isinstance(error.validator_value, list) else []
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return [str(n) for n in required if n not in instance]


def _allowed(schema: Mapping[str, Any]) -> list[str]:
    props = schema.get("properties")
    return sorted(props) if isinstance(props, Mapping) else []


def _suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _a(name: str) -> str:
    return {"integer": "an integer", "object": "a mapping", "array": "a list"}.get(
        name, f"a {name}"
    )


def _describe(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "null" if value is None else "a value"


def _fmt(parts: Parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
