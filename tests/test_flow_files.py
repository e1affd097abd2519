"""Flows of `tests/data/flows/`, each evaluated and checked against its `.expected.yml`.

Expectation keys (all optional): `secrets`, `environ`, `inputs`, `execution` (what the flow
is evaluated with); `rendered`, `source`, `context` (path -> value); `secrets_used`,
`missing_secrets`, `envs_used`, `inputs_used`; `errors` (messages), `deferred` (`[path,
expression, root]`); `yaml_contains` (in the masked YAML) and `unmasked_contains` (in
`to_yaml(masked=False)` only). No secret value nor its base64 may appear in anything shown.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.flow_helpers import at, flow_file, flow_files, flow_of, shown


@pytest.mark.parametrize("name", flow_files())
def test_flow_file_evaluates_as_expected(name: str) -> None:
    text, expected = flow_file(name)
    flow = flow_of(
        text,
        secrets=expected.get("secrets"),
        environ=expected.get("environ"),
        inputs=expected.get("inputs"),
        execution=expected.get("execution"),
    )
    surfaces = (("rendered", flow.rendered), ("source", flow.flow), ("context", flow.context))
    for key, data in surfaces:
        for path, value in (expected.get(key) or {}).items():
            assert at(data, path) == value, f"{key} {path}"
    for key in ("secrets_used", "missing_secrets", "envs_used", "inputs_used"):
        if key in expected:
            assert getattr(flow, key) == expected[key], key
    if "errors" in expected:
        assert [e.message for e in flow.errors] == expected["errors"]
    if "deferred" in expected:
        assert [list(d) for d in flow.deferred] == expected["deferred"]
    masked = flow.to_yaml()
    for text_part in expected.get("yaml_contains", []):
        assert text_part in masked
    for text_part in expected.get("unmasked_contains", []):
        assert text_part in flow.to_yaml(masked=False) and text_part not in masked
    everything = shown(flow)
    secrets: dict[str, Any] = expected.get("secrets") or {}
    for value in secrets.values():
        assert value not in everything
        assert base64.b64encode(value.encode()).decode() not in everything


def test_the_folder_holds_flows() -> None:
    assert len(flow_files()) >= 6
