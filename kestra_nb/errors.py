"""The exceptions kestra_nb raises.

Every message is one line, names the file, line and key where there is one, and never
contains a secret value (nor any encoding of one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


class KestraNbError(Exception):
    """Base class of every error kestra_nb raises on purpose."""


class SecretNotFound(KestraNbError, LookupError):
    """A `secret()` lookup found no such key. The message is Kestra's own."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Cannot find secret for key '{key}'.")

    def __str__(self) -> str:  # LookupError would quote the message otherwise
        return str(self.args[0])


class SecretStoreError(KestraNbError):
    """The store cannot be built or changed (names colliding once upper-cased, bad names)."""


class DotenvError(KestraNbError):
    """A dotenv file cannot be read, parsed or written. Names file, line and key; never a value."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        elif line is not None:
            where = f"line {line}: "
        what = f"{key}: " if key else ""
        super().__init__(f"{where}{what}{message}")


class RenderError(KestraNbError):
    """A Kestra expression could not be rendered. The message follows Kestra's shapes."""


SEPARATOR = " · "


def problem_text(message: str, hint: str | None = None, expression: str | None = None) -> str:
    """`message (expression) Hint` in one line: what `problem_line` puts after the line."""
    text = " ".join(message.split())
    # a hint starts a sentence: end the message's first (`msg (one of ...). Hint`)
    ended = re.sub(r"\s*\([^()]*\)$", "", text).endswith((".", "?", "!"))
    if expression:
        text += f" ({' '.join(expression.split())})"
    if hint:
        text += ("" if ended or expression else ".") + " " + " ".join(hint.split())
    return text


def problem_line(
    path: str,
    line: int | None,
    message: str,
    hint: str | None = None,
    expression: str | None = None,
) -> str:
    """One problem as one line: `path · line N · message (expression) Hint`, the line being
    the editor's. Line breaks become spaces, so a problem is always one line."""
    parts = [path or "<flow>"]
    if line is not None:
        parts.append(f"line {line}")
    parts.append(problem_text(message, hint, expression))
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class FlowProblem:
    """One thing wrong with a flow: where (a path such as `tasks[2].id`, with line) and what.

    `hint` says what to do about it, when something can be said (`Did you mean INT?`).
    `str()` gives `tasks[2].id · line 9 · message. Hint`, in one line.
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    expression: str | None = None  # the `{{ }}` a render problem is about, when not the path's

    def __str__(self) -> str:
        return problem_line(self.path, self.line, self.message, self.hint, self.expression)


class FlowError(KestraNbError):
    """The text is not a valid Kestra flow. Holds every problem found, not just the first."""

    def __init__(self, problems: Sequence[FlowProblem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"invalid flow ({n} problem{'s' if n != 1 else ''})"
        super().__init__(head + ": " + "; ".join(str(p) for p in self.problems))
