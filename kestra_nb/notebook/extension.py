"""`%load_ext kestra_nb`: one `KernelSession` per kernel, holding the store, masker and hooks.

`load(ip)` builds the `SecretStore` from `SECRET_*` environment variables and the first file
of `KestraMagics.env_files` found from the working directory (the notebook's directory in
Jupyter) upward, builds the `Masker` with every value and subscribes it to the store, installs
output masking, registers the magics and the completer. `unload(ip)` undoes all of it.

Loading is kept cheap (well under 100 ms in a warm kernel): the expression engine, the flow
model and ipywidgets are imported only when a magic first needs them.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..secrets import SecretDecodeWarning

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

    from ..masking import Masker
    from ..secrets import SecretStore
    from .hooks import OutputMasking
    from .magics import KestraMagics

ENV_PREFIX = "ENV_"
SECRET_PREFIX = "SECRET_"

PLAIN_ENV_HINT = (
    "  note: only SECRET_<NAME>=<base64> and ENV_<NAME> entries are used, as in Kestra; "
    "`kestra-nb encode {path} -o .env_encoded` converts plain KEY=value lines"
)

_SESSION: KernelSession | None = None


@dataclass
class EnvFileLoad:
    """What loading one dotenv file did: counts and problems (never a value)."""

    path: Path
    secrets: int = 0
    envs: int = 0
    problems: list[str] = field(default_factory=list)
    ignored: int = 0  # entries neither SECRET_* nor ENV_* (a plain, unconverted .env)

    def summary(self) -> str:
        """One line: `<path> (3 secrets, 1 env)`, plus the number of invalid entries."""
        counts = [_count(self.secrets, "secret"), _count(self.envs, "env")]
        if self.problems:
            counts.append(_count(len(self.problems), "invalid entry", "invalid entries"))
        if self.ignored:
            counts.append(_count(self.ignored, "other entry", "other entries") + " ignored")
        return f"{self.path} ({', '.join(counts)})"

    def lines(self) -> list[str]:
        """The summary, each invalid entry (key and reason), and a hint for a plain .env."""
        lines = [self.summary(), *(f"  invalid: {p}" for p in self.problems)]
        if self.ignored and not self.secrets:
            lines.append(PLAIN_ENV_HINT.format(path=self.path.name))
        return lines


@dataclass
class KernelSession:
    """Everything `%load_ext kestra_nb` set up in one kernel (see the architecture doc)."""

    shell: Any
    store: SecretStore
    masker: Masker
    environ: dict[str, str]
    magics: KestraMagics
    masking: OutputMasking | None = None
    env_files: list[Path] = field(default_factory=list)
    _teardown: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def load_env_file(
        self,
        path: str | os.PathLike[str],
        *,
        store: SecretStore | None = None,
        environ: dict[str, str] | None = None,
    ) -> EnvFileLoad:
        """Load a dotenv file: `SECRET_*` entries into `store`, `ENV_*` ones into `environ`.

        Defaults to the session's own store and environ (and records the path in `env_files`);
        `%%kestra_flow --env` passes per-cell copies instead.
        """
        target_store = self.store if store is None else store
        target_environ = self.environ if environ is None else environ
        resolved = Path(path).expanduser().resolve()
        if resolved.is_dir():
            raise IsADirectoryError(21, "is a directory, not a dotenv file", str(resolved))
        if not resolved.is_file():
            raise FileNotFoundError(2, "no such file", str(resolved))
        with warnings.catch_warnings():  # problems are reported from the LoadReport instead
            warnings.simplefilter("ignore", SecretDecodeWarning)
            report = target_store.load_dotenv(resolved)
        envs = {k: v for k, v in report.environ.items() if k.startswith(ENV_PREFIX)}
        clashes = merge_envs(target_environ, envs)
        result = EnvFileLoad(resolved, len(report.secret_names), len(envs) - len(clashes))
        result.ignored = len(report.environ) - len(envs)
        result.problems = _dedupe(
            [*(_where_stripped(p, resolved) for p in report.problems), *clashes]
        )
        if store is None and resolved not in self.env_files:
            self.env_files.append(resolved)
        return result


def masker_subscriber(masker: Masker) -> Callable[[str, str], None]:
    """A store subscriber that registers each value with `masker`; a value too short to mask
    is said in one `kestra_nb:` line on stderr (naming the key, never the value) instead of
    a warning pointing into this module's source."""

    from ..masking import MaskingWarning

    def register(name: str, value: str) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MaskingWarning)
            masker.add(value, name)
        for warning in caught:
            print(f"kestra_nb: {warning.message}", file=sys.stderr)

    return register


