"""`KestraClient`: validate, deploy and run flows on a Kestra server, follow their logs.

Over `httpx` (imported when a client is first built, so `import kestra_nb` and
`%load_ext kestra_nb` do not pay for it). The operations and their paths are those of
Kestra's OpenAPI description (`createFlow`, `updateFlow`, `getFlow`, `validateFlows`,
`createExecution`, `getExecution`, `followExecution`, `followLogsFromExecution`,
`listLogsFromExecution`, `killExecution`, `getConfiguration`, `getSchemasFromType`); the
open-source server serves them with the tenant `main`.

Every request has a timeout; a follow (server-sent events) ends at `id:end`, when the server
closes the stream, when its `deadline` passes, or when its `Cancel` is triggered from another
thread. Credentials are arguments (never a command line), kept off every repr and message.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .errors import ServerError, error_for_status, one_line, parse_violations, redact
from .models import Deployed, Execution, LogLine
from .sse import EventTooLarge, iter_events

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from .errors import Violation

DEFAULT_TIMEOUT = 10.0
#: a follow stream quiet for this long is given up (then callers poll instead)
DEFAULT_IDLE_TIMEOUT = 120.0
#: no follow lasts longer than this unless the caller says so
DEFAULT_FOLLOW_DEADLINE = 6 * 3600.0
YAML = "application/x-yaml"


def flow_identity(source: str) -> tuple[str, str]:
    """`(namespace, id)` of a flow's YAML; `ServerError` (reason "usage") when absent."""
    import yaml

    from ..safeyaml import safe_load

    try:
        data = safe_load(source)  # alias bombs refused (LimitExceeded)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ServerError(f"the flow is not valid YAML{where}", reason="usage") from None
    if not isinstance(data, Mapping):
        raise ServerError("the flow is not a YAML mapping", reason="usage")
    ns, fid = data.get("namespace"), data.get("id")
    if not isinstance(ns, str) or not isinstance(fid, str) or not ns or not fid:
        raise ServerError("the flow needs a string `id` and `namespace`", reason="usage")
    return ns, fid


def _same_source(a: object, b: str) -> bool:
    return isinstance(a, str) and a.strip() == b.strip()


