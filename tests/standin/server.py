"""A stand-in Kestra server for the tests: flows with revisions, executions, logs, SSE.

Every request is checked against Kestra's OpenAPI description with openapi-core; an invalid
one is answered 400 and recorded on `problems` (the fixture fails the test). Every answer is
checked against the response schemas before it is sent (an invalid one is recorded and
answered 500); each server-sent event's JSON against `Event_Execution_` /
`Event_FollowLogEvent_`. Auth: basic (`user`, `password`) and/or a bearer `token`; a wrong or
missing one is 401.

Executions run in a thread, task by task (CREATED -> RUNNING -> SUCCESS or FAILED), with
`step` seconds between state changes. `getSchemasFromType` (`flow`) answers
`flow_schema.json`. Supported tasks: `log.Log` (message rendered with
`{{ inputs.x }}`, `{{ secret('X') }}`, `{{ outputs.t.value }}`), `debug.Return` (output
`value`), `execution.Fail`, `flow.Sleep` (`duration: PT2S`), `output.OutputValues`. Any other
type is unknown: validate answers a violation, deploy a 422. The logs keep secret values in
clear (as a misbehaving flow would), so tests can check masking.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import yaml

from .spec import openapi, schema_validator

CORE = "io.kestra.plugin.core."
KNOWN_TYPES = {
    CORE + "log.Log",
    CORE + "debug.Return",
    CORE + "execution.Fail",
    CORE + "flow.Sleep",
    CORE + "output.OutputValues",
}
TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"}
MAX_BODY = 8 * 1024 * 1024
#: what `getSchemasFromType` answers for `flow`: a small Kestra flow schema (draft 7, one
#: definition per plugin class, `type` as a const, `Property<T>` as the value or an
#: expression), with core tasks, a flowable, a trigger and two JDBC plugins
FLOW_SCHEMA = Path(__file__).with_name("flow_schema.json")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _state(history: list[dict[str, str]]) -> dict[str, Any]:
    start = history[0]["date"]
    end = history[-1]["date"] if history[-1]["state"] in TERMINAL else None
    state: dict[str, Any] = {
        "current": history[-1]["state"],
        "histories": [dict(h) for h in history],
        "startDate": start,
        "duration": "PT0S",
        "getDuration": "PT0S",
        "getStartDate": start,
        "getEndDate": end or now_iso(),
    }
    if end:
        state["endDate"] = end
    return state


def _duration(text: object) -> float:
    m = re.fullmatch(r"PT(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?", str(text or ""))
    if not m:
        return 0.0
    return float(m.group(1) or 0) * 60 + float(m.group(2) or 0)


class _Request:
    """What openapi-core needs of a request (its `Request` protocol)."""

    def __init__(
        self, host_url: str, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = host_url
        self.method = method.lower()
        self.path = path
        self.body = body
        self.content_type = (headers.get("Content-Type") or "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
            path={},
        )


class _Response:
    def __init__(self, status: int, content_type: str, data: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.content_type = content_type
        self.data = data
        self.headers = Headers({"Content-Type": content_type})


class Answer:
    """A non-streaming answer: status, content type and body."""

    def __init__(self, status: int, body: Any = None, content_type: str = "application/json"):
        self.status = status
        self.content_type = content_type if body is not None else ""
        if body is None:
            self.data = b""
        elif isinstance(body, bytes):
            self.data = body
        else:
            self.data = json.dumps(body).encode()


def _error(status: int, message: str, path: str) -> Answer:
    """Micronaut's JSON error body, as Kestra answers errors."""
    return Answer(
        status,
        {
            "message": message,
            "_embedded": {"errors": [{"message": message}]},
            "_links": {"self": {"href": path, "templated": False}},
        },
    )


class Stream:
    """A server-sent events answer: `run(write)` writes events until it returns."""

    def __init__(self, run: Callable[[Callable[[str | None, Any], bool]], None], schema: str):
        self.run = run
        self.schema = schema


