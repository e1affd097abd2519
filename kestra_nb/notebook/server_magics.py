"""`%kestra_server` and `deploy_and_run`: deploy and run the notebook's flows on Kestra.

`%kestra_server URL [--tenant main] [--user U] [--password-secret NAME | --token-secret NAME]`
connects (the password or token comes from the session's secret store, or from
`KESTRA_PASSWORD` / `KESTRA_API_TOKEN`: never typed into a cell, where it would be saved);
`%kestra_server` alone shows the connection, never a credential. `deploy_and_run` is what
`%%kestra_flow --deploy/--run` calls: validate, deploy, run, follow the logs live (masked) with
a task-run table updated in place, and on an interrupt ask the server to kill the execution.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import FlowError, KestraNbError
from .connection import Connection, current, set_current
from .magic_help import answer_help
from .session import current as current_session

if TYPE_CHECKING:  # pragma: no cover
    from ..masking import Masker
    from ..server.models import Execution, LogLine


def _session() -> Any:
    return current_session()


@magics_class
class KestraServerMagics(Magics):
    """`%kestra_server`: the Kestra server this kernel deploys to and runs on."""

    @no_var_expand
    @magic_arguments()
    @argument("url", nargs="?", help="Kestra's URL, e.g. http://localhost:8080")
    @argument("--tenant", default="main", help="tenant id (open-source Kestra: main)")
    @argument("--user", help="user for basic auth (default: $KESTRA_USER)")
    @argument("--password-secret", metavar="NAME", help="secret holding the password")
    @argument("--token-secret", metavar="NAME", help="secret holding an API token")
    @argument("--timeout", type=float, default=30.0, help="request timeout in seconds")
    @argument("--disconnect", action="store_true", help="forget the current connection")
    @line_magic
    def kestra_server(self, line: str = "") -> None:
        """Connect to a Kestra server, or show the connection (never a credential)."""
        if answer_help(self.kestra_server, line):
            return
        args = parse_argstring(self.kestra_server, line)
        if args.disconnect:
            set_current(None)
            print("Kestra: disconnected")
            return
        url = args.url
        if not url:
            conn = current()
            url = None if conn else _default_url(self.shell)
            if url is None:
                print(
                    conn.describe()
                    if conn
                    else "no Kestra server: %kestra_server URL, KESTRA_URL or "
                    "%config KestraMagics.server to connect"
                )
                return
        try:
            conn = connect(
                url,
                tenant=args.tenant,
                user=args.user,
                password_secret=args.password_secret,
                token_secret=args.token_secret,
                timeout=args.timeout,
            )
        except KestraNbError as exc:
            raise UsageError(str(exc)) from None
        print(conn.describe())


def _default_url(shell: Any) -> str | None:
    """The server to connect to when `%kestra_server` names none: `%config
    KestraMagics.server`, else `KESTRA_URL`."""
    session = _session()
    configured = getattr(getattr(session, "magics", None), "server", "") if session else ""
    return configured or os.environ.get("KESTRA_URL") or None


def connect(
    url: str,
    *,
    tenant: str = "main",
    user: str | None = None,
    password_secret: str | None = None,
    token_secret: str | None = None,
    timeout: float = 30.0,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Connect (asking the server its version, which checks the credentials) and make the
    connection current. Credentials come from the session's store or the environment."""
    from ..server.client import KestraClient
    from ..server.credentials import credentials_from

    session = _session()
    store = session.store if session is not None else None
    creds = credentials_from(
        os.environ if environ is None else environ,
        store,
        password_secret=password_secret,
        token_secret=token_secret,
    )
    if session is not None:  # a credential that reaches an output is masked there too
        for value in creds.secrets():
            session.masker.register(value, "KESTRA_CREDENTIAL")
    client = KestraClient(
        url,
        tenant=tenant,
        user=user or creds.user,
        password=creds.password,
        token=creds.token,
        timeout=timeout,
    )
    try:
        version = client.version()
    except Exception:
        client.close()
        raise
    connection = Connection(client, version, creds.source)
    set_current(connection)
    return connection


# -- deploy and run ----------------------------------------------------------------------


def _task_table(execution: Execution, mask: Callable[[str], str]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(mask(run.task_id))}</td><td>{html.escape(run.state)}</td></tr>"
        for run in execution.task_runs
    )
    head = (
        f"<b>{html.escape(mask(execution.namespace))}.{html.escape(mask(execution.flow_id))}"
        f"</b> execution <code>{html.escape(execution.id)}</code>: "
        f"<b>{html.escape(execution.state)}</b>"
    )
    return f"<div>{head}<table><tr><th>task</th><th>state</th></tr>{rows}</table></div>"


def _outputs_table(outputs: Mapping[str, Any], mask: Callable[[str], str]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(mask(str(k)))}</td><td><code>"
        f"{html.escape(mask(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)))}"
        "</code></td></tr>"
        for k, v in outputs.items()
    )
    return f"<table><tr><th>output</th><th>value</th></tr>{rows}</table>"


def deploy_and_run(
    flow_source: str,
    *,
    connection: Connection | None = None,
    deploy: bool = True,
    run: bool = False,
    inputs: Mapping[str, str] | None = None,
    files: Mapping[str, str | Path] | None = None,
    wait: bool = True,
    masker: Masker | None = None,
    out: Callable[[str], None] | None = None,
    force: bool = False,
    max_wait: float = 3600.0,
    first_line: int = 1,
) -> Execution | None:
    """Validate (locally, then on the server), deploy, run and follow a flow.

    Local structural errors raise `FlowError`, server violations `ServerError` (422, with
    `.violations`), unless `force`. Log lines go to `out` (default: print) through `masker`
    (default: the session's); the task-run table is one display updated in place. An
    interrupt (the kernel's stop button) asks the server to kill the execution, and the
    killed execution is returned. Returns the final execution, the started one with
    `wait=False`, or None when not running. `first_line`: the editor's number of the
    source's first line (2 for a `%%kestra_flow` cell), so that lines read as the editor's.
    """
    from IPython.display import HTML, display

    from ..server.client import flow_identity
    from ..server.errors import ServerError, violation_line
    from ..server.follow import follow_run, kill_and_wait

    conn = connection or current()
    if conn is None:
        raise KestraNbError("no Kestra server: connect with %kestra_server URL first")
    client = conn.client
    if masker is None:
        session = _session()
        masker = session.masker if session is not None else None
    mask: Callable[[str], str] = masker.mask if masker is not None else (lambda s: s)
    emit = out or (lambda text: print(text, flush=True))

    def say(text: str) -> None:
        emit(mask(text))

    namespace, flow_id = flow_identity(flow_source)
    if deploy:
        _check_locally(flow_source, force, say, first_line)
        violations = client.validate(flow_source)
        for v in violations:
            line = violation_line(flow_source, v.path)
            line = line + first_line - 1 if line else line
            say(f"Kestra: line {line}: {v}" if line else f"Kestra: {v}")
        if violations and not force:
            n = len(violations)
            raise ServerError(
                f"Kestra refused {namespace}.{flow_id} ({n} problem{'s' if n != 1 else ''}): "
                + "; ".join(str(v) for v in violations),
                status=422,
                violations=violations,
                reason="invalid",
            )
        deployed = client.deploy(flow_source)
        what = "created" if deployed.created else "updated" if deployed.changed else "unchanged"
        say(f"deployed {namespace}.{flow_id} revision {deployed.revision} ({what})")
        display(
            HTML(
                f'<a href="{html.escape(deployed.url_in_ui)}" target="_blank">'
                f"{html.escape(mask(namespace))}.{html.escape(mask(flow_id))} in Kestra</a>"
            )
        )
    if not run:
        return None
    execution = client.create_execution(namespace, flow_id, inputs or {}, files or {})
    say(f"execution {execution.id} started: {execution.url or ''}".rstrip())
    if not wait:
        return execution
    table = display(HTML(_task_table(execution, mask)), display_id=True)

    def on_update(ex: Execution) -> None:
        if table is not None:
            table.update(HTML(_task_table(ex, mask)))

    def on_log(line: LogLine) -> None:
        task = f" {line.task_id}" if line.task_id else ""
        say(f"{line.level:<5}{task}: {line.message}")

    try:
        final = follow_run(
            client, execution.id, on_log=on_log, on_update=on_update, deadline=max_wait
        )
    except KeyboardInterrupt:
        say(f"interrupted: asking Kestra to kill execution {execution.id}")
        final = kill_and_wait(client, execution.id)
        on_update(final)
        say(f"{namespace}.{flow_id}: {final.state}")
        return final
    on_update(final)
    say(f"{namespace}.{flow_id}: {final.state}")
    outputs = dict(final.outputs) or {
        f"{task}.{key}": value
        for task, values in final.task_outputs().items()
        for key, value in values.items()
    }
    if outputs:
        display(HTML(_outputs_table(outputs, mask)))
    return final


def _check_locally(
    source: str, force: bool, say: Callable[[str], None], first_line: int = 1
) -> None:
    from ..flow import KestraFlow
    from ..secrets import SecretStore

    try:
        KestraFlow.from_yaml(source, secrets=SecretStore(), environ={}, first_line=first_line)
    except FlowError as exc:
        if not force:
            raise
        for problem in exc.problems:
            say(f"local: {problem} (deploying anyway: force)")


__all__ = ["KestraServerMagics", "connect", "deploy_and_run"]
