"""Java regular expressions on Python's `re`: translation, `replaceAll`, `String.split`.

Python 3.11 already knows possessive quantifiers and atomic groups; what is translated here
is the rest Java users write: `\\p{Alpha}`-style classes, `(?<name>...)` groups, `\\z`/`\\Z`,
`\\h`, and `$1` / `${name}` group references in replacements.

Matching runs on the `regex` module (same syntax as `re` in its V0 mode) for one reason: its
`timeout=`. A catastrophic pattern (`(a+)+$` on a long run of `a`) stops at the evaluation's
deadline with `LimitExceeded` instead of hanging a kernel or a CI job (docs/limits.md). `re`
still checks the syntax, so the messages of a bad pattern stay those users know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

import regex as _regex

from ..limits import LimitExceeded, limits_in_force, remaining_time
from . import values as _v

__all__ = ["JavaPattern", "bounded", "compile_java", "java_replace_all", "java_split"]

_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
    "javaLowerCase": "a-z",
    "javaUpperCase": "A-Z",
    "javaWhitespace": " \\t\\n\\x0B\\f\\r\\x1C-\\x1F",
    "L": "^\\W\\d_",
    "IsAlphabetic": "^\\W\\d_",
    "Alphabetic": "^\\W\\d_",
    "IsLetter": "^\\W\\d_",
    "Lu": "A-Z\\u00C0-\\u00D6\\u00D8-\\u00DE",
    "Ll": "a-z\\u00DF-\\u00F6\\u00F8-\\u00FF",
    "N": "\\d",
    "Nd": "\\d",
    "IsDigit": "\\d",
    "P": "!-/:-@\\[-`{-~\\u00A1-\\u00BF",
    "S": "$+<=>^`|~",
    "Z": "\\s",
    "Zs": " \\u00A0\\u2000-\\u200A\\u202F\\u205F\\u3000",
    "InLatin": "\\u0000-\\u024F",
    "IsLatin": "a-zA-Z\\u00C0-\\u024F",
}


def _class_body(name: str) -> str:
    """The character-class body of a `\\p{name}` property (a leading `^` negates)."""
    body = _POSIX.get(name) or _POSIX.get(name.removeprefix("Is"))
    if body is None:
        raise _v.java_error(
            f"Unknown character property name {{{name}}} near index 0",
            "java.util.regex.PatternSyntaxException",
        )
    return body


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = 0
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP" and i + 2 < n:
                if pattern[i + 2] == "{":
                    end = pattern.index("}", i + 3)
                    name = pattern[i + 3 : end]
                    i = end + 1
                else:
                    name = pattern[i + 2]
                    i += 3
                body = _class_body(name)
                negate = nxt == "P"
                if body.startswith("^"):
                    negate = not negate
                    body = body[1:]
                if in_class:
                    if negate:
                        # inside a class we cannot negate a range: approximate with \W-like
                        out.append("\\W" if body == "\\W\\d_" else body)
                    else:
                        out.append(body)
                else:
                    out.append(("[^" if negate else "[") + body + "]")
                continue
            if nxt == "z":
                out.append("\\Z")
                i += 2
                continue
            if nxt == "Z":
                out.append("(?=\\n?\\Z)")
                i += 2
                continue
            if nxt == "h":
                out.append("[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]")
                i += 2
                continue
            if nxt == "R":
                out.append("(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])")
                i += 2
                continue
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "k" and i + 2 < n and pattern[i + 2] == "<":
                end = pattern.index(">", i + 3)
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class += 1
        elif ch == "]" and in_class:
            in_class -= 1
        elif (
            ch == "("
            and not in_class
            and pattern.startswith("(?<", i)
            and i + 3 < n
            and pattern[i + 3] not in "=!"
        ):
            out.append("(?P<")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_T = TypeVar("_T")


def bounded(call: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """`call(*args, timeout=<time left>)`: a regex operation stopped at the deadline."""
    try:
        return call(*args, timeout=max(remaining_time(), 0.001), **kwargs)
    except TimeoutError:
        raise LimitExceeded(
            "max_time_s", limits_in_force().max_time_s, where="matching a regular expression"
        ) from None


class JavaPattern:
    """A compiled Java regex: `re`'s interface, each operation bounded by the deadline."""

    __slots__ = ("_compiled", "groupindex", "groups", "pattern")

    def __init__(self, compiled: Any, pattern: str) -> None:
        self._compiled = compiled
        self.groups: int = compiled.groups
        self.groupindex = compiled.groupindex
        self.pattern = pattern

    def search(self, text: str) -> Any:
        return bounded(self._compiled.search, text)

    def fullmatch(self, text: str) -> Any:
        return bounded(self._compiled.fullmatch, text)

    def finditer(self, text: str) -> Iterator[Any]:
        return iter(bounded(_all_matches, self._compiled, text))

    def sub(self, repl: Callable[[Any], str], text: str) -> str:
        return bounded(self._compiled.sub, repl, text)


