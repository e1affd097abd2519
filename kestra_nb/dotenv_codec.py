"""Dotenv files in, Kestra `SECRET_*` files out, and back: a converter that loses nothing.

Parsing is python-dotenv's own parser (`dotenv.parser.parse_stream`), so values, quoting,
escapes, `export`, comments and multi-line values mean exactly what they mean to python-dotenv
(and Docker Compose v1), read as `open(path, encoding="utf-8-sig")` would: BOM dropped, CRLF
and lone CR read as LF. `${VAR}` interpolation is off unless asked for.

Encoding writes each entry as `SECRET_<KEY>=<standard base64, padded, one line>` (LF, UTF-8,
no BOM, no quotes, no comments), the one form every consumer reads back exactly. Decoding
follows Kestra's `SecretService`: every Unicode line break stripped, the strict standard
alphabet (no `-`, `_` or whitespace), padding optional but correct if present, UTF-8 with
U+FFFD for malformed bytes.

Nothing here ever puts a value, or any encoding of one, into a message, a repr or a warning:
problems name the file, the line and the key (and hide a "key" that may be a value fragment).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv.parser import parse_stream
from dotenv.variables import parse_variables

from .atomic import SpecialFileError, resolve_target, write_atomic
from .errors import DotenvError
from .files import read_bytes
from .kestra import SECRET_PREFIX
from .limits import LimitExceeded

__all__ = [
    "SECRET_PREFIX",
    "DecodeResult",
    "EncodeResult",
    "Entry",
    "InvalidBase64",
    "ParseResult",
    "decode_dotenv",
    "decode_environ",
    "decode_value",
    "encode_dotenv",
    "encode_value",
    "key_problem",
    "parse_dotenv",
    "read_dotenv_text",
    "update_encoded_file",
]


# Java's `\R`: \r\n, \n, \u000B, \u000C, \r, \u0085, \u2028, \u2029 (SecretService strips them).
_JAVA_LINE_BREAKS = re.compile("\r\n|[\n\x0b\x0c\r\x85\u2028\u2029]")
_B64_ALPHABET = re.compile(r"[A-Za-z0-9+/]*")
_LOOKS_B64 = re.compile(r"[A-Za-z0-9+/]{6,}(?:==|=)?\Z")
# The key rule shared by the converter and `SecretStore.add`: `SECRET_<KEY>` must be a name
# every env-file consumer accepts. Letters, digits and `_` are safe everywhere (a leading digit
# is fine behind `SECRET_`); `.`, `-` and `:` pass Compose v1/v2 and `docker run` but not a shell.
_SAFE_KEY = re.compile(r"[A-Za-z0-9_]+\Z")
_PORTABLE_KEY = re.compile(r"[A-Za-z0-9_.:\-]+\Z")
# A token we are willing to print as a key in a problem message. Lines of a torn multi-line
# value (PEM bodies, base64 blobs) parse as "keys" too; those are mixed-case noise, so a
# mixed-case or odd token is reported by line only, never echoed.
_SHOWABLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}\Z")
_NEWLINE = re.compile(r"\r\n|\n|\r")


class InvalidBase64(DotenvError):
    """A value Kestra's decoder would reject. The message says why, never what the value is."""


# ----------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Entry:
    """One `KEY=value` binding: the key, its 1-based line, and the value (never in the repr)."""

    key: str
    line: int
    value: str | None = field(repr=False, default=None)


@dataclass
class ParseResult:
    """What python-dotenv makes of a file, with line numbers.

    `entries` holds every binding in file order (duplicates included, as python-dotenv sees
    them; the last one wins in `as_dict()`); `missing` the keys written without `=` (value
    None); `errors` one `DotenvError` per line python-dotenv cannot parse (and skips).
    """

    path: str | None
    entries: list[Entry] = field(default_factory=list)
    missing: list[Entry] = field(default_factory=list)
    errors: list[DotenvError] = field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        """Key -> value as `dotenv_values` gives it, keys without a value left out."""
        return {e.key: e.value for e in self.entries if e.value is not None}


