"""The secret store: open-source Kestra's `SecretService`, fed from the environment and .env files.

Kestra reads every `SECRET_`-prefixed environment variable once (case-sensitive prefix),
strips line breaks, base64-decodes the value (strict standard alphabet), upper-cases the
name, drops and logs what fails to decode, and refuses to start when two names collide once
upper-cased. `secret(key)` upper-cases the key and fails with `Cannot find secret for key
'<key>'.` The store does the same, and adds what a notebook needs: loading dotenv files
(with their `{{ }}` macros evaluated), adding and removing secrets by hand, knowing where
each came from, and telling subscribers (the output masker) about every value it learns.

Names are identified by their upper-cased form, as Kestra looks them up: adding `api_key`
when `API_KEY` exists replaces that secret (same name, new value and source). Two spellings
of one name inside a single source (one mapping or one file) are an error, as in Kestra.

No value ever appears in a repr, a message or a warning.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .dotenv_codec import (
    DecodeResult,
    decode_dotenv,
    decode_environ,
    key_problem,
    read_dotenv_text,
    showable_key,
)
from .errors import DotenvError, SecretNotFound, SecretStoreError
from .kestra import REDACTED_ENV_NAMES, envs_from

__all__ = [
    "REDACTED_ENV_NAMES",
    "LoadReport",
    "SecretDecodeWarning",
    "SecretStore",
    "envs_from",
    "render_macro",
]

Subscriber = Callable[[str, str], object]


class SecretDecodeWarning(UserWarning):
    """A `SECRET_*` entry was dropped (not base64, bad macro, ...). Names key and reason only."""


@dataclass
class LoadReport:
    """What `SecretStore.load_dotenv` took from one file.

    `secret_names`: the (upper-cased) secrets added or replaced; `env_names`: the `envs`
    names the file's `ENV_*` entries give; `environ`: every non-`SECRET_` entry, raw (for the
    `envs` map; hidden from the repr since a plain `.env` may hold secrets); `problems`:
    entries dropped (no values); `notes`: the rest worth knowing.
    """

    path: str
    secret_names: list[str] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    environ: dict[str, str] = field(default_factory=dict, repr=False)
    problems: list[DotenvError] = field(default_factory=list)
    notes: list[DotenvError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file had no problem: every `SECRET_*` entry loaded, no `envs`
        clash, no unparseable line."""
        return not self.problems


def render_macro(template: str) -> str:
    """Evaluate a dotenv `{{ ... }}` macro with the Kestra expression engine."""
    from .pebble import Renderer  # lazy: keeps `%load_ext` fast (the engine loads Jinja2)

    return Renderer().render(template)


