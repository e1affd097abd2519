"""Kestra's OpenAPI description, loaded once, with a real validator (openapi-core) over it.

The file is read from `../shared/reference/kestra-api/openapi.yml` at test time (Kestra's
code: never copied into this repository). Three things the generated file cannot express are
adapted in memory, each for a stated reason; everything else is checked as written:

1. `createExecution`'s multipart body is written `type: array` of binary parts (Micronaut's
   `Publisher<CompletedPart>`), which no multipart form can be (openapi-core decodes a form as
   an object). It becomes an object whose every property is a part; the stand-in then checks
   the parts itself (each named, form-data, UTF-8 text for a non-file input).
2. Java's `Object` is written `additionalProperties: {type: object}` (execution `inputs`,
   `outputs`, `variables`), where Kestra sends any JSON value (`"World"`, `3`): `{}`.
3. `application/x-yaml` bodies (`type: string`) are decoded as UTF-8 text before the schema
   check (openapi-core knows no YAML media type; invalid UTF-8 is refused).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SPEC_RELATIVE = Path("reference") / "kestra-api" / "openapi.yml"


def _yaml_text(value: bytes, **parameters: str) -> str:
    return value.decode(parameters.get("charset", "utf-8"))  # strict: bad UTF-8 is an error


def _json(value: bytes, **parameters: str) -> Any:
    return json.loads(value)


def _adapt(node: Any) -> Any:
    if isinstance(node, dict):
        extra = node.get("additionalProperties")
        if extra == {"type": "object"}:
            node["additionalProperties"] = {}
        for value in node.values():
            _adapt(value)
    elif isinstance(node, list):
        for value in node:
            _adapt(value)
    return node


@functools.lru_cache(maxsize=2)
def load_spec(path: Path) -> dict[str, Any]:
    """The OpenAPI document as a dict, adapted as the module says."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as f:
        spec: dict[str, Any] = yaml.load(f, Loader=loader)
    _adapt(spec)
    body = spec["paths"]["/api/v1/{tenant}/executions/{namespace}/{id}"]["post"]["requestBody"]
    form = body["content"]["multipart/form-data"]
    assert form["schema"]["type"] == "array", "the createExecution quirk changed: re-check"
    form["schema"] = {
        "type": "object",
        "additionalProperties": {"type": "string", "format": "binary"},
    }
    return spec


@functools.lru_cache(maxsize=2)
def openapi(path: Path) -> Any:
    """An `openapi_core.OpenAPI` over the adapted spec (the spec itself is not re-checked)."""
    from openapi_core import Config, OpenAPI

    config = Config(
        spec_validator_cls=None,  # Kestra's generated file is trusted as the reference
        extra_media_type_deserializers={
            "application/x-yaml": _yaml_text,
            "text/json": _json,
        },
    )
    return OpenAPI.from_dict(load_spec(path), config=config)


@functools.lru_cache(maxsize=8)
def schema_validator(path: Path, schema_name: str) -> Any:
    """A JSON-schema (OpenAPI 3.0 dialect) validator of `components/schemas/<schema_name>`."""
    from openapi_schema_validator import OAS30Validator

    spec = load_spec(path)
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS30Validator(root)