# A dotenv file python-dotenv reads line by line with nothing to unquote, strip or expand:
# each line `[export ]KEY=value` (value of base64, URL-safe and plain token characters), a
# `#` comment at the start of a line, or blank.
_PLAIN_FILE = re.compile(
    r"(?:(?:export )?[A-Za-z_][A-Za-z0-9_.]*=[A-Za-z0-9+/=_.:@-]*|#[^\n]*|)"
    r"(?:\n(?:(?:export )?[A-Za-z_][A-Za-z0-9_.]*=[A-Za-z0-9+/=_.:@-]*|#[^\n]*|))*"
)


def _normalise_newlines(text: str) -> str:
    """What a text-mode `open()` hands python-dotenv: BOM dropped, CRLF and CR read as LF."""
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _key_line(original: str, start_line: int) -> int:
    """Line of the first non-blank character of a binding (its leading blank lines skipped)."""
    leading = original[: len(original) - len(original.lstrip())]
    return start_line + len(_NEWLINE.findall(leading))


def showable_key(key: str | None) -> str | None:
    """`key` if it is safe to print (a plausible name, not a fragment of a value), else None."""
    if key is None or not _SHOWABLE_KEY.match(key):
        return None
    return key if key in (key.upper(), key.lower()) else None


def parse_dotenv(text: str, *, path: str | None = None, interpolate: bool = False) -> ParseResult:
    """Parse dotenv `text` exactly as python-dotenv does, keeping line numbers.

    With `interpolate=True`, `${VAR}` and `${VAR:-default}` are expanded as
    `dotenv_values(interpolate=True)` does: earlier keys of the file over `os.environ`.
    """
    result = ParseResult(path=path)
    text = _normalise_newlines(text)
    if not interpolate and _PLAIN_FILE.fullmatch(text):
        # Only `KEY=value` lines of plain characters, comments and blank lines: no quote,
        # space, `$` or `#` in a value, so each line stands alone and python-dotenv's
        # reading of it is the line itself (a file of base64 secrets parses 2x faster).
        for number, plain in enumerate(text.split("\n"), 1):
            name, eq, rest = plain.partition("=")
            if eq and not name.startswith("#"):
                result.entries.append(Entry(name.removeprefix("export "), number, rest))
        return result
    resolved: dict[str, str | None] = {}
    environ: dict[str, str | None] = dict(os.environ) if interpolate else {}
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        line = _key_line(original, binding.original.line)
        if binding.error:
            result.errors.append(
                DotenvError(
                    "cannot be parsed as dotenv (unbalanced quote or stray text?); "
                    "python-dotenv skips it",
                    path=path,
                    line=line,
                )
            )
            continue
        if binding.key is None:  # blank line or comment
            continue
        value = binding.value
        if interpolate and value is not None:
            env = {**environ, **resolved}
            value = "".join(atom.resolve(env) for atom in parse_variables(value))
        resolved[binding.key] = value
        entry = Entry(binding.key, line, value)
        if value is None:
            # python-dotenv's last binding wins, also when it has no value: an earlier
            # value of the same key is gone (reported with this line, as "no value")
            if any(e.key == binding.key for e in result.entries):
                result.entries = [e for e in result.entries if e.key != binding.key]
            result.missing.append(entry)
        else:
            result.entries.append(entry)
    return result


def read_dotenv_text(path: str | os.PathLike[str]) -> str:
    """Read a dotenv file as UTF-8 text (BOM kept: parsing drops it), or raise `DotenvError`.

    Newlines are not translated here, so callers that rewrite the file keep it byte for byte.
    Missing paths, directories, unreadable files, non-UTF-8 bytes and NUL bytes each get a
    one-line `DotenvError` naming the file.
    """
    name = os.fspath(path)
    try:
        data = read_bytes(path)  # devices, FIFOs, sockets refused before anything is read
    except FileNotFoundError:
        raise DotenvError("no such file", path=name) from None
    except SpecialFileError as exc:
        reason = str(exc.strerror)
        if reason.startswith("is a directory"):
            raise DotenvError("is a directory, not a dotenv file", path=name) from None
        raise DotenvError(reason, path=name) from None
    except LimitExceeded as exc:
        raise DotenvError(str(exc), path=name) from None
    except OSError as exc:
        raise DotenvError(f"cannot read: {exc.strerror or exc}", path=name) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DotenvError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8",
            path=name,
            line=line,
        ) from None
    if "\x00" in text:
        raise DotenvError("contains NUL bytes: not a text file", path=name)
    return text