def merge_envs(environ: dict[str, str], entries: Mapping[str, str]) -> list[str]:
    """Add the `ENV_*` entries of `entries` to `environ`; return a problem line for each one
    whose `envs` name collides with another spelling (Kestra would not start): it is left
    out, so `envs` stays usable in every later cell."""
    problems: list[str] = []
    taken = {k.lower(): k for k in environ}
    for key, value in entries.items():
        if not key.startswith(ENV_PREFIX):
            continue
        other = taken.get(key.lower())
        if other is not None and other != key:
            problems.append(
                f"{key}: collides with {other} once lower-cased (envs.{key[4:].lower()}); "
                "Kestra would not start; not loaded"
            )
            continue
        environ[key] = value
        taken[key.lower()] = key
    return problems


def current() -> KernelSession | None:
    """The session of the loaded extension, or None when `%load_ext kestra_nb` has not run."""
    return _SESSION


def load(ip: InteractiveShell) -> KernelSession:
    """Set up the store, masker, output masking, magics and completion. Idempotent."""
    global _SESSION
    if _SESSION is not None:
        if _SESSION.shell is ip:
            return _SESSION
        unload(_SESSION.shell)

    from ..dotenv_codec import find_env_files
    from ..errors import KestraNbError
    from ..masking import Masker
    from ..secrets import SecretStore
    from .magics import KestraMagics

    magics = KestraMagics(shell=ip)
    env_problems: list[str] = []
    with warnings.catch_warnings():  # problems are printed from `store.problems` instead
        warnings.simplefilter("ignore", SecretDecodeWarning)
        try:
            store = SecretStore.from_environ(os.environ)
            env_problems = [str(p) for p in store.problems]
        except KestraNbError as exc:  # names colliding once upper-cased
            store = SecretStore()
            env_problems = [f"SECRET_* environment variables not loaded: {exc}"]
    from_environ = len(store)
    masker = Masker()  # filled, with names, by the subscription below (it replays)
    environ: dict[str, str] = {}
    env_problems += merge_envs(environ, dict(os.environ))
    session = KernelSession(ip, store, masker, environ, magics)
    unsubscribe = store.subscribe(masker_subscriber(masker))
    if callable(unsubscribe):
        session._teardown.append(unsubscribe)
    magics.session = session
    _SESSION = session
    env_count = len(environ)
    try:
        _install(session)
        found = next(iter(find_env_files(names=magics.env_files)), None)
        loaded = None
        if found is not None:
            try:
                loaded = session.load_env_file(found)
            except (KestraNbError, OSError) as exc:
                env_problems.append(f"{found}: not loaded: {_one_line(exc)}")
    except BaseException:
        unload(ip)
        raise
    _announce(session, from_environ, env_count, env_problems, loaded)
    return session


def _install(session: KernelSession) -> None:
    """Output masking (it releases held-back text itself on `post_run_cell`), the magics
    and the completer."""
    from .completer import install_completer
    from .hooks import install_output_masking

    ip = session.shell
    session.masking = install_output_masking(ip, session.masker)
    session._teardown.append(session.masking.uninstall)
    if not session.magics.mask:
        session.magics.apply_mask_setting(False)

    ip.register_magics(session.magics)
    session._teardown.append(lambda: _unregister_magics(ip, session.magics))

    session._teardown.append(install_completer(ip, current))


def _announce(
    session: KernelSession,
    from_environ: int,
    env_count: int,
    env_problems: list[str],
    loaded: EnvFileLoad | None,
) -> None:
    """Print one short line on what was loaded; then each invalid entry (key and reason)."""
    parts = [f"{_count(from_environ, 'secret')} from SECRET_* environment variables"]
    if env_count:
        parts.append(f"{_count(env_count, 'env')} from ENV_* environment variables")
    if loaded is not None:
        parts.insert(0, f"loaded {loaded.summary()}")
    else:
        names = " or ".join(session.magics.env_files) or "no env file configured"
        parts.insert(0, f"no {names} found from {Path.cwd()} upward")
    masking = "on" if session.magics.mask else "OFF"
    print(f"kestra_nb: {'; '.join(parts)}; output masking {masking}")
    for problem in _dedupe(env_problems):
        print(f"  invalid: {problem}")
    if loaded is not None:
        for line in loaded.lines()[1:]:
            print(line)


def unload(ip: InteractiveShell) -> None:
    """Remove hooks, callbacks, completer and magics; forget the session."""
    global _SESSION
    session = _SESSION
    if session is None or session.shell is not ip:
        return
    _SESSION = None
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


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _where_stripped(problem: Any, path: Path) -> str:
    """`line 3: KEY: reason` for a file's problem (the path is already on the summary line)."""
    text = str(problem)
    prefix = f"{path}:"
    if text.startswith(prefix):
        text = text[len(prefix) :]
        line = getattr(problem, "line", None)
        return f"line {text}" if line is not None else text.lstrip()
    return text
