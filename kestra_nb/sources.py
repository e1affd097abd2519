"""`SecretSource`: what every part of kestra_nb that reads secrets accepts.

The engine's `secret()`, the flow model, the scanner and the masker's feeders all take "a
source of secrets": the `SecretStore`, or anything with the same three reading methods. A
plain mapping (name -> value, as a test or a script passes it) or pairs are turned into one
by `as_source`, the one normaliser, so no caller branches on what it was given.

Reading a source never reveals a value anywhere but the return value of `get`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, runtime_checkable

from .errors import SecretNotFound

__all__ = ["MappingSource", "SecretSource", "SecretsLike", "as_source", "secret_pairs"]


@runtime_checkable
class SecretSource(Protocol):
    """Secrets by name, looked up as Kestra's `secret(key)` does (case-insensitively)."""

    def get(self, key: str) -> str:
        """The value of `key`; `SecretNotFound` (Kestra's message) when there is none."""
        ...

    def names(self) -> list[str]:
        """Every name, sorted."""
        ...

    def __contains__(self, key: object) -> bool: ...

    def note_derived(self, name: str, value: str) -> None:
        """Told about a value read out of a secret (a `subkey` field); may ignore it."""
        ...


class MappingSource:
    """A read-only `SecretSource` over a mapping name -> value.

    Lookups try the key upper-cased first (Kestra upper-cases every key), then as given.
    """

    def __init__(self, values: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        items = values.items() if isinstance(values, Mapping) else values
        self._values: dict[str, str] = {str(k): str(v) for k, v in items}

    def _key(self, key: object) -> str | None:
        if not isinstance(key, str):
            return None
        for candidate in (key.upper(), key):
            if candidate in self._values:
                return candidate
        return None

    def get(self, key: str) -> str:
        """The value of `key` (upper-cased first); `SecretNotFound` when missing."""
        found = self._key(key)
        if found is None:
            raise SecretNotFound(key)
        return self._values[found]

    def names(self) -> list[str]:
        """The names as given, in the order given."""
        return list(self._values)

    def note_derived(self, name: str, value: str) -> None:
        """A mapping keeps nothing it is told."""

    def __contains__(self, key: object) -> bool:
        return self._key(key) is not None

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __repr__(self) -> str:
        n = len(self._values)
        return f"<MappingSource: {n} secret{'s' if n != 1 else ''}>"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a secret source cannot be pickled (it would carry secret values)")


SecretsLike = SecretSource | Mapping[str, str] | Iterable[tuple[str, str]] | None


def as_source(secrets: SecretsLike) -> SecretSource:
    """The one normaliser: a `SecretSource` as is; a mapping or `(name, value)` pairs wrapped
    in a `MappingSource`; None as an empty source."""
    if secrets is None:
        return MappingSource()
    if isinstance(secrets, SecretSource) and not isinstance(secrets, Mapping):
        return secrets
    if isinstance(secrets, Mapping):
        return MappingSource(secrets)
    return MappingSource(secrets)


def secret_pairs(secrets: SecretsLike) -> list[tuple[str, str]]:
    """Every `(name, value)` a source holds, in its `names()` order (for a masker or a
    scanner)."""
    source = as_source(secrets)
    pairs: list[tuple[str, str]] = []
    for name in source.names():
        try:
            pairs.append((name, source.get(name)))
        except SecretNotFound:  # removed meanwhile
            continue
    return pairs