# ----------------------------------------------------------------------------- values


def encode_value(value: str) -> str:
    """Standard base64 of the UTF-8 bytes, padded, on one line (never wrapped, no CR)."""
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def _illegal_char_kind(char: str) -> str:
    """Describe an offending character by its class only (it may be part of a plaintext)."""
    if char in " \t":
        return "a space or tab (Kestra strips only line breaks)"
    if char in "-_":
        return "a URL-safe base64 character ('-' or '_'); Kestra needs the standard alphabet"
    if char in "\"'":
        return "a quote (write the value unquoted)"
    if ord(char) > 127:
        return "a non-ASCII character"
    if not char.isprintable():
        return "a control character"
    return "a character outside the base64 alphabet"


def decode_value(b64: str) -> str:
    """Decode one `SECRET_*` value exactly as Kestra's `SecretService` does.

    Line breaks (Java's `\\R`) are stripped; the rest must be RFC 4648 standard base64 with
    optional but correct padding and nothing after it (`java.util.Base64.getDecoder()`); the
    bytes are read as UTF-8 with U+FFFD for malformed sequences. Raises `InvalidBase64`,
    whose message gives the reason and never the value.
    """
    data = _JAVA_LINE_BREAKS.sub("", b64)
    body_end = _B64_ALPHABET.match(data).end()  # type: ignore[union-attr]
    body = data[:body_end]
    rest = data[body_end:]
    remainder = len(body) % 4
    if rest:
        if rest[0] != "=":
            raise InvalidBase64(f"not base64: contains {_illegal_char_kind(rest[0])}")
        if remainder in (0, 1):
            raise InvalidBase64("not base64: padding '=' where none can be (bad length)")
        padding = "==" if remainder == 2 else "="
        if not rest.startswith(padding):
            raise InvalidBase64("not base64: wrong padding (the last group is incomplete)")
        if len(rest) > len(padding):
            raise InvalidBase64("not base64: characters after the '=' padding")
    elif remainder == 1:
        raise InvalidBase64("not base64: the last group has one character (truncated?)")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error:  # pragma: no cover - the checks above leave nothing to reject
        raise InvalidBase64("not base64") from None
    return raw.decode("utf-8", errors=_JAVA_REPLACE)


def _java_utf8_replace(exc: UnicodeError) -> tuple[str, int]:
    """U+FFFD as Java's `new String(bytes, UTF_8)` places it.

    Python and the JDK agree on every malformed sequence (one U+FFFD per maximal subpart)
    except encoded surrogates: the JDK reads `ED A0..BF` plus one continuation byte as one
    3-byte unit and replaces it with a single U+FFFD (two bytes when the third is missing or
    not a continuation byte), where Python emits one per byte.
    """
    assert isinstance(exc, UnicodeDecodeError)
    data, start = exc.object, exc.start
    if data[start] == 0xED and start + 1 < len(data) and 0xA0 <= data[start + 1] <= 0xBF:
        third = start + 2 < len(data) and 0x80 <= data[start + 2] <= 0xBF
        return "\ufffd", start + (3 if third else 2)
    return "\ufffd", exc.end


_JAVA_REPLACE = "kestra_nb.java-utf8-replace"
codecs.register_error(_JAVA_REPLACE, _java_utf8_replace)


def _looks_encoded(value: str) -> bool:
    """True for a value that is itself base64 of printable UTF-8 text (a likely double encode)."""
    if len(value) < 8 or len(value) % 4 or not _LOOKS_B64.match(value):
        return False
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(decoded) and all(c.isprintable() or c in "\t\r\n" for c in decoded)


def key_problem(key: str) -> str | None:
    """Why `key` cannot be a secret name in an env file (None when it can)."""
    if not key:
        return "empty name"
    if _PORTABLE_KEY.match(key):
        return None
    return (
        "not a valid env-file name (use letters, digits and '_'; "
        "'.', '-' and ':' work in Docker but not in a shell)"
    )


