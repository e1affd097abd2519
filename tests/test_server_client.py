"""`kestra_nb.server`: the client against the stand-in Kestra (checked with Kestra's OpenAPI).

Every test runs against a fresh stand-in that fails the test if it saw a request (or sent an
answer) that Kestra's OpenAPI description does not allow.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kestra_nb.secrets import SecretStore
from kestra_nb.server import (
    Cancel,
    KestraClient,
    ServerError,
    credentials_from,
    follow_run,
    kill_and_wait,
    violation_line,
)
from kestra_nb.server.errors import parse_violations
from kestra_nb.server.sse import iter_events
from tests.standin import PASSWORD, SECRET_VALUE, USER, KestraStandin, running_standin, standin

pytestmark = pytest.mark.timeout(60)

HELLO = """\
id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: World
  - id: data
    type: FILE
    required: false
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}"
  - id: token
    type: io.kestra.plugin.core.log.Log
    message: "calling the API with {{ secret('API_TOKEN') }}"
  - id: answer
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.user }}!"
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.answer.value }}"
"""

FAILING = """\
id: failing
namespace: company.team
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: about to fail
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "it broke"
"""

SLOW = """\
id: slow
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT20S
"""

INVALID = """\
id: invalid
namespace: company.team
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: fine
  - id: typo
    type: io.kestra.plugin.core.log.Lg
    message: oops