class Cancel:
    """Ends a follow from another thread: shuts its socket down so a blocked read returns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event = threading.Event()
        self._sockets: list[socket.socket] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        """Stop the follow(s) using this object; safe to call from any thread, repeatedly."""
        self._event.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _watch(self, response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
        if self.cancelled:
            self.cancel()


class KestraClient:
    """A connection to one Kestra server and tenant (open-source Kestra: tenant `main`).

    Give `user` and `password` for basic auth, or `token` for an API token (bearer). Use it as
    a context manager, or call `close()`.
    """

    def __init__(
        self,
        url: str,
        tenant: str = "main",
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        transport: Any = None,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServerError(
                f"not an http(s) URL of a Kestra server: {one_line(url, 80)!r}", reason="usage"
            )
        if parts.username or parts.password:
            raise ServerError(
                "the Kestra URL must not hold credentials; use KESTRA_USER and "
                "KESTRA_PASSWORD or KESTRA_API_TOKEN",
                reason="usage",
            )
        if password and token:
            raise ServerError("give a password or an API token, not both", reason="usage")
        if password and not user:
            raise ServerError("a password needs a user (KESTRA_USER or --user)", reason="usage")
        if not tenant or "/" in tenant:
            raise ServerError(f"not a tenant id: {tenant!r}", reason="usage")
        self.url = url.strip().rstrip("/")
        self.tenant = tenant
        self.user = user
        self.timeout = float(timeout)
        self.idle_timeout = float(idle_timeout)
        self.__password = password
        self.__token = token
        self._transport = transport
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------------------

    def __repr__(self) -> str:
        auth = "basic" if self.__password else "token" if self.__token else "none"
        return (
            f"KestraClient(url={self.url!r}, tenant={self.tenant!r}, user={self.user!r}, "
            f"auth={auth})"
        )

    @property
    def auth_kind(self) -> str:
        """`basic`, `token` or `none`: how requests authenticate (never the value)."""
        return "basic" if self.__password else "token" if self.__token else "none"

    def _secrets(self) -> list[str | None]:
        return [self.__password, self.__token]

    def __enter__(self) -> KestraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (open follows end with it)."""
        with self._lock:
            http, self._http = self._http, None
        if http is not None:
            http.close()

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                import httpx

                auth: Any = None
                headers = {"Accept": "application/json"}
                if self.__password:
                    auth = httpx.BasicAuth(self.user or "", self.__password)
                elif self.__token:
                    headers["Authorization"] = f"Bearer {self.__token}"
                self._http = httpx.Client(
                    base_url=self.url,
                    auth=auth,
                    headers=headers,
                    timeout=httpx.Timeout(self.timeout),
                    transport=self._transport,
                    follow_redirects=False,
                )
            return self._http

    def api(self, path: str, *, tenant: bool = True) -> str:
        """The path of an API operation: `/api/v1/{tenant}/{path}`."""
        return f"/api/v1/{quote(self.tenant, safe='')}/{path}" if tenant else f"/api/v1/{path}"

    @staticmethod
    def _seg(value: str) -> str:
        return quote(value, safe="")

    def _fail(self, exc: Exception, what: str) -> ServerError:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            kind = {
                httpx.ConnectTimeout: "connect",
                httpx.ReadTimeout: "read",
                httpx.WriteTimeout: "write",
                httpx.PoolTimeout: "pool",
            }.get(type(exc), "")
            return ServerError(
                f"Kestra at {self.url} did not answer within {self.timeout:g} s "
                f"({what}{', ' + kind + ' timeout' if kind else ''})",
                reason="timeout",
            )
        if isinstance(exc, httpx.ConnectError):
            cause = str(exc) or type(exc).__name__
            if "refused" in cause.lower():
                cause = "connection refused"
            cause = one_line(redact(cause, self._secrets()), 160)
            return ServerError(
                f"cannot connect to Kestra at {self.url}: {cause}", reason="connection"
            )
        detail = one_line(redact(str(exc) or type(exc).__name__, self._secrets()), 160)
        return ServerError(f"Kestra at {self.url}: {what}: {detail}", reason="protocol")

    def _request(
        self, method: str, path: str, what: str, *, ok404: bool = False, **kwargs: Any
    ) -> httpx.Response | None:
        import httpx

        try:
            response = self._client().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise self._fail(exc, what) from None
        if response.status_code == 404 and ok404:
            return None
        if response.status_code >= 400:
            raise self._error(response, what)
        return response

    def _error(self, response: httpx.Response, what: str) -> ServerError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:2000]
        return error_for_status(
            response.status_code, body, url=self.url, what=what, secrets=self._secrets()
        )

    def _json(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = self._request(method, path, what, **kwargs)
        assert response is not None
        try:
            return response.json()
        except ValueError:
            raise ServerError(
                f"Kestra at {self.url}: {what}: the answer is not JSON", reason="protocol"
            ) from None

    # -- links -------------------------------------------------------------------------

    def ui_url(self, namespace: str, flow_id: str, execution_id: str | None = None) -> str:
        """A link into Kestra's UI: the flow, or one of its executions."""
        t, ns, fid = self._seg(self.tenant), self._seg(namespace), self._seg(flow_id)
        if execution_id:
            return f"{self.url}/ui/{t}/executions/{ns}/{fid}/{self._seg(execution_id)}"
        return f"{self.url}/ui/{t}/flows/edit/{ns}/{fid}"

    # -- operations --------------------------------------------------------------------

    def version(self) -> str:
        """The server's version (`getConfiguration`: GET /api/v1/configs)."""
        data = self._json("GET", self.api("configs", tenant=False), "reading the configuration")
        version = data.get("version") if isinstance(data, Mapping) else None
        return str(version) if version else "unknown"

    def schema(self, kind: str = "flow") -> dict[str, Any]:
        """The server's JSON schema of `kind` (`getSchemasFromType`: GET
        /api/v1/plugins/schemas/{kind}): for `flow`, every plugin the server has. The kind is
        sent upper-case, as the OpenAPI enum `SchemaType` spells it (Kestra ignores case)."""
        data = self._json(
            "GET",
            self.api(f"plugins/schemas/{self._seg(kind.upper())}", tenant=False),
            f"reading the {kind} schema",
        )
        if not isinstance(data, Mapping):
            raise ServerError(
                f"Kestra at {self.url}: the {kind} schema is not a JSON object", reason="protocol"
            )
        return dict(data)

    def validate(self, source: str) -> list[Violation]:
        """The server's verdict on one or more flows (YAML documents): [] when valid."""
        data = self._json(
            "POST",
            self.api("flows/validate"),
            "validating the flow",
            content=source.encode("utf-8"),
            headers={"Content-Type": YAML},
        )
        out: list[Violation] = []
        for item in data if isinstance(data, list) else ():
            if isinstance(item, Mapping) and item.get("constraints"):
                index = item.get("index") if isinstance(item.get("index"), int) else None
                out.extend(parse_violations(str(item["constraints"]), index))
        return out

    def get_flow(
        self, namespace: str, flow_id: str, *, source: bool = True
    ) -> Mapping[str, Any] | None:
        """The flow's latest revision (`FlowWithSource` JSON), or None when there is none."""
        response = self._request(
            "GET",
            self.api(f"flows/{self._seg(namespace)}/{self._seg(flow_id)}"),
            f"reading flow {namespace}.{flow_id}",
            params={"source": "true" if source else "false"},
            ok404=True,
        )
        if response is None:
            return None
        data = response.json()
        return data if isinstance(data, Mapping) else None

    def deploy(self, source: str) -> Deployed:
        """Create the flow, or update it when it exists; an unchanged source is left alone.

        A flow the server refuses raises `ServerError` (status 422, `.violations`).
        """
        ns, fid = flow_identity(source)
        what = f"flow {ns}.{fid}"
        existing = self.get_flow(ns, fid, source=True)
        body = {"content": source.encode("utf-8"), "headers": {"Content-Type": YAML}}
        if existing is None:
            data = self._json("POST", self.api("flows"), what, **body)
            created = changed = True
        elif _same_source(existing.get("source"), source):
            data, created, changed = existing, False, False
        else:
            path = self.api(f"flows/{self._seg(ns)}/{self._seg(fid)}")
            data = self._json("PUT", path, what, **body)
            created = False
            changed = data.get("revision") != existing.get("revision")
        revision = data.get("revision") if isinstance(data, Mapping) else None
        return Deployed(
            namespace=ns,
            flow_id=fid,
            revision=revision if isinstance(revision, int) else None,
            created=created,
            changed=changed,
            url_in_ui=self.ui_url(ns, fid),
        )

    def create_execution(
        self,
        namespace: str,
        flow_id: str,
        inputs: Mapping[str, str] | None = None,
        files: Mapping[str, str | Path] | None = None,
        *,
        labels: Mapping[str, str] | None = None,
    ) -> Execution:
        """Start an execution (multipart: one part per input, file inputs as file parts)."""
        parts: list[tuple[str, Any]] = [
            (str(k), (None, str(v).encode("utf-8"))) for k, v in (inputs or {}).items()
        ]
        params: dict[str, Any] = {}
        if labels:
            params["labels"] = [f"{k}:{v}" for k, v in labels.items()]
        with contextlib.ExitStack() as stack:
            for key, path in (files or {}).items():
                p = Path(path)
                handle = stack.enter_context(p.open("rb"))
                parts.append((str(key), (p.name, handle, "application/octet-stream")))
            data = self._json(
                "POST",
                self.api(f"executions/{self._seg(namespace)}/{self._seg(flow_id)}"),
                f"running flow {namespace}.{flow_id}",
                files=parts or None,
                params=params or None,
            )
        execution = Execution.from_json(data if isinstance(data, Mapping) else {})
        if not execution.url:
            url = self.ui_url(namespace, flow_id, execution.id)
            execution = Execution.from_json({**execution.raw, "url": url})
        return execution

    def get_execution(self, execution_id: str) -> Execution:
        """The execution's current state, task runs and outputs."""
        data = self._json(
            "GET",
            self.api(f"executions/{self._seg(execution_id)}"),
            f"reading execution {execution_id}",
        )
        return Execution.from_json(data if isinstance(data, Mapping) else {})

    def list_logs(self, execution_id: str) -> list[LogLine]:
        """Every log entry of an execution so far (`listLogsFromExecution`)."""
        data = self._json(
            "GET",
            self.api(f"logs/{self._seg(execution_id)}"),
            f"reading the logs of execution {execution_id}",
        )
        return [LogLine.from_json(d) for d in data or () if isinstance(d, Mapping)]

    def kill(self, execution_id: str) -> bool:
        """Ask the server to kill the execution: False when it had already ended (409)."""
        try:
            self._request(
                "DELETE",
                self.api(f"executions/{self._seg(execution_id)}/actions/kill"),
                f"killing execution {execution_id}",
            )
        except ServerError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    # -- server-sent events ------------------------------------------------------------

    def _follow(
        self, path: str, what: str, cancel: Cancel | None, deadline: float | None
    ) -> Iterator[tuple[str | None, Any]]:
        """`(event id, parsed JSON data)` of a follow stream, until `end`, EOF or deadline."""
        import httpx

        end_at = time.monotonic() + (deadline if deadline is not None else DEFAULT_FOLLOW_DEADLINE)
        timeout = httpx.Timeout(self.timeout, read=self.idle_timeout)
        headers = {"Accept": "text/event-stream"}
        try:
            with self._client().stream("GET", path, headers=headers, timeout=timeout) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response, what)
                if cancel is not None:
                    cancel._watch(response)
                for event in iter_events(response.iter_lines()):
                    if cancel is not None and cancel.cancelled:
                        return
                    try:
                        data = json.loads(event.data) if event.data.strip() else None
                    except ValueError:
                        data = None
                    yield event.id, data
                    if event.id == "end":
                        return
                    if time.monotonic() > end_at:
                        raise ServerError(
                            f"Kestra at {self.url}: {what}: still running after "
                            f"{deadline or DEFAULT_FOLLOW_DEADLINE:g} s",
                            reason="timeout",
                        )
        except httpx.HTTPError as exc:
            if cancel is not None and cancel.cancelled:
                return
            if isinstance(exc, httpx.ReadTimeout):
                raise ServerError(
                    f"Kestra at {self.url}: {what}: nothing received for {self.idle_timeout:g} s",
                    reason="timeout",
                ) from None
            raise self._fail(exc, what) from None
        except EventTooLarge as exc:
            raise ServerError(f"Kestra at {self.url}: {what}: {exc}", reason="protocol") from None

    def follow_execution(
        self,
        execution_id: str,
        *,
        cancel: Cancel | None = None,
        deadline: float | None = None,
    ) -> Iterator[Execution]:
        """Each state of the execution as the server sends it; ends with a terminal one."""
        path = self.api(f"executions/{self._seg(execution_id)}/follow")
        for _id, data in self._follow(
            path, f"following execution {execution_id}", cancel, deadline
        ):
            if isinstance(data, Mapping) and data.get("id"):
                execution = Execution.from_json(data)
                yield execution
                if execution.terminal:
                    return

    def follow_logs(
        self,
        execution_id: str,
        *,
        cancel: Cancel | None = None,
        deadline: float | None = None,
    ) -> Iterator[LogLine]:
        """Each log entry as the server sends it (stored ones first), until `id:end` or EOF.

        Kestra's log stream may stay open after the execution ends: end it with `cancel`
        (see `follow.follow_run`, which does so once the execution is over).
        """
        path = self.api(f"logs/{self._seg(execution_id)}/follow")
        for _id, data in self._follow(
            path, f"following the logs of execution {execution_id}", cancel, deadline
        ):
            if isinstance(data, Mapping) and data.get("message") is not None:
                yield LogLine.from_json(data)