class KestraStandin:
    """The stand-in server. `start()`, then `.url`; `stop()` ends runs and connections."""

    def __init__(
        self,
        spec_path: Path,
        *,
        user: str | None = "admin@kestra.io",
        password: str | None = "Admin1234",
        token: str | None = None,
        secrets: Mapping[str, str] | None = None,
        step: float = 0.02,
        logs_end: str = "end",
        version: str = "1.3.0-standin",
    ) -> None:
        self.spec_path = spec_path
        self.user, self.password, self.token = user, password, token
        self.secrets = dict(secrets or {})
        self.step = step
        self.logs_end = logs_end  # "end": id:end once the run is over; "hold": stay open
        self.version = version
        #: seconds to wait before answering, by operationId (timeouts)
        self.delays: dict[str, float] = {}
        #: every invalid request or answer seen (the fixture asserts this stays empty)
        self.problems: list[str] = []
        #: operationIds of the requests answered, in order
        self.calls: list[str] = []
        self.flows: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.executions: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.kill_requests: list[str] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._runs: list[threading.Thread] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        address = self._server.server_address
        return f"http://{address[0]!s}:{address[1]}"

    def start(self) -> KestraStandin:
        openapi(self.spec_path)  # load (cached) before the first request
        standin = self

        class Handler(_Handler):
            owner = standin

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for run in self._runs:
            run.join(timeout=2)

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; False when it does."""
        return not self._stopping.wait(seconds)

    # -- auth --------------------------------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        if self.password is None and self.token is None:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.token is not None:
            return value == self.token
        if scheme.lower() == "basic" and self.password is not None:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return decoded == f"{self.user}:{self.password}"
        return False

    # -- flows -------------------------------------------------------------------------

    def check_flow(self, source: str) -> tuple[dict[str, Any] | None, list[str]]:
        """The parsed flow and its violations (Kestra's `path: message` form)."""
        try:
            flow = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            return None, [f"Unable to parse flow: {' '.join(str(exc).split())}"]
        if not isinstance(flow, dict):
            return None, ["Unable to parse flow: not a mapping"]
        problems: list[str] = []
        for key in ("id", "namespace"):
            if not isinstance(flow.get(key), str) or not flow.get(key):
                problems.append(f"{key}: must not be null")
        tasks = flow.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            problems.append("tasks: must not be empty")
            tasks = []
        for i, task in enumerate(tasks):
            if not isinstance(task, dict):
                problems.append(f"tasks[{i}]: must be a task")
                continue
            if not task.get("id"):
                problems.append(f"tasks[{i}].id: must not be null")
            if task.get("type") not in KNOWN_TYPES:
                problems.append(f"tasks[{i}].type: Invalid type: {task.get('type')}")
            elif task["type"] == CORE + "log.Log" and task.get("message") is None:
                problems.append(f"tasks[{i}].message: must not be null")
        return flow, problems

    def flow_json(self, tenant: str, rev: dict[str, Any], source: bool) -> dict[str, Any]:
        flow = rev["flow"]
        out: dict[str, Any] = {
            "id": flow["id"],
            "namespace": flow["namespace"],
            "revision": rev["revision"],
            "deleted": False,
            "disabled": bool(flow.get("disabled", False)),
            "draft": False,
            "updated": rev["updated"],
            "tasks": [
                {k: v for k, v in t.items() if k in ("id", "type", "description")}
                for t in flow["tasks"]
            ],
        }
        if isinstance(flow.get("description"), str):
            out["description"] = flow["description"]
        if flow.get("inputs"):  # `defaults` left out: its generated schema cannot hold one
            out["inputs"] = [
                {
                    "id": i["id"],
                    "type": i.get("type", "STRING"),
                    "required": bool(i.get("required", True)),
                }
                for i in flow["inputs"]
            ]
        if source:
            out["source"] = rev["source"]
        return out

    # -- executions --------------------------------------------------------------------

    def new_execution(self, tenant: str, rev: dict[str, Any], inputs: dict[str, Any]) -> dict:
        flow = rev["flow"]
        eid = f"standin{next(self._ids):04d}{uuid.uuid4().hex[:8]}"
        created = now_iso()
        execution = {
            "id": eid,
            "tenantId": tenant,
            "namespace": flow["namespace"],
            "flowId": flow["id"],
            "flowRevision": rev["revision"],
            "taskRunList": [],
            "inputs": inputs,
            "outputs": {},
            "labels": [],
            "variables": {},
            "originalId": eid,
            "deleted": False,
            "metadata": {"attemptNumber": 1, "originalCreatedDate": created},
            "_history": [{"state": "CREATED", "date": created}],
        }
        execution["state"] = _state(execution["_history"])
        with self._lock:
            self.executions[eid] = execution
            self.logs[eid] = []
        thread = threading.Thread(target=self._run, args=(eid, flow), daemon=True)
        self._runs.append(thread)
        thread.start()
        return execution

    def public(self, execution: dict[str, Any], *, api: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in execution.items() if not k.startswith("_")}
        out["taskRunList"] = [
            {k: v for k, v in run.items() if not k.startswith("_")}
            for run in execution["taskRunList"]
        ]
        if api:  # ApiExecution (getExecution): task runs without the repeated ids
            out.pop("deleted", None)
        return json.loads(json.dumps(out))

    def _set_state(self, target: dict[str, Any], state: str) -> None:
        target["_history"].append({"state": state, "date": now_iso()})
        target["state"] = _state(target["_history"])
        if "attempts" in target:
            target["attempts"] = [{"state": target["state"]}]

    def _log(self, eid: str, run: dict[str, Any] | None, level: str, message: str) -> None:
        execution = self.executions[eid]
        entry = {
            "tenantId": execution["tenantId"],
            "namespace": execution["namespace"],
            "flowId": execution["flowId"],
            "executionId": eid,
            "timestamp": now_iso(),
            "level": level,
            "thread": "worker-1",
            "message": message,
        }
        if run is not None:
            entry.update(taskId=run["taskId"], taskRunId=run["id"], attemptNumber=1)
        self.logs[eid].append(entry)

    def render(self, text: object, execution: dict[str, Any]) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1).strip()
            if sm := re.fullmatch(r"secret\(\s*['\"]([^'\"]+)['\"]\s*\)", expr):
                return self.secrets.get(sm.group(1), "")
            if im := re.fullmatch(r"inputs\.([\w-]+)", expr):
                return str(execution["inputs"].get(im.group(1), ""))
            if om := re.fullmatch(r"outputs\.([\w-]+)\.(\w+)", expr):
                for run in execution["taskRunList"]:
                    if run["taskId"] == om.group(1):
                        return str(run.get("outputs", {}).get(om.group(2), ""))
            if expr == "execution.id":
                return str(execution["id"])
            if expr == "flow.id":
                return str(execution["flowId"])
            return m.group(0)

        return re.sub(r"\{\{(.*?)\}\}", one, str(text))

    def _run(self, eid: str, flow: dict[str, Any]) -> None:
        def changed() -> None:
            self._changed.notify_all()

        with self._changed:
            execution = self.executions[eid]
        if not self.wait(self.step):
            return
        with self._changed:
            self._set_state(execution, "RUNNING")
            changed()
        final = "SUCCESS"
        for task in flow["tasks"]:
            if not self.wait(self.step):
                return
            with self._changed:
                if execution.get("_kill"):
                    final = "KILLED"
                    break
                created = now_iso()
                run = {
                    "id": uuid.uuid4().hex[:22],
                    "executionId": eid,
                    "namespace": execution["namespace"],
                    "flowId": execution["flowId"],
                    "taskId": task["id"],
                    "_history": [{"state": "CREATED", "date": created}],
                    "attempts": [],
                }
                run["state"] = _state(run["_history"])
                execution["taskRunList"].append(run)
                changed()
            if not self.wait(self.step):
                return
            with self._changed:
                self._set_state(run, "RUNNING")
                changed()
            status = self._task(eid, execution, run, task)
            with self._changed:
                self._set_state(run, status)
                changed()
            if status != "SUCCESS":
                final = status
                break
        with self._changed:
            if final == "SUCCESS" and flow.get("outputs"):
                execution["outputs"] = {
                    o["id"]: self.render(o.get("value"), execution) for o in flow["outputs"]
                }
            if final == "KILLED" and execution["state"]["current"] != "KILLING":
                self._set_state(execution, "KILLING")
            self._set_state(execution, final)
            changed()

    def _task(
        self, eid: str, execution: dict[str, Any], run: dict[str, Any], task: dict[str, Any]
    ) -> str:
        kind = task["type"][len(CORE) :]
        with self._changed:
            if kind == "log.Log":
                messages = (
                    task["message"] if isinstance(task["message"], list) else [task["message"]]
                )
                for message in messages:
                    level = str(task.get("level", "INFO"))
                    self._log(eid, run, level, self.render(message, execution))
            elif kind == "debug.Return":
                run["outputs"] = {"value": self.render(task.get("format", ""), execution)}
            elif kind == "output.OutputValues":
                values = task.get("values") or {}
                run["outputs"] = {
                    "values": {k: self.render(v, execution) for k, v in values.items()}
                }
            elif kind == "execution.Fail":
                message = self.render(task.get("errorMessage", "Flow failed"), execution)
                self._log(eid, run, "ERROR", message)
                return "FAILED"
            self._changed.notify_all()
        if kind == "flow.Sleep":
            end = time.monotonic() + _duration(task.get("duration"))
            while time.monotonic() < end:
                if not self.wait(0.02):
                    return "KILLED"
                with self._lock:
                    if execution.get("_kill"):
                        self._log(eid, run, "WARN", "Killed")
                        return "KILLED"
        return "SUCCESS"

    def kill(self, eid: str) -> bool:
        with self._changed:
            execution = self.executions[eid]
            if execution["state"]["current"] in TERMINAL:
                return False
            execution["_kill"] = True
            self._set_state(execution, "KILLING")
            self._changed.notify_all()
            self.kill_requests.append(eid)
            return True

    # -- routing -----------------------------------------------------------------------

    ROUTES: ClassVar[list[tuple[str, re.Pattern[str], str]]] = [
        ("GET", re.compile(r"/api/v1/configs"), "getConfiguration"),
        ("GET", re.compile(r"/api/v1/plugins/schemas/(?P<kind>[^/]+)"), "getSchemasFromType"),
        ("POST", re.compile(r"/api/v1/(?P<t>[^/]+)/flows/validate"), "validateFlows"),
        ("POST", re.compile(r"/api/v1/(?P<t>[^/]+)/flows"), "createFlow"),
        ("GET", re.compile(r"/api/v1/(?P<t>[^/]+)/flows/(?P<ns>[^/]+)/(?P<id>[^/]+)"), "getFlow"),
        (
            "PUT",
            re.compile(r"/api/v1/(?P<t>[^/]+)/flows/(?P<ns>[^/]+)/(?P<id>[^/]+)"),
            "updateFlow",
        ),
        (
            "GET",
            re.compile(r"/api/v1/(?P<t>[^/]+)/executions/(?P<e>[^/]+)/follow"),
            "followExecution",
        ),
        (
            "DELETE",
            re.compile(r"/api/v1/(?P<t>[^/]+)/executions/(?P<e>[^/]+)/actions/kill"),
            "killExecution",
        ),
        ("GET", re.compile(r"/api/v1/(?P<t>[^/]+)/executions/(?P<e>[^/]+)"), "getExecution"),
        (
            "POST",
            re.compile(r"/api/v1/(?P<t>[^/]+)/executions/(?P<ns>[^/]+)/(?P<id>[^/]+)"),
            "createExecution",
        ),
        (
            "GET",
            re.compile(r"/api/v1/(?P<t>[^/]+)/logs/(?P<e>[^/]+)/follow"),
            "followLogsFromExecution",
        ),
        ("GET", re.compile(r"/api/v1/(?P<t>[^/]+)/logs/(?P<e>[^/]+)"), "listLogsFromExecution"),
    ]

    def route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for m, pattern, op in self.ROUTES:
            match = pattern.fullmatch(path)
            if m == method and match:
                return op, match.groupdict()
        return None

    def answer(
        self, op: str, params: dict[str, str], query: dict[str, str], request: _Request
    ) -> Answer | Stream:
        tenant = params.get("t", "main")
        path = request.path
        if tenant != "main":
            return _error(404, f"Tenant '{tenant}' not found", path)
        if op == "getConfiguration":
            return Answer(200, {"version": self.version, "edition": "OSS", "uuid": "standin"})
        if op == "getSchemasFromType":
            if params["kind"].lower() != "flow":  # Kestra reads the enum ignoring case
                return _error(404, f"No schema for '{params['kind']}' in the stand-in", path)
            return Answer(200, json.loads(FLOW_SCHEMA.read_text(encoding="utf-8")))
        if op == "validateFlows":
            docs = [d for d in re.split(r"(?m)^---\s*$", request.body.decode()) if d.strip()]
            out = []
            for index, doc in enumerate(docs):
                flow, problems = self.check_flow(doc)
                item: dict[str, Any] = {
                    "index": index,
                    "outdated": False,
                    "deprecationPaths": [],
                    "warnings": [],
                    "infos": [],
                }
                if isinstance(flow, dict):
                    for key, name in (("id", "flow"), ("namespace", "namespace")):
                        if isinstance(flow.get(key), str):
                            item[name] = flow[key]
                if problems:
                    item["constraints"] = "\n".join(problems) + "\n"
                out.append(item)
            return Answer(200, out)
        if op in ("createFlow", "updateFlow"):
            source = request.body.decode()
            flow, problems = self.check_flow(source)
            if problems or flow is None:
                return _error(422, "Invalid entity: " + ", ".join(problems), path)
            flow_key = (tenant, flow["namespace"], flow["id"])
            with self._lock:
                revisions = self.flows.get(flow_key)
                if op == "createFlow" and revisions:
                    return _error(409, f"Flow id '{flow['id']}' already exists", path)
                if op == "updateFlow":
                    if (flow["namespace"], flow["id"]) != (params["ns"], params["id"]):
                        return _error(422, "Invalid entity: id: Illegal flow id update", path)
                    if not revisions:
                        return _error(404, f"Flow id '{params['id']}' not found", path)
                revisions = self.flows.setdefault(flow_key, [])
                if revisions and revisions[-1]["source"] == source:
                    rev = revisions[-1]  # Kestra keeps the revision of an unchanged source
                else:
                    rev = {
                        "revision": len(revisions) + 1,
                        "source": source,
                        "flow": flow,
                        "updated": now_iso(),
                    }
                    revisions.append(rev)
            return Answer(200, self.flow_json(tenant, rev, source=True))
        if op == "getFlow":
            revisions = self.flows.get((tenant, params["ns"], params["id"]))
            if not revisions:
                return _error(404, f"Flow id '{params['id']}' not found", path)
            return Answer(200, self.flow_json(tenant, revisions[-1], query.get("source") == "true"))
        if op == "createExecution":
            return self.create_execution(tenant, params, request)
        execution = self.executions.get(params.get("e", ""))
        if execution is None or execution["tenantId"] != tenant:
            return _error(404, f"Execution id '{params.get('e')}' not found", path)
        eid = execution["id"]
        if op == "getExecution":
            with self._lock:
                return Answer(200, self.public(execution, api=True))
        if op == "listLogsFromExecution":
            with self._lock:
                return Answer(200, [dict(e) for e in self.logs[eid]])
        if op == "killExecution":
            if not self.kill(eid):
                return _error(409, "Execution is already finished", path)
            with self._lock:
                return Answer(200, self.public(execution), "text/json")
        if op == "followExecution":
            return Stream(lambda write: self.follow_execution(eid, write), "Event_Execution_")
        if op == "followLogsFromExecution":
            return Stream(lambda write: self.follow_logs(eid, write), "Event_FollowLogEvent_")
        return _error(404, "Not Found", path)

    def create_execution(self, tenant: str, params: dict[str, str], request: _Request) -> Answer:
        path = request.path
        revisions = self.flows.get((tenant, params["ns"], params["id"]))
        if not revisions:
            return _error(404, f"Flow '{params['ns']}.{params['id']}' not found", path)
        rev = revisions[-1]
        fields: dict[str, str] = {}
        uploads: dict[str, tuple[str, bytes]] = {}
        if request.body:
            parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + request.content_type.encode() + b"\r\n\r\n" + request.body
            )
            if not parsed.is_multipart():
                self.problem("createExecution: the body is not a multipart form")
                return _error(400, "Bad Request: not multipart", path)
            for part in parsed.iter_parts():
                name = part.get_param("name", header="content-disposition")
                disposition = part.get_content_disposition()
                payload = part.get_payload(decode=True)
                if not isinstance(name, str) or disposition != "form-data":
                    self.problem("createExecution: a part without a form-data name")
                    return _error(400, "Bad Request: unnamed part", path)
                assert isinstance(payload, bytes)
                filename = part.get_filename()
                if filename is not None:
                    uploads[name] = (filename, payload)
                else:
                    try:
                        fields[name] = payload.decode("utf-8")
                    except UnicodeDecodeError:
                        self.problem(f"createExecution: input {name} is not UTF-8")
                        return _error(400, "Bad Request: not UTF-8", path)
        inputs: dict[str, Any] = {}
        flow = rev["flow"]
        for declared in flow.get("inputs") or []:
            name, kind = declared["id"], declared.get("type", "STRING")
            if kind == "FILE" and name in uploads:
                inputs[name] = f"kestra:///{flow['namespace']}/{flow['id']}/inputs/{name}"
            elif name in fields:
                inputs[name] = int(fields[name]) if kind == "INT" else fields[name]
            elif "defaults" in declared:
                inputs[name] = declared["defaults"]
            elif declared.get("required", True):
                return _error(
                    422,
                    f"Invalid entity: inputs.{name}: Invalid input for `{name}`, missing "
                    "required input, but received `null`",
                    path,
                )
        execution = self.new_execution(tenant, rev, inputs)
        with self._lock:
            for name, upload in uploads.items():
                self.files[(execution["id"], name)] = upload
            body = self.public(execution)
        body["url"] = (
            f"{self.url}/ui/{tenant}/executions/{flow['namespace']}/{flow['id']}/{execution['id']}"
        )
        return Answer(200, body)

    # -- server-sent events ------------------------------------------------------------

    def follow_execution(self, eid: str, write: Callable[[str | None, Any], bool]) -> None:
        last: str | None = None
        while not self._stopping.is_set():
            with self._changed:
                execution = self.executions[eid]
                body = self.public(execution)
                terminal = execution["state"]["current"] in TERMINAL
                snapshot = json.dumps(body, sort_keys=True)
                if snapshot == last:
                    self._changed.wait(0.5)
                    continue
            last = snapshot
            if not write("end" if terminal else "progress", body) or terminal:
                return

    def follow_logs(self, eid: str, write: Callable[[str | None, Any], bool]) -> None:
        if not write("start", {}):
            return
        sent = 0
        while not self._stopping.is_set():
            with self._changed:
                entries = self.logs[eid][sent:]
                terminal = self.executions[eid]["state"]["current"] in TERMINAL
                if not entries and not terminal:
                    self._changed.wait(0.5)
                    continue
            for entry in entries:
                if not write("progress", entry):
                    return
            sent += len(entries)
            if terminal and not entries:
                break
        if self.logs_end == "end":
            write("end", {})
            return
        while not self._stopping.is_set():  # "hold": open until the client hangs up
            if not write(None, None) or not self.wait(0.1):
                return


