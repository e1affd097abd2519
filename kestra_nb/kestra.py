"""Kestra's conventions, in one place: what open-source Kestra calls things.

Every module that needs one of these rules imports it from here, so a rule that Kestra changes
is changed once:

- `SECRET_PREFIX`: `SECRET_<NAME>` environment variables (base64 values) are the secrets
  (Kestra's `SecretService`); the prefix is case-sensitive, the name is upper-cased.
- `ENV_PREFIX` and `envs_map`: `ENV_<NAME>` variables become `envs.<name>` (prefix stripped,
  lower-cased, value raw); two spellings that collide once lower-cased make Kestra refuse to
  start. The collision policy lives here: the first spelling is kept, every later one is left
  out and reported (`EnvsClash`), or refused outright by `envs_from`.
- `PLACEHOLDER`: what a masked value is shown as (Kestra's log masker writes `******`).
- `REDACTED_ENV_NAMES`: configuration variables Kestra never exposes through `envs`.

This module imports only `errors`: every layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import SecretStoreError

__all__ = [
    "ENV_PREFIX",
    "PLACEHOLDER",
    "REDACTED_ENV_NAMES",
    "SECRET_PREFIX",
    "EnvsClash",
    "env_name",
    "env_names",
    "envs_from",
    "envs_map",
]

SECRET_PREFIX = "SECRET_"
ENV_PREFIX = "ENV_"
PLACEHOLDER = "******"

# Kestra never exposes these through `envs` (K26 `VariableConfiguration`), whatever the prefix.
REDACTED_ENV_NAMES = frozenset(
    {"KESTRA_PLUGINS_PATH", "KESTRA_CONFIGURATION_PATH", "KESTRA_CONFIGURATION", "KESTRA_JAVA_OPTS"}
)


def env_name(key: str, prefix: str = ENV_PREFIX) -> str | None:
    """The `envs` name Kestra gives the variable `key` (`ENV_MY_VAR` -> `my_var`), or None when
    `key` does not start with `prefix` (case-sensitive), is redacted, or is the bare prefix."""
    if not key.startswith(prefix) or key in REDACTED_ENV_NAMES or len(key) == len(prefix):
        return None
    return key[len(prefix) :].lower()


def env_names(keys: Iterable[str], prefix: str = ENV_PREFIX) -> list[str]:
    """The sorted `envs` names of `keys` (for listings and completion)."""
    return sorted({n for n in (env_name(k, prefix) for k in keys) if n is not None})


@dataclass(frozen=True)
class EnvsClash:
    """`key` gives the same `envs` name as the earlier `kept` spelling: Kestra would refuse to
    start; here `key` is left out. Names only, never a value."""

    key: str
    kept: str
    name: str

    def __str__(self) -> str:
        return (
            f"{self.key}: collides with {self.kept} once lower-cased (envs.{self.name}); "
            "Kestra would not start; not loaded"
        )


def envs_map(
    entries: Mapping[str, str | None],
    prefix: str = ENV_PREFIX,
    *,
    taken: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[EnvsClash]]:
    """Kestra's `envs` rule over env-style `entries`: `(kept, clashes)`.

    `kept` maps each usable key (raw, e.g. `ENV_MY_VAR`) to its value; `clashes` lists the
    keys left out because an earlier spelling (in `entries`, or in `taken`: `envs` name ->
    key already in use) gives the same `envs` name. Keys without the prefix, redacted ones and
    `None` values are skipped.
    """
    owner: dict[str, str] = dict(taken or {})
    kept: dict[str, str] = {}
    clashes: list[EnvsClash] = []
    for key, value in entries.items():
        name = env_name(key, prefix) if value is not None else None
        if name is None or value is None:
            continue
        other = owner.get(name)
        if other is not None and other != key:
            clashes.append(EnvsClash(key, other, name))
            continue
        owner[name] = key
        kept[key] = value
    return kept, clashes


def envs_from(mapping: Mapping[str, str | None], prefix: str = ENV_PREFIX) -> dict[str, str]:
    """Kestra's `envs` map (`envs_map`, strict): name -> raw value. A collision raises
    `SecretStoreError`, as Kestra refuses to start."""
    kept, clashes = envs_map(mapping, prefix)
    if clashes:
        clash = clashes[0]
        raise SecretStoreError(
            f"'{clash.key}' and '{clash.kept}' both give envs.{clash.name} once lower-cased "
            "(Kestra would refuse to start); rename one of them"
        )
    return {key[len(prefix) :].lower(): value for key, value in kept.items()}