def _key_note(key: str) -> str | None:
    if _SAFE_KEY.match(key):
        return None
    return "name contains '.', '-' or ':': Docker accepts it, a shell does not"


# ----------------------------------------------------------------------------- encoding


@dataclass
class EncodeResult:
    """The `.env_encoded` text and everything worth telling about how it was made.

    `entries` are the keys written (with their lines; values hidden), `problems` what could
    not be converted (unparseable lines, keys without a value, bad names, collisions) and
    `notes` what was converted but deserves a look (a value that already looks encoded,
    `${...}` kept literally, a duplicate key). `refused` is True when keys collide once
    upper-cased: Kestra would refuse to start, so `text` is then empty.
    """

    text: str = field(repr=False)  # every value, base64-encoded: never in a repr
    entries: list[Entry] = field(default_factory=list)
    problems: list[DotenvError] = field(default_factory=list)
    notes: list[DotenvError] = field(default_factory=list)
    refused: bool = False

    @property
    def ok(self) -> bool:
        """True when every entry of the input was converted (notes allowed)."""
        return not self.problems and not self.refused

    def only(self, names: Iterable[str]) -> tuple[str, list[str]]:
        """The `.env_encoded` lines of just `names` (matched as Kestra names secrets, once
        upper-cased), and the names the input does not have."""
        wanted = {name.upper(): name for name in names}
        keep: list[str] = []
        for line in self.text.splitlines(keepends=True):
            key = line.partition("=")[0].removeprefix(SECRET_PREFIX)
            if key.upper() in wanted:
                keep.append(line)
                wanted.pop(key.upper())
        return "".join(keep), sorted(wanted.values())


def encode_dotenv(text: str, *, interpolate: bool = False, path: str | None = None) -> EncodeResult:
    """Convert dotenv `text` into Kestra's `SECRET_<KEY>=<base64>` lines, losing nothing silently.

    Duplicate keys keep the last value (python-dotenv's rule) at the first key's position,
    with a note. Keys that collide once upper-cased refuse the whole conversion.
    """
    parsed = parse_dotenv(text, path=path, interpolate=interpolate)
    result = EncodeResult(text="")
    result.problems.extend(parsed.errors)
    for entry in parsed.missing:
        shown = showable_key(entry.key)
        result.problems.append(
            DotenvError(
                "no '=' on this line, so no value (python-dotenv gives None); skipped"
                + ("" if shown else " (name not shown: it may be part of a value)"),
                path=path,
                line=entry.line,
                key=shown,
            )
        )
    kept: dict[str, Entry] = {}
    first_line: dict[str, int] = {}
    torn = {e.line for e in parsed.missing} | {p.line for p in parsed.errors if p.line}
    raw_lines = _normalise_newlines(text).split("\n")
    for entry in parsed.entries:
        if _torn_line(entry, raw_lines, torn):
            torn.add(entry.line)
            result.problems.append(
                DotenvError(
                    "looks like a line of a multi-line value that is not quoted (python-dotenv "
                    "reads it as KEY=...); skipped (name not shown: it is part of a value); "
                    "quote the value",
                    path=path,
                    line=entry.line,
                )
            )
            continue
        reason = key_problem(entry.key)
        if reason is not None:
            shown = showable_key(entry.key)
            result.problems.append(
                DotenvError(
                    reason + "; skipped" + ("" if shown else " (name not shown)"),
                    path=path,
                    line=entry.line,
                    key=shown,
                )
            )
            continue
        if entry.key in kept:
            result.notes.append(
                DotenvError(
                    f"duplicate key: overrides line {kept[entry.key].line} "
                    "(python-dotenv keeps the last value)",
                    path=path,
                    line=entry.line,
                    key=entry.key,
                )
            )
        else:
            first_line[entry.key] = entry.line
        kept[entry.key] = entry
    by_upper: dict[str, list[Entry]] = {}
    for entry in kept.values():
        by_upper.setdefault(entry.key.upper(), []).append(entry)
    for group in by_upper.values():
        if len(group) > 1:
            result.refused = True
            first = group[0]
            for other in group[1:]:
                result.problems.append(
                    DotenvError(
                        f"collides with '{first.key}' (line {first.line}) once upper-cased: "
                        "Kestra would refuse to start; rename one of them",
                        path=path,
                        line=other.line,
                        key=other.key,
                    )
                )
    ordered = sorted(kept.values(), key=lambda e: first_line[e.key])
    for entry in ordered:
        value = entry.value or ""
        for note in _value_notes(entry.key, value, interpolate):
            result.notes.append(DotenvError(note, path=path, line=entry.line, key=entry.key))
        if extra := _key_note(entry.key):
            result.notes.append(DotenvError(extra, path=path, line=entry.line, key=entry.key))
    result.entries = ordered
    if not result.refused:
        result.text = "".join(
            f"{SECRET_PREFIX}{e.key}={encode_value(e.value or '')}\n" for e in ordered
        )
    result.problems.sort(key=lambda p: p.line or 0)
    result.notes.sort(key=lambda p: p.line or 0)
    return result