def _all_matches(compiled: Any, text: str, timeout: float) -> list[Any]:
    return list(compiled.finditer(text, timeout=timeout))


@lru_cache(maxsize=512)
def compile_java(pattern: str) -> JavaPattern:
    """Compile a Java regex (raises Java's PatternSyntaxException text); matching is bounded
    by the evaluation's deadline (`LimitExceeded`)."""
    translated = _translate(pattern)
    try:
        re.compile(translated)  # the syntax check, with `re`'s messages
        return JavaPattern(_regex.compile(translated, flags=_regex.V0), pattern)
    except (re.error, _regex.error, ValueError) as exc:
        raise _v.java_error(
            f"{getattr(exc, 'msg', exc)} near index {getattr(exc, 'pos', 0) or 0}: {pattern}",
            "java.util.regex.PatternSyntaxException",
        ) from exc


def _expand(replacement: str, m: Any) -> str:
    """Java `Matcher.appendReplacement`: `$1`, `${name}`, `\\x` escapes a character."""
    out: list[str] = []
    i = 0
    n = len(replacement)
    while i < n:
        ch = replacement[i]
        if ch == "\\":
            i += 1
            if i >= n:
                raise _v.java_error(
                    "character to be escaped is missing", "java.lang.IllegalArgumentException"
                )
            out.append(replacement[i])
            i += 1
        elif ch == "$":
            i += 1
            if i >= n:
                raise _v.java_error(
                    "Illegal group reference: group index is missing",
                    "java.lang.IllegalArgumentException",
                )
            if replacement[i] == "{":
                end = replacement.find("}", i)
                if end < 0:
                    raise _v.java_error(
                        "named capturing group is missing trailing '}'",
                        "java.lang.IllegalArgumentException",
                    )
                name = replacement[i + 1 : end]
                try:
                    out.append(m.group(name) or "")
                except (IndexError, error_type()):
                    raise _v.java_error(
                        f"No group with name {{{name}}}", "java.lang.IllegalArgumentException"
                    ) from None
                i = end + 1
            elif replacement[i].isdigit():
                group = int(replacement[i])
                if group > (m.re.groups or 0):
                    raise _v.java_error(f"No group {group}", "java.lang.IndexOutOfBoundsException")
                i += 1
                # Java takes more digits while the group number stays valid
                while i < n and replacement[i].isdigit():
                    candidate = group * 10 + int(replacement[i])
                    if candidate > (m.re.groups or 0):
                        break
                    group = candidate
                    i += 1
                out.append(m.group(group) or "")
            else:
                raise _v.java_error("Illegal group reference", "java.lang.IllegalArgumentException")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def error_type() -> type[Exception]:
    """The exception `Match.group` raises for an unknown group name."""
    return IndexError


def java_replace_all(text: str, pattern: str, replacement: str) -> str:
    """`String.replaceAll(regex, replacement)`."""
    regex = compile_java(pattern)
    return regex.sub(lambda m: _expand(replacement, m), text)


_SPLIT_FAST_SPECIAL = ".$|()[{^?*+\\"


def java_split(text: str, pattern: str, limit: int = 0) -> list[str]:
    """`String.split(regex, limit)`: a leading empty string stays unless the match is
    zero-width at 0; with `limit == 0` trailing empty strings are removed."""
    if text == "":
        return [""]
    fast = (len(pattern) == 1 and pattern not in _SPLIT_FAST_SPECIAL) or (
        len(pattern) == 2 and pattern[0] == "\\" and not pattern[1].isalnum()
    )
    regex = compile_java(re.escape(pattern[-1]) if fast else pattern)
    parts: list[str] = []
    index = 0
    limited = limit > 0
    for m in regex.finditer(text):
        if not limited or len(parts) < limit - 1:
            if index == 0 and m.start() == 0 and m.start() == m.end():
                continue
            parts.append(text[index : m.start()])
            index = m.end()
        else:
            break
    if index == 0 and not parts:
        return [text]
    parts.append(text[index:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts
