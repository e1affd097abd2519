"""`%load_ext kestra_nb`: builds the kernel's session, installs its hooks; and takes them down.

`load(ip)` builds the `SecretStore` from `SECRET_*` environment variables and the first file
of `KestraMagics.env_files` found from the working directory (the notebook's directory in
Jupyter) upward, builds the `Masker` with every value and subscribes it to the store, installs
output masking, registers the magics and the completer, and makes the result the current
`KernelSession` (`kestra_nb.notebook.session`). `unload(ip)` undoes all of it.

Loading is kept cheap (well under 100 ms in a warm kernel): the expression engine, the flow
model and ipywidgets are imported only when a magic first needs them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dotenv_codec import find_env_files
from ..errors import KestraNbError
from ..masking import Masker
from ..secrets import SecretStore
from ..text import one_line, plural
from .connection import set_current as set_connection
from .session import (
    EnvFileLoad,
    KernelSession,
    current,
    masker_subscriber,
    merge_envs,
    set_current,
)

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["load", "unload"]


def load(ip: InteractiveShell, *, auto: bool = False) -> KernelSession:
    """Set up the store, masker, output masking, magics and completion. Idempotent.

    What was loaded is said once per kernel, in one short paragraph: right away, or, when the
    kernel loads the extension at start-up (`auto`, before any cell), in the first cell's
    output. Loading again (`%load_ext kestra_nb` after auto-load) says what is loaded.
    """
    loaded_session = current()
    if loaded_session is not None:
        if loaded_session.shell is ip:
            _say_again(loaded_session)
            return loaded_session
        unload(loaded_session.shell)

    from .magics import KestraMagics  # lazy: IPython's magic machinery, traitlets

    magics = KestraMagics(shell=ip)
    env_problems: list[str] = []
    try:  # problems are printed from `store.problems`
        store = SecretStore.from_environ(os.environ, warn=False)
        env_problems = [str(p) for p in store.problems]
    except KestraNbError as exc:  # names colliding once upper-cased
        store = SecretStore()
        env_problems = [f"SECRET_* environment variables not loaded: {exc}"]
    from_environ = len(store)
    masker = Masker()  # filled, with names, by the subscription below (it replays)
    environ: dict[str, str] = {}
    env_problems += merge_envs(environ, dict(os.environ))
    session = KernelSession(ip, store, masker, environ, magics)
    env_count = len(environ)
    # Every value of the environment and of the env file, then one masker build on this
    # (the shell) thread when the batch ends: never one per secret, never on IOPub.
    with masker.batch():
        unsubscribe = store.subscribe(masker_subscriber(masker))
        if callable(unsubscribe):
            session._teardown.append(unsubscribe)
        magics.session = session
        set_current(session)
        try:
            _install(session)
            found = next(iter(find_env_files(names=magics.env_files)), None)
            loaded = None
            if found is not None:
                try:
                    loaded = session.load_env_file(found)
                except (KestraNbError, OSError) as exc:
                    env_problems.append(f"{found}: not loaded: {one_line(exc)}")
        except BaseException:
            unload(ip)
            raise
    session.auto = auto
    session.announcement = _announcement(session, from_environ, env_count, env_problems, loaded)
    if auto and not _in_cell():
        _announce_in_first_cell(session)
    else:
        _print_announcement(session)
    return session


def _in_cell() -> bool:
    """Whether a cell is running: ipykernel's stdout has a parent message then (at kernel
    start-up it has none, and what is printed reaches no notebook)."""
    header = getattr(sys.stdout, "parent_header", None)
    return header is None or bool(header)


def _print_announcement(session: KernelSession) -> None:
    lines, session.announcement = session.announcement, []
    for line in lines:
        print(line)


def _say_again(session: KernelSession) -> None:
    """`%load_ext kestra_nb` once loaded: the pending announcement, else the status."""
    if session.announcement:
        _print_announcement(session)
    else:
        print(session.status_lines()[0])


def _announce_in_first_cell(session: KernelSession) -> None:
    """Print the announcement before the first cell runs (unless that cell loads the
    extension itself, which prints it), then stop listening."""
    ip = session.shell

    def first_cell(info: Any) -> None:
        unregister()
        if "load_ext kestra_nb" not in (getattr(info, "raw_cell", "") or ""):
            _print_announcement(session)

    def unregister() -> None:
        with contextlib.suppress(ValueError):
            ip.events.unregister("pre_run_cell", first_cell)

    ip.events.register("pre_run_cell", first_cell)
    session._teardown.append(unregister)


def _install(session: KernelSession) -> None:
    """Output masking (it releases held-back text itself on `post_run_cell`), the magics
    and the completer."""
    from .completer import install_completer  # lazy: IPython's completer machinery
    from .hooks import install_output_masking  # lazy: ipykernel's streams

    ip = session.shell
    session.masking = install_output_masking(ip, session.masker)
    session._teardown.append(session.masking.uninstall)
    if not session.magics.mask:
        session.magics.apply_mask_setting(False)

    ip.register_magics(session.magics)
    session._teardown.append(lambda: _unregister_magics(ip, session.magics))
    from .server_magics import KestraServerMagics  # lazy: no HTTP client until first used

    server_magics = KestraServerMagics(shell=ip)
    ip.register_magics(server_magics)
    session._teardown.append(lambda: _unregister_magics(ip, server_magics))
    session._teardown.append(_forget_connection)

    session._teardown.append(install_completer(ip, current))


def _announcement(
    session: KernelSession,
    from_environ: int,
    env_count: int,
    env_problems: list[str],
    loaded: EnvFileLoad | None,
) -> list[str]:
    """One short line on what was loaded; then each invalid entry (key and reason)."""
    parts = [f"{plural(from_environ, 'secret')} from SECRET_* environment variables"]
    if env_count:
        parts.append(f"{plural(env_count, 'env')} from ENV_* environment variables")
    if loaded is not None:
        parts.insert(0, f"loaded {loaded.summary()}")
    else:
        names = " or ".join(session.magics.env_files) or "no env file configured"
        parts.insert(0, f"no {names} found from {Path.cwd()} upward")
    masking = "on" if session.magics.mask else "OFF"
    how = " (auto-loaded)" if session.auto else ""
    lines = [f"kestra_nb{how}: {'; '.join(parts)}; output masking {masking}"]
    lines += [f"  invalid: {problem}" for problem in _dedupe(env_problems)]
    if loaded is not None:
        lines += loaded.lines()[1:]
    return lines


def unload(ip: InteractiveShell) -> None:
    """Remove hooks, callbacks, completer and magics; forget the session."""
    session = current()
    if session is None or session.shell is not ip:
        return
    set_current(None)
    errors: list[BaseException] = []
    for undo in reversed(session._teardown):
        try:
            undo()
        except Exception as exc:  # keep undoing the rest
            errors.append(exc)
    session._teardown.clear()
    session.magics.session = None
    if errors:
        raise errors[0]


def _unregister_magics(ip: Any, magics: Any) -> None:
    """Take our magics out of the magics manager and our configurable out of the shell."""
    manager = ip.magics_manager
    for kind, names in magics.magics.items():
        table = manager.magics.get(kind, {})
        for name, func in list(names.items()):
            if getattr(table.get(name), "__self__", None) is magics or table.get(name) is func:
                table.pop(name, None)
    if manager.registry.get(type(magics).__name__) is magics:
        manager.registry.pop(type(magics).__name__, None)
    if magics in ip.configurables:
        ip.configurables.remove(magics)


def _forget_connection() -> None:
    set_connection(None)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