_TORN_LINE = re.compile(r"[A-Za-z0-9+/]+=+")


def _torn_line(entry: Entry, raw_lines: list[str], torn: set[int]) -> bool:
    """A "key" that is really a line of an unquoted multi-line value (a PEM or base64 body).

    Such a line parses as a binding only when it ends in `=` (base64 padding): its key is a
    fragment of the value. Caught when the whole line is base64 text plus padding, the key is
    not a plausible name (mixed case), and the line is long, or follows a line already torn
    and has a digit, `+`, `/` or `==` (so `apiKey=` after a torn value is still a key).
    """
    if showable_key(entry.key) is not None or not 0 < entry.line <= len(raw_lines):
        return False
    if not _TORN_LINE.fullmatch(raw_lines[entry.line - 1].strip()):
        return False
    if len(entry.key) >= 16:
        return True
    base64ish = bool(entry.value) or any(c.isdigit() or c in "+/" for c in entry.key)
    return base64ish and (entry.line - 1) in torn


def _value_notes(key: str, value: str, interpolate: bool) -> list[str]:
    notes = []
    if key.startswith(SECRET_PREFIX):
        notes.append(
            f"key already starts with {SECRET_PREFIX}: written as {SECRET_PREFIX}{key}, "
            f"so the secret is named '{key.upper()}'"
        )
    if is_macro(value):
        notes.append(
            "value is a {{ }} macro: encoded as literal text (leave macros in a file that "
            "kestra_nb loads directly)"
        )
    elif _looks_encoded(value):
        notes.append("value already looks base64-encoded; encoded again as written")
    if not interpolate and "${" in value:
        notes.append("'${' kept literally (use --interpolate to expand as python-dotenv does)")
    return notes


# ----------------------------------------------------------------------------- decoding