"""
#: passes the local checks (a plugin outside the bundled index: not checked offline), but the
#: stand-in has no such plugin and refuses it
REFUSED_BY_SERVER = INVALID.replace(
    "io.kestra.plugin.core.log.Lg", "io.kestra.plugin.jdbc.mysql.Query"
)


@pytest.fixture
def kestra(shared_dir: Path) -> Iterator[KestraStandin]:
    yield from running_standin(shared_dir)


@pytest.fixture
def client(kestra: KestraStandin) -> Iterator[KestraClient]:
    with KestraClient(kestra.url, user=USER, password=PASSWORD, timeout=5) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- deploy ----------------------------------------------------------------------------


def test_version(client: KestraClient) -> None:
    assert client.version() == "1.3.0-standin"


def test_first_deploy_update_and_unchanged(client: KestraClient, kestra: KestraStandin) -> None:
    first = client.deploy(HELLO)
    assert (first.revision, first.created, first.changed) == (1, True, True)
    assert first.url_in_ui == f"{kestra.url}/ui/main/flows/edit/company.team/hello"
    again = client.deploy(HELLO)
    assert (again.revision, again.created, again.changed) == (1, False, False)
    assert "updateFlow" not in kestra.calls and "createFlow" in kestra.calls
    second = client.deploy(HELLO.replace("Hello", "Hi"))
    assert (second.revision, second.created, second.changed) == (2, False, True)
    flow = client.get_flow("company.team", "hello")
    assert flow is not None and flow["revision"] == 2 and "Hi {{" in flow["source"]
    assert client.get_flow("company.team", "nope") is None


def test_validate_maps_violations_to_records_and_lines(client: KestraClient) -> None:
    assert client.validate(HELLO) == []
    violations = client.validate(INVALID)
    assert [(v.path, v.message) for v in violations] == [
        ("tasks[1].type", "Invalid type: io.kestra.plugin.core.log.Lg")
    ]
    assert violation_line(INVALID, violations[0].path) == 8


def test_deploy_refused_is_422_with_records(client: KestraClient) -> None:
    with pytest.raises(ServerError) as info:
        client.deploy(INVALID)
    err = info.value
    assert err.status == 422 and err.reason == "invalid"
    assert [(v.path, v.message) for v in err.violations] == [
        ("tasks[1].type", "Invalid type: io.kestra.plugin.core.log.Lg")
    ]
    assert "\n" not in str(err) and "tasks[1].type" in str(err)


def test_parse_violations_shapes() -> None:
    text = "Invalid entity: id: must not be null, tasks[0].message: must not be null"
    assert [(v.path, v.message) for v in parse_violations(text)] == [
        ("id", "must not be null"),
        ("tasks[0].message", "must not be null"),
    ]
    assert [(v.path, v.message) for v in parse_violations("Unable to parse flow: bad")] == [
        (None, "bad")
    ]
    assert violation_line(HELLO, "tasks[2].format") == 19
    assert violation_line(HELLO, "tasks[9]") == 10  # nearest parent: `tasks`
    assert violation_line("{bad", "id") is None


# -- run -------------------------------------------------------------------------------


def test_run_with_inputs_and_a_file(client: KestraClient, kestra: KestraStandin, tmp_path: Path):
    client.deploy(HELLO)
    data = tmp_path / "data.csv"
    data.write_bytes(b"a,b\n1,2\n")
    execution = client.create_execution("company.team", "hello", {"user": "Zoë"}, {"data": data})
    assert execution.state == "CREATED" and execution.inputs["user"] == "Zoë"
    assert execution.url and execution.id in execution.url
    assert kestra.files[(execution.id, "data")] == ("data.csv", b"a,b\n1,2\n")
    lines: list[str] = []
    states: list[str] = []
    final = follow_run(
        client,
        execution.id,
        on_log=lambda line: lines.append(line.message),
        on_update=lambda ex: states.append(ex.state),
        deadline=20,
    )
    assert final.state == "SUCCESS" and final.succeeded
    assert states[0] in ("CREATED", "RUNNING") and states[-1] == "SUCCESS"
    assert lines == ["Hello Zoë", f"calling the API with {SECRET_VALUE}"]
    assert final.outputs == {"greeting": "Zoë!"}
    assert final.task_outputs() == {"answer": {"value": "Zoë!"}}
    assert [r.task_id for r in final.task_runs] == ["greet", "token", "answer"]


def test_run_without_inputs_uses_defaults(client: KestraClient) -> None:
    client.deploy(HELLO)
    execution = client.create_execution("company.team", "hello")
    final = follow_run(client, execution.id, deadline=20)
    assert final.outputs == {"greeting": "World!"}


def test_follow_logs_and_states_iterators_end(client: KestraClient) -> None:
    client.deploy(HELLO)
    execution = client.create_execution("company.team", "hello")
    states = [ex.state for ex in client.follow_execution(execution.id, deadline=20)]
    assert states[-1] == "SUCCESS" and "RUNNING" in states
    logs = [line.message for line in client.follow_logs(execution.id, deadline=20)]
    assert logs[0] == "Hello World"
    assert [line.message for line in client.list_logs(execution.id)] == logs


def test_log_stream_left_open_is_closed_after_the_end(shared_dir: Path) -> None:
    """Kestra may keep the log stream open after the run: follow_run closes it itself."""
    with (
        standin(shared_dir, logs_end="hold") as kestra,
        KestraClient(kestra.url, user=USER, password=PASSWORD, timeout=5) as c,
    ):
        c.deploy(HELLO)
        execution = c.create_execution("company.team", "hello")
        started = time.monotonic()
        lines: list[str] = []
        final = follow_run(c, execution.id, on_log=lambda ln: lines.append(ln.message))
        assert final.state == "SUCCESS" and len(lines) == 2
        assert time.monotonic() - started < 10


def test_cancel_ends_a_blocked_follow(client: KestraClient, kestra: KestraStandin) -> None:
    kestra.logs_end = "hold"
    client.deploy(SLOW)
    execution = client.create_execution("company.team", "slow")
    cancel = Cancel()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()
    assert list(client.follow_logs(execution.id, cancel=cancel)) == []
    assert time.monotonic() - started < 5
    assert client.kill(execution.id) is True


def test_failure(client: KestraClient) -> None:
    client.deploy(FAILING)
    execution = client.create_execution("company.team", "failing")
    lines: list[tuple[str, str]] = []
    final = follow_run(
        client, execution.id, on_log=lambda ln: lines.append((ln.level, ln.message)), deadline=20
    )
    assert final.state == "FAILED" and not final.succeeded
    assert lines == [("INFO", "about to fail"), ("ERROR", "it broke")]
    assert [(r.task_id, r.state) for r in final.task_runs] == [
        ("before", "SUCCESS"),
        ("boom", "FAILED"),
    ]


def test_kill(client: KestraClient, kestra: KestraStandin) -> None:
    client.deploy(SLOW)
    execution = client.create_execution("company.team", "slow")
    time.sleep(0.2)
    final = kill_and_wait(client, execution.id, timeout=10)
    assert final.state == "KILLED" and kestra.kill_requests == [execution.id]
    assert client.kill(execution.id) is False  # already over: 409


def test_missing_required_input_is_refused(client: KestraClient) -> None:
    client.deploy(HELLO.replace("    defaults: World\n", ""))
    with pytest.raises(ServerError) as info:
        client.create_execution("company.team", "hello")
    assert info.value.status == 422 and info.value.violations[0].path == "inputs.user"


def test_unknown_flow_and_execution_are_404(client: KestraClient) -> None:
    with pytest.raises(ServerError, match=r"running flow company.team.nope: not found \(404\)"):
        client.create_execution("company.team", "nope")
    with pytest.raises(ServerError) as info:
        client.get_execution("does-not-exist")
    assert info.value.status == 404 and info.value.reason == "not-found"


# -- errors, credentials ---------------------------------------------------------------


def test_wrong_password_is_401_without_the_password(kestra: KestraStandin) -> None:
    wrong = PASSWORD + "x"
    with (
        KestraClient(kestra.url, user=USER, password=wrong, timeout=5) as c,
        pytest.raises(ServerError) as info,
    ):
        c.deploy(HELLO)
    err = info.value
    assert err.status == 401 and err.reason == "auth"
    text = str(err) + repr(err) + repr(c)
    for part in (wrong, PASSWORD, "wörd", "p'a"):
        assert part not in text
    assert "\n" not in str(err)


def test_no_credentials_is_401(kestra: KestraStandin) -> None:
    with KestraClient(kestra.url, timeout=5) as c, pytest.raises(ServerError) as info:
        c.version()
    assert info.value.status == 401


def test_api_token(shared_dir: Path) -> None:
    with standin(shared_dir, password=None, token="tok-123456") as kestra:
        with KestraClient(kestra.url, token="tok-123456", timeout=5) as c:
            assert c.version() == "1.3.0-standin"
            assert "tok-123456" not in repr(c) and "auth=token" in repr(c)
        with (
            KestraClient(kestra.url, token="wrong", timeout=5) as c,
            pytest.raises(ServerError, match="401"),
        ):
            c.version()


def test_connection_refused_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with (
        KestraClient(url, user=USER, password=PASSWORD, timeout=2) as c,
        pytest.raises(ServerError) as info,
    ):
        c.version()
    assert str(info.value) == f"cannot connect to Kestra at {url}: connection refused"
    assert info.value.status is None and info.value.reason == "connection"


def test_timeout_is_one_line(client: KestraClient, kestra: KestraStandin) -> None:
    kestra.delays["getConfiguration"] = 3.0
    fast = KestraClient(kestra.url, user=USER, password=PASSWORD, timeout=0.3)
    started = time.monotonic()
    with fast, pytest.raises(ServerError) as info:
        fast.version()
    assert time.monotonic() - started < 2
    assert info.value.reason == "timeout"
    assert str(info.value) == (
        f"Kestra at {kestra.url} did not answer within 0.3 s "
        "(reading the configuration, read timeout)"
    )


def test_follow_deadline(client: KestraClient) -> None:
    client.deploy(SLOW)
    execution = client.create_execution("company.team", "slow")
    with pytest.raises(ServerError, match=r"still running after 0\.5 s"):
        follow_run(client, execution.id, deadline=0.5)
    client.kill(execution.id)


def test_url_with_credentials_is_refused_without_echo() -> None:
    with pytest.raises(ServerError) as info:
        KestraClient("http://admin:hunter22@localhost:8080")
    assert "hunter22" not in str(info.value)
    with pytest.raises(ServerError, match="needs a user"):
        KestraClient("http://localhost:8080", password="x")
    with pytest.raises(ServerError, match="not an http"):
        KestraClient("localhost:8080")


def test_credentials_from_environment_and_store() -> None:
    env = {"KESTRA_URL": "http://k:8080", "KESTRA_USER": "me", "KESTRA_PASSWORD": PASSWORD}
    creds = credentials_from(env)
    assert (creds.url, creds.user, creds.password, creds.source) == (
        "http://k:8080",
        "me",
        PASSWORD,
        "KESTRA_PASSWORD",
    )
    assert PASSWORD not in repr(creds) and "auth=password" in repr(creds)
    store = SecretStore({"KESTRA_TOKEN": "tok-abcdef"})
    creds = credentials_from({}, store, token_secret="kestra_token")
    assert creds.token == "tok-abcdef" and creds.password is None
    assert creds.source == "secret KESTRA_TOKEN" and "tok-abcdef" not in repr(creds)
    with pytest.raises(ServerError, match="no secret named 'MISSING'"):
        credentials_from({}, store, password_secret="MISSING")


def test_sse_reader() -> None:
    lines = [": comment", "id:progress", 'data:{"a":', "data: 1}", "", "id:end", "", "data:x"]
    events = list(iter_events(lines))
    assert [(e.id, e.data) for e in events] == [
        ("progress", '{"a":\n1}'),
        ("end", ""),
        ("end", "x"),
    ]


def test_import_is_cheap() -> None:
    """`kestra_nb.server` does not pull httpx (nor IPython) in until a request is made."""
    code = (
        "import sys, kestra_nb, kestra_nb.server, kestra_nb.server.client, "
        "kestra_nb.server.follow\n"
        "bad = [m for m in ('httpx', 'IPython', 'ipykernel', 'kestra_nb.notebook') "
        "if m in sys.modules]\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_standin_refuses_what_the_openapi_file_does_not_allow(shared_dir: Path) -> None:
    """The stand-in's own check: a request off the description is a 400 and a recorded
    problem (so a client bug fails its test), and so is an answer off the description."""
    import httpx

    gen = running_standin(shared_dir)
    kestra = next(gen)
    auth = httpx.BasicAuth(USER, PASSWORD)
    json_body = httpx.post(
        kestra.url + "/api/v1/main/flows",
        content=b'{"id": "x"}',
        headers={"Content-Type": "application/json"},
        auth=auth,
    )
    bad_query = httpx.get(
        kestra.url + "/api/v1/main/flows/a/b", params={"source": "maybe"}, auth=auth
    )
    assert (json_body.status_code, bad_query.status_code) == (400, 400)
    assert len(kestra.problems) == 2 and "application/x-yaml" in kestra.problems[0]
    kestra.problems.clear()
    original = kestra.flow_json
    kestra.flow_json = lambda *a, **k: {  # type: ignore[method-assign]
        key: value for key, value in original(*a, **k).items() if key != "deleted"
    }
    with (
        KestraClient(kestra.url, user=USER, password=PASSWORD, timeout=5) as c,
        pytest.raises(ServerError, match=r"failed \(500\)"),
    ):
        c.deploy(HELLO)
    assert len(kestra.problems) == 1 and "'deleted' is a required property" in kestra.problems[0]
    kestra.problems.clear()
    with pytest.raises(StopIteration):
        next(gen)