class SecretStore:
    """Secrets by name, resolved as open-source Kestra resolves `secret(key)`."""

    def __init__(self, plain: Mapping[str, str] | None = None, *, source: str = "session") -> None:
        """A store holding `plain` (name -> plaintext value), each entry tagged `source`."""
        self._values: dict[str, str] = {}
        self._sources: dict[str, str] = {}
        self._subscribers: list[Subscriber] = []
        self.problems: list[DotenvError] = []
        if plain:
            self._check_spellings(plain.keys(), source)
            for key, value in plain.items():
                self.add(key, value, source=source)

    # -- construction ----------------------------------------------------------------

    @classmethod
    def from_environ(
        cls, mapping: Mapping[str, str], *, source: str = "environment", warn: bool = True
    ) -> SecretStore:
        """A store from env-style entries: `SECRET_*` only, decoded as Kestra decodes them.

        Entries that fail to decode are dropped and listed on `problems` (the data), and,
        unless `warn=False`, also warned about (`SecretDecodeWarning`) for a Python caller who
        does not read `problems`; names colliding once upper-cased raise `SecretStoreError`.
        """
        store = cls()
        result = decode_environ(mapping, path=None)
        store._absorb(result, source, 3 if warn else None)
        return store

    @classmethod
    def from_env(cls, *, warn: bool = True) -> SecretStore:
        """A store from `os.environ`, as Kestra builds its own at start-up."""
        return cls.from_environ(dict(os.environ), warn=warn)

    @classmethod
    def from_dotenv(cls, path: str | os.PathLike[str], *, warn: bool = True) -> SecretStore:
        """A store from one dotenv file (see `load_dotenv`)."""
        store = cls()
        store._load_dotenv(path, 4 if warn else None)
        return store

    def load_dotenv(self, path: str | os.PathLike[str], *, warn: bool = True) -> LoadReport:
        """Add a dotenv file's `SECRET_*` entries (decoded as Kestra does) to this store.

        The file is parsed as python-dotenv parses it; a value holding a `{{ }}` macro
        (`SECRET_X={{ "password" | base64encode }}`) is evaluated first. Entries that fail are
        dropped and listed on the report's `problems` (and, unless `warn=False`, warned
        about). A file that cannot be read raises `DotenvError`; two spellings of one name in
        the file raise `SecretStoreError` and add nothing. Existing secrets of the same name
        are replaced (source: the file's path).
        """
        return self._load_dotenv(path, 4 if warn else None)

    def _load_dotenv(self, path: str | os.PathLike[str], stacklevel: int | None) -> LoadReport:
        name = os.fspath(path)
        text = read_dotenv_text(path)
        result = decode_dotenv(text, path=name, render=render_macro)
        try:
            env_names = list(envs_from(result.environ))
        except SecretStoreError as exc:  # an `envs` clash must not block the secrets
            env_names = []
            result.problems.append(DotenvError(str(exc), path=name))
        added = self._absorb(result, name, stacklevel)
        return LoadReport(
            path=name,
            secret_names=added,
            env_names=env_names,
            environ=dict(result.environ),
            problems=list(result.problems),
            notes=list(result.notes),
        )

    def _absorb(self, result: DecodeResult, source: str, stacklevel: int | None) -> list[str]:
        """Take a decode result in; each problem goes on `problems`, and is warned about at
        `stacklevel` (the public caller's frame) unless that is None."""
        if result.collisions:
            more = len(result.collisions) - 1
            raise SecretStoreError(
                f"{result.collisions[0]}" + (f" (and {more} more)" if more else "")
            )
        for problem in result.problems:
            self.problems.append(problem)
            if stacklevel is not None:
                warnings.warn(str(problem), SecretDecodeWarning, stacklevel=stacklevel)
        for name in sorted(result.secrets):
            self._put(name, result.secrets[name], source)
        return sorted(result.secrets)

    @staticmethod
    def _check_spellings(keys: Iterable[str], source: str) -> None:
        seen: dict[str, str] = {}
        for key in keys:
            upper = str(key).upper()
            if upper in seen and seen[upper] != key:
                raise SecretStoreError(
                    f"{source}: '{key}' and '{seen[upper]}' are the same secret once "
                    "upper-cased (Kestra would refuse to start)"
                )
            seen[upper] = key

    # -- changing ----------------------------------------------------------------------

    def add(self, key: str, value: str, *, source: str = "session") -> None:
        """Add or replace the secret `key` (stored upper-cased) and tell the subscribers.

        The name must be usable in an env file as `SECRET_<key>` (letters, digits, `_`, and
        `.`, `-`, `:`), else `SecretStoreError`. `api_key` replaces an existing `API_KEY`:
        Kestra sees one name, whatever its spelling.
        """
        if not isinstance(key, str):
            raise SecretStoreError(f"secret names are strings, not {type(key).__name__}")
        reason = key_problem(key)
        if reason is not None:
            shown = showable_key(key)
            raise SecretStoreError(f"{shown or 'secret name'}: {reason}")
        if not isinstance(value, str):
            raise SecretStoreError(f"{key}: the value must be a string, not {type(value).__name__}")
        self._put(key.upper(), value, source)

    def _put(self, name: str, value: str, source: str) -> None:
        self._values[name] = value
        self._sources[name] = source
        for callback in list(self._subscribers):
            callback(name, value)

    def note_derived(self, name: str, value: str) -> None:
        """Tell subscribers about a value derived from a secret, without keeping it.

        The renderer calls this for what `secret(key, subkey=...)` reads out of a JSON
        secret (Kestra hands every value `secret()` returns to its log masker the same way),
        so the masker hides the field's value and not only the whole JSON text.
        """
        if not value:
            return
        for callback in list(self._subscribers):
            callback(name, value)

    def remove(self, key: str) -> None:
        """Forget the secret `key` (case-insensitive); `SecretNotFound` when there is none.

        Subscribers are not told: a masker keeps masking a value it has seen.
        """
        name = self._name(key)
        del self._values[name]
        del self._sources[name]

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(name, value)` for every secret held now and every one added later.

        Returns a function that unsubscribes it.
        """
        self._subscribers.append(callback)
        for name, value in list(self._values.items()):
            callback(name, value)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # -- reading -----------------------------------------------------------------------

    def _name(self, key: str) -> str:
        name = key.upper() if isinstance(key, str) else key
        if name not in self._values:
            raise SecretNotFound(key)
        return name

    def get(self, key: str) -> str:
        """The value of `key`, case-insensitive; Kestra's `SecretNotFound` when missing."""
        return self._values[self._name(key)]

    def source_of(self, key: str) -> str:
        """Where `key` came from: a file path, `"environment"` or `"session"`."""
        return self._sources[self._name(key)]

    def names(self) -> list[str]:
        """The secret names, upper-cased and sorted."""
        return sorted(self._values)

    def values(self) -> list[str]:
        """Every value, in name order. For the masker only: never print these."""
        return [self._values[name] for name in sorted(self._values)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.upper() in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        names = ", ".join(self.names())
        n = len(self._values)
        return f"<SecretStore: {n} secret{'s' if n != 1 else ''}{': ' + names if names else ''}>"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("SecretStore cannot be pickled (it would carry secret values)")