@dataclass
class DecodeResult:
    """A `SECRET_*` file or environment read as Kestra would.

    `secrets` maps upper-cased names to decoded values (repr hidden) and `lines` names to
    their line (None for a mapping); `environ` holds the other entries raw (for `envs`);
    `problems` the entries Kestra would drop (one `DotenvError` each, reason, no value);
    `collisions` the subset of problems that would stop Kestra from starting; `notes` things
    worth knowing that do not lose a secret.
    """

    path: str | None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    lines: dict[str, int | None] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict, repr=False)
    problems: list[DotenvError] = field(default_factory=list)
    collisions: list[DotenvError] = field(default_factory=list)
    notes: list[DotenvError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every `SECRET_*` entry decodes and nothing else went wrong."""
        return not self.problems

    def names(self) -> list[str]:
        """The decoded secret names, sorted."""
        return sorted(self.secrets)


def is_macro(value: str) -> bool:
    """Whether a dotenv value is a `{{ ... }}` macro (kestra_nb evaluates those on load)."""
    return "{{" in value and "}}" in value


def decode_environ(
    items: Iterable[tuple[str, str, int | None]] | Mapping[str, str],
    *,
    path: str | None = None,
    render: Callable[[str], str] | None = None,
) -> DecodeResult:
    """Apply Kestra's `SecretService` rules to env-style entries.

    `items` is a mapping or `(key, value, line)` triples in order (a later duplicate of the
    same key wins). Only keys starting with `SECRET_` (case-sensitive) are secrets; the name
    is the rest upper-cased. With `render`, a value holding a `{{ }}` macro is rendered first
    (kestra_nb's dotenv macros); a render failure is reported by exception class only, since
    the template itself may contain the plaintext.
    """
    if isinstance(items, Mapping):
        triples: Iterable[tuple[str, str, int | None]] = ((k, v, None) for k, v in items.items())
    else:
        triples = items
    result = DecodeResult(path=path)
    latest: dict[str, tuple[str, int | None]] = {}
    for key, value, line in triples:
        if not key.startswith(SECRET_PREFIX):
            result.environ[key] = value
            continue
        if key in latest:
            result.notes.append(
                DotenvError(
                    f"duplicate key: overrides line {latest[key][1]} (the last value wins)",
                    path=path,
                    line=line,
                    key=key,
                )
            )
            latest.pop(key)
        latest[key] = (value, line)
    spellings: dict[str, list[tuple[str, int | None]]] = {}
    for key, (_, line) in latest.items():
        spellings.setdefault(key[len(SECRET_PREFIX) :].upper(), []).append((key, line))
    for name, group in spellings.items():
        if len(group) > 1:
            first_key, first_line = group[0]
            where = f" (line {first_line})" if first_line is not None else ""
            for key, line in group[1:]:
                err = DotenvError(
                    f"collides with '{first_key}'{where} once upper-cased: "
                    "Kestra would refuse to start",
                    path=path,
                    line=line,
                    key=key,
                )
                result.problems.append(err)
                result.collisions.append(err)
            for key, _ in group:
                latest.pop(key)
        elif name == "":
            key, line = group[0]
            result.problems.append(
                DotenvError("empty secret name after SECRET_", path=path, line=line, key=key)
            )
            latest.pop(key)
    for key, (value, line) in latest.items():
        name = key[len(SECRET_PREFIX) :].upper()
        raw = value
        if is_macro(value):
            if render is None:
                result.problems.append(
                    DotenvError(
                        "is a {{ }} macro, not base64 (kestra_nb evaluates macros when it "
                        "loads the file; Kestra itself would drop it)",
                        path=path,
                        line=line,
                        key=key,
                    )
                )
                continue
            try:
                raw = render(value)
            except Exception as exc:  # any engine failure is reported, never raised
                result.problems.append(
                    DotenvError(
                        f"macro could not be evaluated ({type(exc).__name__})",
                        path=path,
                        line=line,
                        key=key,
                    )
                )
                continue
            result.notes.append(
                DotenvError(
                    "macro evaluated by kestra_nb; Kestra's SecretService would not "
                    "evaluate it and would drop this secret",
                    path=path,
                    line=line,
                    key=key,
                )
            )
        try:
            result.secrets[name] = decode_value(raw)
        except InvalidBase64 as exc:
            result.problems.append(
                DotenvError(
                    f"{exc.message}; Kestra would log 'Could not decode secret' and skip it",
                    path=path,
                    line=line,
                    key=key,
                )
            )
            continue
        result.lines[name] = line
        result.keys[name] = key
    result.problems.sort(key=lambda p: p.line or 0)
    return result


def decode_dotenv(
    text: str, *, path: str | None = None, render: Callable[[str], str] | None = None
) -> DecodeResult:
    """Check an `.env_encoded`: parse it (python-dotenv) and decode each `SECRET_*` as Kestra.

    Unparseable lines and `SECRET_*` keys without a value are problems too (a `SECRET_X`
    line without `=` would make Docker take `SECRET_X` from the calling shell); other keys
    without a value are notes.
    """
    parsed = parse_dotenv(text, path=path)
    triples = [(e.key, e.value or "", e.line) for e in parsed.entries]
    result = decode_environ(triples, path=path, render=render)
    extra = list(parsed.errors)
    for entry in parsed.missing:
        shown = showable_key(entry.key)
        message = "no '=' on this line, so no value; skipped"
        if shown is None:
            message += " (name not shown: it may be part of a value)"
        target = extra if entry.key.startswith(SECRET_PREFIX) else result.notes
        target.append(DotenvError(message, path=path, line=entry.line, key=shown))
    result.problems = sorted(result.problems + extra, key=lambda p: p.line or 0)
    result.notes.sort(key=lambda p: p.line or 0)
    return result


# ----------------------------------------------------------------------------- in place


def update_encoded_file(
    path: str | os.PathLike[str],
    secrets: Mapping[str, str],
    remove: Iterable[str] = (),
) -> Path | None:
    """Write `secrets` into the `.env_encoded` at `path`, in place, and return the backup path.

    Existing `SECRET_<K>` lines (matched by upper-cased name, as Kestra does) get the new
    value, keeping their spelling, indentation, `export` and line ending (not an inline
    `# comment` after the old value: it described that value); names in `remove`
    lose their lines; new names are appended as `SECRET_<K>=<base64>`. Every other byte
    (comments, other keys, blank lines, unparseable lines, BOM, CRLF) is kept as it was.
    Written atomically with mode 0600; a missing file is created (then None is returned).
    """
    target = resolve_target(path)  # a link followed; a FIFO or device refused, never opened
    name = os.fspath(path)
    for key, value in secrets.items():
        reason = key_problem(key)
        if reason is not None:
            raise DotenvError(reason, path=name, key=showable_key(key))
        if not isinstance(value, str):
            raise DotenvError("value must be a string", path=name, key=key)
    updates = {k.upper(): (k, v) for k, v in secrets.items()}
    drops = {k.upper() for k in remove} - set(updates)
    exists = target.exists() or target.is_symlink()
    text = read_dotenv_text(target) if exists else ""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    newline = "\r\n" if "\r\n" in body else "\n"
    out: list[str] = [bom]
    written: set[str] = set()
    for binding in parse_stream(io.StringIO(body)):
        original = binding.original.string
        key = binding.key or ""
        if binding.error or not key.startswith(SECRET_PREFIX):
            out.append(original)
            continue
        upper = key[len(SECRET_PREFIX) :].upper()
        if upper not in updates and upper not in drops:
            out.append(original)
            continue
        stripped = original.lstrip()
        leading = original[: len(original) - len(stripped)]
        cut = max(leading.rfind("\n"), leading.rfind("\r")) + 1
        blank_lines, indent = leading[:cut], leading[cut:]
        ending = _line_ending(original)
        if upper in drops:
            out.append(blank_lines)
            continue
        export = re.match(r"export[^\S\r\n]+", stripped)
        prefix = export.group(0) if export else ""
        out.append(f"{blank_lines}{indent}{prefix}{key}={encode_value(updates[upper][1])}{ending}")
        written.add(upper)
    missing = [(k, v) for upper, (k, v) in updates.items() if upper not in written]
    if missing:
        current = "".join(out)
        if current[len(bom) :] and not current.endswith(("\n", "\r")):
            out.append(newline)
        for key, value in missing:
            out.append(f"{SECRET_PREFIX}{key}={encode_value(value)}{newline}")
    return write_atomic(target, "".join(out), overwrite=exists, backup=True)


def _line_ending(original: str) -> str:
    """The line terminator a binding ends with (empty at the end of a file without one)."""
    for ending in ("\r\n", "\n", "\r"):
        if original.endswith(ending):
            return ending
    return ""


ENV_FILE_NAMES = (".env_encoded", ".env")


def find_env_files(
    start: str | os.PathLike[str] | None = None, names: Iterable[str] = ENV_FILE_NAMES
) -> list[Path]:
    """The dotenv files called `names` in the nearest directory holding any, from `start`
    (default: the current directory) upward, in the order of `names`.

    So with the default names `.env_encoded` beats `.env` in one directory, and a nearer
    directory beats both. An absolute name is only looked at as given, after the search.
    """
    paths = [Path(n).expanduser() for n in names]
    here = Path(start if start is not None else os.getcwd()).resolve()
    relative = [p for p in paths if not p.is_absolute()]
    for directory in (here, *here.parents):
        found = [directory / p for p in relative if (directory / p).is_file()]
        if found:
            return found
    return [p for p in paths if p.is_absolute() and p.is_file()]
