"""The kernel's session: what `%load_ext kestra_nb` set up, and the one place that holds it.

A leaf of the notebook layer (as jupysql keeps its current connection in a module of its
own): the magics, the panel and the completer import `current()` from here, and only
`extension.py` sets it. It imports no other notebook module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import check_regular
from ..kestra import ENV_PREFIX, envs_map
from ..text import plural

if TYPE_CHECKING:  # pragma: no cover
    from ..flow.model import KestraFlow
    from ..masking import Masker
    from ..secrets import SecretStore

__all__ = [
    "EnvFileLoad",
    "KernelSession",
    "current",
    "masker_subscriber",
    "merge_envs",
    "set_current",
]

PLAIN_ENV_HINT = (
    "  note: only SECRET_<NAME>=<base64> and ENV_<NAME> entries are used, as in Kestra; "
    "`kestra-nb encode {path} -o .env_encoded` converts plain KEY=value lines"
)

_SESSION: KernelSession | None = None


def current() -> KernelSession | None:
    """The session of the loaded extension, or None when `%load_ext kestra_nb` has not run."""
    return _SESSION


def set_current(session: KernelSession | None) -> None:
    """Make `session` the current one (`extension.load` / `unload` only)."""
    global _SESSION
    _SESSION = session


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
        counts = [plural(self.secrets, "secret"), plural(self.envs, "env")]
        if self.problems:
            counts.append(plural(len(self.problems), "invalid entry", "invalid entries"))
        if self.ignored:
            counts.append(plural(self.ignored, "other entry", "other entries") + " ignored")
        return f"{self.path} ({', '.join(counts)})"

    def lines(self) -> list[str]:
        """The summary, each invalid entry (key and reason), and a hint for a plain .env."""
        lines = [self.summary(), *(f"  invalid: {p}" for p in self.problems)]
        if self.ignored and not self.secrets:
            lines.append(PLAIN_ENV_HINT.format(path=self.path.name))
        return lines


@dataclass
class KernelSession:
    """Everything `%load_ext kestra_nb` set up in one kernel (see the architecture doc).

    `magics` and `masking` are the notebook layer's objects (typed loosely here so that this
    leaf imports none of them).
    """

    shell: Any
    store: SecretStore
    masker: Masker
    environ: dict[str, str]
    magics: Any
    masking: Any = None
    env_files: list[Path] = field(default_factory=list)
    auto: bool = False  # loaded by the kernel at start-up (`kestra-nb autoload on`)
    announcement: list[str] = field(default_factory=list, repr=False)  # not yet printed
    _teardown: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def flow(
        self, text: str, inputs: Mapping[str, Any] | None = None, **options: Any
    ) -> KestraFlow:
        """`KestraFlow.from_yaml(text, ...)` with this kernel's secrets and envs, as
        `%%kestra_flow` evaluates a cell (the core never looks for a session by itself);
        every value it uses is handed to the output masker."""
        from ..flow.model import KestraFlow  # lazy: the flow model loads the engine

        flow = KestraFlow.from_yaml(
            text, secrets=self.store, inputs=inputs, environ=self.environ, **options
        )
        flow.register_secrets(self.masker)  # one build, on this (the shell) thread
        return flow

    def status_lines(self) -> list[str]:
        """What is loaded now, in a few lines: how, from which files, how many secrets and
        envs, whether output masking is on. Names and counts only, never a value."""
        how = "auto-loaded at kernel start" if self.auto else "loaded with %load_ext"
        sources: dict[str, int] = {}
        for name in self.store.names():
            source = self.store.source_of(name)
            sources[source] = sources.get(source, 0) + 1
        where = ", ".join(f"{plural(n, 'secret')} from {src}" for src, n in sources.items())
        masking = "on" if self.masking is None or self.masking.enabled else "OFF"
        lines = [
            f"kestra_nb is {how}: {plural(len(self.store), 'secret')}, "
            f"{plural(len(self.environ), 'env')}; output masking {masking}"
        ]
        files = ", ".join(str(p) for p in self.env_files) or "none"
        lines.append(f"  env files: {files}")
        if where:
            lines.append(f"  secrets: {where}")
        return lines

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
        if not resolved.exists():
            raise FileNotFoundError(2, "no such file", str(resolved))
        check_regular(resolved)  # a FIFO, device or socket: said what it is, never read
        # One masker build for the whole file, on this thread (the shell's), when it ends.
        with self.masker.batch():
            report = target_store.load_dotenv(resolved, warn=False)  # problems: on the report
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
    """A store subscriber that registers each value with `masker` and has it built at once,
    on the thread that added the value (the shell's; inside a `Masker.batch`, at the batch's
    end); a value too short to mask is said in one `kestra_nb:` line on stderr (naming the
    key, never the value)."""

    def register(name: str, value: str) -> None:
        note = masker.register(value, name)
        masker.prepare()
        if note is not None:
            print(f"kestra_nb: {note}", file=sys.stderr)

    return register


def merge_envs(environ: dict[str, str], entries: Mapping[str, str]) -> list[str]:
    """Add the `ENV_*` entries of `entries` to `environ` (Kestra's `envs` rule,
    `kestra_nb.kestra.envs_map`); return a problem line for each one whose `envs` name
    collides with another spelling: it is left out, so `envs` stays usable in later cells."""
    taken = {k[len(ENV_PREFIX) :].lower(): k for k in environ if k.startswith(ENV_PREFIX)}
    kept, clashes = envs_map(entries, taken=taken)
    environ.update(kept)
    return [str(c) for c in clashes]


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
