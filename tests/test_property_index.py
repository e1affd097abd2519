"""The property index (`kestra_nb/data/kestra_properties.json`) and its generator.

- The generator run on `../shared/reference/kestra-sources` reproduces the checked-in file
  byte for byte (skipped outside CI when `../shared` is absent, via `shared_dir`).
- Facts read by hand from Kestra's Java sources are in the index (these need no sources).
- The index's types and aliases are where the sources say (with the sources).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kestra_nb.flow.properties import load_index, nested_plugin_properties, type_properties
from tests.conftest import IN_CI, ROOT

INDEX_PATH = ROOT / "kestra_nb" / "data" / "kestra_properties.json"
TASK_BASE_KEYS = {
    "id",
    "type",
    "version",
    "description",
    "retry",
    "timeout",
    "disabled",
    "workerGroup",
    "logLevel",
    "allowFailure",
    "allowWarning",
    "logToFile",
    "runIf",
    "taskCache",
    "assets",
}


def _generator() -> ModuleType:
    """tools/gen_property_index.py as a module (needs tree-sitter: the `test` extra)."""
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_java  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("tree-sitter and tree-sitter-java (the `test` extra) are required in CI")
        pytest.skip("tree-sitter / tree-sitter-java not installed (pip install -e '.[test]')")
    spec = importlib.util.spec_from_file_location(
        "gen_property_index", ROOT / "tools" / "gen_property_index.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources(shared_dir: Path) -> Path:
    path = shared_dir / "reference" / "kestra-sources"
    if not (path / "README.md").is_file():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} not present")
    return path


def _props(type_name: str) -> dict[str, Any]:
    props = type_properties(type_name)
    assert props is not None, type_name
    return dict(props)


# --- the generator ---------------------------------------------------------------------------


def test_generator_reproduces_the_checked_in_index(sources: Path) -> None:
    gen = _generator()
    text = gen.render(gen.build_index(sources))
    assert text == INDEX_PATH.read_text(encoding="utf-8"), (
        "kestra_properties.json is out of date: run `python tools/gen_property_index.py`"
    )


def test_check_mode_exits_non_zero_when_the_file_differs(sources: Path, tmp_path: Path) -> None:
    gen = _generator()
    stale = tmp_path / "index.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert gen.main(["--sources", str(sources), "--output", str(stale), "--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "{}\n"  # --check writes nothing
    assert gen.main(["--sources", str(sources), "--output", str(stale)]) == 0
    assert gen.main(["--sources", str(sources), "--output", str(stale), "--check"]) == 0
    assert stale.read_bytes() == INDEX_PATH.read_bytes()


def test_index_is_stamped_with_the_source_commits(sources: Path) -> None:
    readme = (sources / "README.md").read_text(encoding="utf-8")
    stamped = load_index()["sources"]
    assert set(stamped) == {"kestra", "kestra-1.3", "plugin-scripts"}
    for tree in stamped.values():
        assert len(tree["commit"]) == 40 and tree["commit"] in readme
    assert stamped["kestra-1.3"]["commit"].startswith("27d531cdc359")
    assert load_index()["generator"]["version"] >= 1


def test_every_indexed_type_and_alias_is_in_the_sources(sources: Path) -> None:
    index = load_index()
    for fqn, entry in index["types"].items():
        rel = Path(*fqn.split(".")).with_suffix(".java")
        files = [p for p in sources.rglob(rel.name) if p.as_posix().endswith(rel.as_posix())]
        assert files, fqn
        if not entry.get("new_in_2"):
            assert any("kestra/" not in p.relative_to(sources).as_posix()[:7] for p in files)
        for alias in entry.get("aliases", []):
            assert any(f'"{alias}"' in p.read_text(encoding="utf-8") for p in files), alias


# --- the checked-in index: facts read from Kestra's sources ----------------------------------


def test_index_file_is_small_and_canonical() -> None:
    text = INDEX_PATH.read_text(encoding="utf-8")
    assert len(text.encode()) < 500_000
    assert json.dumps(json.loads(text), sort_keys=True, indent=1, ensure_ascii=False) + "\n" == text


def test_log_requires_message() -> None:
    props = _props("io.kestra.plugin.core.log.Log")
    assert props["message"].get("required") is True
    level = props["level"]
    assert "required" not in level  # @Builder.Default
    assert level["shape"] == {
        "t": "enum",
        "expr": True,
        "values": ["ERROR", "WARN", "INFO", "DEBUG", "TRACE"],
    }


def test_every_task_inherits_the_task_base_properties() -> None:
    for fqn, entry in load_index()["types"].items():
        if entry["kind"] == "task":  # 2.0 replaced workerGroup by workerSelector
            expected = TASK_BASE_KEYS - {"workerGroup"} if entry.get("new_in_2") else TASK_BASE_KEYS
            assert expected <= set(entry["props"]), fqn


def test_foreach_requires_values_and_is_removed_in_2() -> None:
    entry = load_index()["types"]["io.kestra.plugin.core.flow.ForEach"]
    assert entry["props"]["values"]["required"] is True
    assert entry["removed_in_2"] is True
    assert nested_plugin_properties("io.kestra.plugin.core.flow.ForEach") == {
        "tasks": "task",
        "errors": "task",
        "finally": "task",
    }


def test_python_script_has_inherited_script_properties() -> None:
    props = _props("io.kestra.plugin.scripts.python.Script")
    assert props["script"]["required"] is True
    assert props["script"]["shape"] == {"t": "string", "expr": True}
    assert props["containerImage"]["shape"]["expr"] is True
    assert props["beforeCommands"]["shape"] == {"t": "list", "of": {"t": "string"}, "expr": True}
    assert props["taskRunner"]["shape"] == {"t": "runner"}  # from AbstractExecScript
    assert props["docker"]["deprecated"] is True
    assert set(props) >= TASK_BASE_KEYS


def test_schedule_trigger_has_cron() -> None:
    props = _props("io.kestra.plugin.core.trigger.Schedule")
    assert props["cron"]["required"] is True
    assert props["conditions"]["shape"] == {"t": "list", "of": {"t": "condition"}}
    assert props["minLogLevel"]["deprecated"] is True  # a @Deprecated setter
    assert props["interval"]["hidden"] is True  # @Schema(hidden = true)


def test_finally_is_the_json_name_of_underscore_finally() -> None:
    props = _props("io.kestra.plugin.core.flow.Sequential")
    assert "finally" in props and "_finally" not in props


def test_nested_plugin_properties() -> None:
    assert nested_plugin_properties("io.kestra.plugin.core.flow.If") == {
        "then": "task",
        "else": "task",
        "errors": "task",
        "finally": "task",
    }
    assert nested_plugin_properties("io.kestra.plugin.core.flow.Switch")["cases"] == "task"
    assert nested_plugin_properties("io.kestra.plugin.core.flow.Dag")["tasks"] == "task"
    assert nested_plugin_properties("io.kestra.plugin.core.trigger.Schedule") == {
        "conditions": "condition"
    }
    assert nested_plugin_properties("io.kestra.plugin.core.condition.Not") == {
        "conditions": "condition"
    }


def test_aliases_map_old_names_to_new_types() -> None:
    aliases = load_index()["aliases"]
    assert aliases["io.kestra.core.tasks.log.Log"]["type"] == "io.kestra.plugin.core.log.Log"
    assert aliases["io.kestra.core.tasks.log.Log"]["removed_in_2"] is True
    assert aliases["io.kestra.plugin.core.flow.WaitFor"] == {
        "type": "io.kestra.plugin.core.flow.LoopUntil"
    }


def test_deprecated_script_types_are_indexed() -> None:
    types = load_index()["types"]
    for name in ("Bash", "Python", "Node"):
        entry = types[f"io.kestra.core.tasks.scripts.{name}"]
        assert entry["kind"] == "task" and entry["deprecated"] is True


def test_versions_are_told_apart() -> None:
    types = load_index()["types"]
    assert types["io.kestra.plugin.core.flow.Loop"]["new_in_2"] is True
    assert types["io.kestra.plugin.core.condition.Expression"]["removed_in_2"] is True
    assert _props("io.kestra.plugin.core.log.Log")["workerGroup"]["removed_in_2"] is True
    assert _props("io.kestra.plugin.core.flow.If")["condition"]["required_in"] == "2.0"


def test_flow_model_keys_and_inputs() -> None:
    flow = load_index()["flow"]
    assert flow["keys"]["id"]["required"] and flow["keys"]["namespace"]["required"]
    assert {"tasks", "triggers", "inputs", "pluginDefaults", "labels"} <= set(flow["keys"])
    assert flow["keys"]["listeners"]["deprecated"] is True
    inputs = flow["inputs"]
    assert {"STRING", "INT", "SELECT", "FILE"} <= set(inputs)
    assert inputs["BOOLEAN"]["removed_in_2"] is True
    assert "values" in inputs["SELECT"]["props"]
