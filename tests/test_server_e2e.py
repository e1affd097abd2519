"""End to end against a real Kestra: opt-in, with `KESTRA_E2E_URL` (and credentials).

    docker compose up -d        # see docs/running-on-kestra.md
    KESTRA_E2E_URL=http://localhost:8080 KESTRA_E2E_USER=admin@kestra.io \\
    KESTRA_E2E_PASSWORD=... pytest tests/test_server_e2e.py

(`KESTRA_E2E_TOKEN` instead of the user and password for an API token.) Without
`KESTRA_E2E_URL` every test here is skipped, in CI too: a real Kestra cannot run on the CI
machine, and this is the suite's one allowed skip. The flows go to the namespace
`kestra_nb.e2e` with a unique id, so a shared server is not disturbed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from kestra_nb.server import KestraClient, ServerError, follow_run, kill_and_wait

URL = os.environ.get("KESTRA_E2E_URL", "").strip()

pytestmark = [
    pytest.mark.skipif(
        not URL,
        reason="end-to-end tests need a real Kestra: set KESTRA_E2E_URL (and KESTRA_E2E_USER "
        "with KESTRA_E2E_PASSWORD, or KESTRA_E2E_TOKEN); see docs/running-on-kestra.md",
    ),
    pytest.mark.timeout(300),
]

NAMESPACE = "kestra_nb.e2e"


@pytest.fixture
def client() -> Iterator[KestraClient]:
    with KestraClient(
        URL,
        tenant=os.environ.get("KESTRA_E2E_TENANT", "main"),
        user=os.environ.get("KESTRA_E2E_USER") or None,
        password=os.environ.get("KESTRA_E2E_PASSWORD") or None,
        token=os.environ.get("KESTRA_E2E_TOKEN") or None,
        timeout=30,
    ) as c:
        yield c


def flow(flow_id: str, tasks: str) -> str:
    return (
        f"id: {flow_id}\nnamespace: {NAMESPACE}\n"
        "inputs:\n  - id: user\n    type: STRING\n    defaults: World\n"
        f"tasks:\n{tasks}"
    )


LOG = (
    "  - id: greet\n    type: io.kestra.plugin.core.log.Log\n"
    '    message: "Hello {{ inputs.user }}"\n'
    "  - id: answer\n    type: io.kestra.plugin.core.debug.Return\n"
    '    format: "{{ inputs.user }}!"\n'
)


def test_version(client: KestraClient) -> None:
    assert client.version() != "unknown"


def test_deploy_run_follow(client: KestraClient) -> None:
    flow_id = f"hello_{uuid.uuid4().hex[:8]}"
    source = flow(flow_id, LOG)
    assert client.validate(source) == []
    first = client.deploy(source)
    assert first.created and first.revision == 1
    assert not client.deploy(source).changed
    second = client.deploy(source.replace("Hello", "Hi"))
    assert second.changed and second.revision == 2
    execution = client.create_execution(NAMESPACE, flow_id, {"user": "e2e"})
    lines: list[str] = []
    final = follow_run(
        client, execution.id, on_log=lambda ln: lines.append(ln.message), deadline=240
    )
    assert final.state == "SUCCESS", final
    assert any("Hi e2e" in line for line in lines), lines
    assert final.task_outputs().get("answer", {}).get("value") == "e2e!"


def test_refused_flow(client: KestraClient) -> None:
    source = flow(
        f"bad_{uuid.uuid4().hex[:8]}",
        "  - id: typo\n    type: io.kestra.plugin.core.log.Lg\n    message: x\n",
    )
    assert client.validate(source), "a task of an unknown type must be refused"
    with pytest.raises(ServerError) as info:
        client.deploy(source)
    assert info.value.status in (400, 422) and info.value.violations


def test_kill(client: KestraClient) -> None:
    flow_id = f"slow_{uuid.uuid4().hex[:8]}"
    client.deploy(
        flow(
            flow_id,
            "  - id: wait\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT60S\n",
        )
    )
    execution = client.create_execution(NAMESPACE, flow_id)
    final = kill_and_wait(client, execution.id, timeout=60)
    assert final.state in ("KILLED", "KILLING"), final