class _Handler(BaseHTTPRequestHandler):
    owner: KestraStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.handle_any("GET")

    def do_POST(self) -> None:
        self.handle_any("POST")

    def do_PUT(self) -> None:
        self.handle_any("PUT")

    def do_DELETE(self) -> None:
        self.handle_any("DELETE")

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        if answer.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="Kestra"')
        self.send_header("Content-Length", str(len(answer.data)))
        self.end_headers()
        self.wfile.write(answer.data)

    def handle_any(self, method: str) -> None:
        owner = self.owner
        split = urlsplit(self.path)
        try:
            body = self.read_body()
        except ValueError:
            owner.problem(f"{method} {split.path}: unreadable body")
            self.send(_error(400, "Bad Request", split.path))
            return
        host_url = f"http://{self.headers.get('Host', '127.0.0.1')}"
        request = _Request(host_url, method, split.path, split.query, self.headers, body)
        unauthorized = not owner.authorized(self.headers.get("Authorization"))
        problems = self.validate_request(request, unauthorized)
        routed = owner.route(method, split.path)
        if problems is None:  # security: the spec's 401
            self.send(_error(401, "Unauthorized", split.path))
            return
        if problems:
            owner.problem(f"{method} {split.path}: invalid request: {'; '.join(problems)}")
            self.send(_error(400, "Bad Request: " + "; ".join(problems), split.path))
            return
        if unauthorized:
            self.send(_error(401, "Unauthorized", split.path))
            return
        if routed is None:
            owner.problem(f"{method} {split.path}: no such route in the stand-in")
            self.send(_error(404, "Not Found", split.path))
            return
        op, params = routed
        owner.calls.append(op)
        delay = owner.delays.get(op, 0.0)
        if delay and not owner.wait(delay):
            return
        query = dict(parse_qsl(split.query))
        answer = owner.answer(op, params, query, request)
        if isinstance(answer, Stream):
            self.stream(request, answer)
            return
        self.validate_response(request, answer)
        self.send(answer)

    def validate_request(self, request: _Request, unauthorized: bool) -> list[str] | None:
        """Problems of the request per the spec; None when only its security is missing."""
        from openapi_core.templating.paths.exceptions import PathError
        from openapi_core.validation.request.exceptions import SecurityValidationError

        problems = []
        for error in openapi(self.owner.spec_path).iter_request_errors(request):
            if isinstance(error, SecurityValidationError):
                if not unauthorized:
                    problems.append(f"security: {error}")
                continue
            if isinstance(error, PathError):
                problems.append(f"not in the OpenAPI description: {error}")
                continue
            cause = error.__cause__
            detail = getattr(cause, "schema_errors", None) or cause or ""
            problems.append(f"{error} {detail}".strip())
        if unauthorized and not problems:
            return None
        return problems

    def validate_response(self, request: _Request, answer: Answer) -> None:
        from openapi_core.templating.responses.exceptions import ResponseNotFound

        response = _Response(answer.status, answer.content_type, answer.data)
        problems = []
        for error in openapi(self.owner.spec_path).iter_response_errors(request, response):
            if isinstance(error, ResponseNotFound) and answer.status >= 400:
                continue  # Kestra's error bodies (Micronaut's) are not in its description
            cause = error.__cause__
            detail = getattr(cause, "schema_errors", None) or cause or ""
            problems.append(f"{error} {detail}".strip())
        if problems:
            self.owner.problem(
                f"{request.method.upper()} {request.path}: invalid answer {answer.status}: "
                + "; ".join(problems)
            )
            answer.status, answer.data = 500, b'{"message":"stand-in answer invalid"}'
            answer.content_type = "application/json"

    def stream(self, request: _Request, stream: Stream) -> None:
        validator = schema_validator(self.owner.spec_path, stream.schema)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def write(event_id: str | None, data: Any) -> bool:
            if event_id is None:
                text = ":\n\n"  # a comment: keeps the connection checked
            else:
                errors = [e.message for e in validator.iter_errors({"id": event_id, "data": data})]
                if errors:
                    self.owner.problem(
                        f"GET {request.path}: invalid event {event_id}: {'; '.join(errors[:3])}"
                    )
                    return False
                text = f"id:{event_id}\ndata:{json.dumps(data)}\n\n"
            try:
                self.wfile.write(text.encode())
                self.wfile.flush()
            except OSError:
                return False
            return True

        stream.run(write)
