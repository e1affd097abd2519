"""Errors from a Kestra server, as one-line messages without any credential in them.

`ServerError.status` is the HTTP status (None when no answer came: refused connection,
timeout). A 422 keeps the server's constraint violations as `Violation` records (message and,
where the message names it, the property path such as `tasks[1].type`), so a caller can point
at the flow's lines (`violation_line`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import KestraNbError

#: `tasks[1].type: Invalid type: x`, `id: must match ...`: a property path, then the message.
_PATH_MESSAGE = re.compile(
    r"^(?P<path>[A-Za-z_$][\w$-]*(?:\[\d+\]|\.[A-Za-z_$][\w$-]*)*)\s*:\s+(?P<message>\S.*)$"
)
#: where one violation ends and the next starts in a joined message: ", <path>: "
_NEXT_VIOLATION = re.compile(r",\s+(?=[A-Za-z_$][\w$-]*(?:\[\d+\]|\.[A-Za-z_$][\w$-]*)*:\s)")
_PREFIXES = ("Invalid entity:", "Illegal argument:", "Unable to parse flow:")
REDACTED = "******"


@dataclass(frozen=True)
class Violation:
    """One reason a server refused a flow: `path` (e.g. `tasks[1].type`) when it says so."""

    message: str
    path: str | None = None
    index: int | None = None  # which YAML document of a validate request

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def one_line(text: str, limit: int = 400) -> str:
    """Collapse whitespace (newlines, tabs) so a message stays on one line; cut long ones."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def parse_violations(text: str | None, index: int | None = None) -> list[Violation]:
    """Split a Kestra constraint message into records.

    Kestra joins violations with newlines (validate) or `, ` (a 422's `Invalid entity: a: x,
    b: y`); each starts with its property path when the server knows it.
    """
    if not text or not text.strip():
        return []
    out: list[Violation] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        for prefix in _PREFIXES:
            if line.startswith(prefix):
                line = line[len(prefix) :].strip()
        if not line:
            continue
        for piece in _NEXT_VIOLATION.split(line):
            piece = piece.strip().rstrip(",")
            if not piece:
                continue
            m = _PATH_MESSAGE.match(piece)
            if m and not m.group("path").startswith(("http", "https")):
                out.append(Violation(one_line(m.group("message")), m.group("path"), index))
            else:
                out.append(Violation(one_line(piece), None, index))
    return out


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every credential value (and its one-line form) replaced by `******`."""
    for value in secrets:
        if value:
            for form in {value, one_line(value), value.strip()}:
                if form:
                    text = text.replace(form, REDACTED)
    return text


class ServerError(KestraNbError):
    """The Kestra server could not be reached or refused a request. One line, no credential."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        violations: Sequence[Violation] = (),
        reason: str = "",
    ) -> None:
        self.status = status
        self.violations = list(violations)
        #: "connection", "timeout", "auth", "forbidden", "not-found", "conflict", "invalid",
        #: "server" or "protocol": what a caller can branch on without parsing the message.
        self.reason = reason
        super().__init__(one_line(message, limit=1000))


def message_of(body: Any) -> str:
    """The human message of an error body: Micronaut's `{"message": ..., "_embedded": ...}`."""
    if isinstance(body, Mapping):
        embedded = body.get("_embedded")
        errors = embedded.get("errors") if isinstance(embedded, Mapping) else None
        messages = [
            str(e.get("message"))
            for e in errors or ()
            if isinstance(e, Mapping) and e.get("message")
        ]
        top = body.get("message")
        if messages and (not top or str(top) in ("Bad Request", "Unprocessable Entity")):
            return "\n".join(messages)
        if top:
            return str(top)
        return ""
    if isinstance(body, str):
        return body
    return ""


def error_for_status(
    status: int, body: Any, *, url: str, what: str, secrets: Iterable[str | None] = ()
) -> ServerError:
    """The `ServerError` for an HTTP error answer to a request about `what`."""
    detail = redact(message_of(body), list(secrets))
    said = f": {one_line(detail, 300)}" if detail else ""
    if status == 401:
        return ServerError(
            f"Kestra at {url} refused the credentials (401 Unauthorized); check KESTRA_USER "
            "and KESTRA_PASSWORD, or KESTRA_API_TOKEN",
            status=status,
            reason="auth",
        )
    if status == 403:
        return ServerError(
            f"Kestra at {url}: {what} is forbidden for this user (403 Forbidden)",
            status=status,
            reason="forbidden",
        )
    if status == 404:
        return ServerError(
            f"Kestra at {url}: {what}: not found (404)", status=status, reason="not-found"
        )
    if status == 409:
        return ServerError(
            f"Kestra at {url}: {what}: conflict (409){said}", status=status, reason="conflict"
        )
    if status in (400, 422):
        violations = parse_violations(detail)
        n = len(violations)
        listed = "; ".join(str(v) for v in violations) or "no reason given"
        label = "422 Unprocessable Entity" if status == 422 else "400 Bad Request"
        return ServerError(
            f"Kestra refused {what} ({label}, {n} problem{'s' if n != 1 else ''}): {listed}",
            status=status,
            violations=violations,
            reason="invalid",
        )
    return ServerError(
        f"Kestra at {url}: {what} failed ({status}){said}", status=status, reason="server"
    )


def violation_line(flow_source: str, path: str | None) -> int | None:
    """The 1-based line of `path` (`tasks[1].type`) in a flow's YAML, or of its nearest parent.

    Independent of the flow model: composes the YAML node tree (no tags constructed).
    """
    if not path:
        return None
    import yaml

    from ..limits import LimitExceeded
    from ..safeyaml import BoundedSafeLoader

    try:
        node: Any = yaml.compose(flow_source, Loader=BoundedSafeLoader)
    except (yaml.YAMLError, LimitExceeded):
        return None
    if node is None:
        return None
    line: int | None = node.start_mark.line + 1
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if step.startswith("["):
            i = int(step[1:-1])
            if not isinstance(node, yaml.SequenceNode) or i >= len(node.value):
                break
            node = node.value[i]
            line = node.start_mark.line + 1
        else:
            if not isinstance(node, yaml.MappingNode):
                break
            found = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == step:
                    found = (key, value)
                    break
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
    return line
