"""Pebble's lexer, as Kestra configures it: text, `{{ }}`, `{% %}`, `{# #}`, verbatim.

A close port of `io.pebbletemplates.pebble.lexer.LexerImpl`: the same states, the same
operator regex (longest operator first, word operators not followed by a word character),
Pebble string literals (only the quote is escapable, `"\\n"` stays backslash-n) and `#{}`
interpolation in double-quoted strings. Tokens carry their line and source offsets so the
flow previewer can cut a template into segments (`template_segments`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .exceptions import PARSER_EXCEPTION, PebbleParseError


class ParseFailure(Exception):
    """A Pebble `ParserException`: bare message and line; the renderer adds the template."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# token types (Pebble's names)
TEXT = "TEXT"
PRINT_START = "PRINT_START"
PRINT_END = "PRINT_END"
EXECUTE_START = "EXECUTE_START"
EXECUTE_END = "EXECUTE_END"
OPERATOR = "OPERATOR"
NAME = "NAME"
NUMBER = "NUMBER"
LONG = "LONG"
STRING = "STRING"
STRING_INTERPOLATION_START = "STRING_INTERPOLATION_START"
STRING_INTERPOLATION_END = "STRING_INTERPOLATION_END"
PUNCTUATION = "PUNCTUATION"
EOF = "EOF"
COMMENT = "COMMENT"  # never reaches the parser; kept for `template_segments`

# Kestra 1.x operators (Pebble core + Kestra's `??`, `???`, `isIn`)
UNARY_OPERATORS: dict[str, int] = {"not": 500, "+": 500, "-": 500}
BINARY_OPERATORS: dict[str, int] = {
    "or": 10,
    "and": 15,
    "is": 20,
    "is not": 20,
    "contains": 20,
    "==": 30,
    "equals": 30,
    "!=": 30,
    ">": 30,
    "<": 30,
    ">=": 30,
    "<=": 30,
    "+": 40,
    "-": 40,
    "*": 60,
    "/": 60,
    "%": 60,
    "|": 100,
    "~": 110,
    "..": 120,
    "??": 120,
    "???": 120,
    "isIn": 120,
}
# Kestra 2.0-dev (commit f55795da1): `??`, `???` and `isIn` bind looser than filters
BINARY_OPERATORS_2: dict[str, int] = {**BINARY_OPERATORS, "??": 30, "???": 30, "isIn": 30}


def _operator_regex() -> re.Pattern[str]:
    ops = sorted({*UNARY_OPERATORS, *BINARY_OPERATORS}, key=len, reverse=True)
    parts = []
    for op in ops:
        part = re.escape(op)
        if op[-1].isalpha():
            part += r"(?![a-zA-Z0-9_])"
        parts.append(part)
    return re.compile("|".join(parts))


_OPERATORS = _operator_regex()
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_LONG = re.compile(r"[0-9]+L")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_STRING_PLAIN = re.compile(
    r'"([^#"\\]*(?:\\.[^#"\\]*)*)"|\'([^\'\\]*(?:\\.[^\'\\]*)*)\'', re.DOTALL
)
_STRING_NON_INTERPOLATED = re.compile(r'[^#"\\]*(?:(?:\\.|#(?!\{))[^#"\\]*)*', re.DOTALL)
_START_DELIMITERS = re.compile(r"\{\{|\{%|\{#")
_WHITESPACE = re.compile(r"\s*")
_PRINT_CLOSE = re.compile(r"-?\}\}")
_EXECUTE_CLOSE = re.compile(r"-?%\}")
_COMMENT_CLOSE = re.compile(r"#\}")
_VERBATIM_START = re.compile(r"\s*verbatim\s*(-)?%\}")
_VERBATIM_END = re.compile(r"\{%(-)?\s*endverbatim\s*(-)?%\}")
_PUNCTUATION = "()[]{}?:.,|="
_PAIRS = {"(": ")", "[": "]", "{": "}"}

# Kestra's `VariableRenderer.RAW_PATTERN`: no DOTALL (`.` stops at Java's line terminators),
# Java's `\s`; a raw block spanning lines is therefore not recognised (issue #13535).
_JAVA_S = r"[ \t\n\x0b\f\r]"
RAW_PATTERN = re.compile(
    r"(\{%-*" + _JAVA_S + r"*raw" + _JAVA_S + r"*-*%\}([^\n\r\u0085\u2028\u2029]*?)"
    r"\{%-*" + _JAVA_S + r"*endraw" + _JAVA_S + r"*-*%\})"
)


@dataclass(slots=True)
class Token:
    """One token: Pebble's type, its value, the line it is on and its source span."""

    type: str
    value: str | None
    line: int
    start: int = 0
    end: int = 0

    def test(self, type_: str, value: str | None = None) -> bool:
        return self.type == type_ and (value is None or self.value == value)

    def __repr__(self) -> str:
        return f"Token({self.type}, {self.value!r}, line={self.line})"


def unquote(raw: str) -> str:
    """Pebble's `unquoteAndUnescape`: drop the quotes, unescape only the quote character."""
    quote = raw[0]
    body = raw[1:-1]
    return body.replace("\\" + quote, quote)


class Lexer:
    """Turns a template into Pebble tokens (`tokenize`)."""

    def __init__(self, source: str, name: str | None = None) -> None:
        self.source = source
        self.name = name if name is not None else source
        self.pos = 0
        self.tokens: list[Token] = []
        self.states: list[str] = ["DATA"]
        self.brackets: list[tuple[str, int]] = []
        self.trim_next = False
        self._line_cache = (0, 1)

    # helpers -------------------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        """1-based line of offset `pos` (counted incrementally: tokens come in order)."""
        last_pos, last_line = self._line_cache
        if pos >= last_pos:
            line = last_line + self.source.count("\n", last_pos, pos)
        else:
            line = self.source.count("\n", 0, pos) + 1
        self._line_cache = (pos, line)
        return line

    def error(self, message: str, pos: int | None = None) -> ParseFailure:
        return ParseFailure(message, self.line_at(self.pos if pos is None else pos))

    def push(self, type_: str, value: str | None, start: int, end: int) -> Token | None:
        if type_ == TEXT and not value:
            return None
        token = Token(type_, value, self.line_at(start), start, end)
        self.tokens.append(token)
        return token

    # main loop ------------------------------------------------------------------------
    def tokenize(self) -> list[Token]:
        n = len(self.source)
        while self.pos < n:
            state = self.states[-1]
            if state == "DATA":
                self._data()
            elif state in ("EXECUTE", "PRINT"):
                self._between(state)
            elif state == "STRING":
                self._string()
            elif state == "STRING_INTERPOLATION":
                self._interpolation()
            else:  # pragma: no cover - COMMENT is handled inline
                raise self.error("Parser ended in undefined state.")
        if len(self.states) > 1:
            state = self.states[-1]
            if state in ("STRING", "STRING_INTERPOLATION") or self.brackets:
                bracket = self.brackets[-1][0] if self.brackets else '"'
                raise self.error(f'Unclosed "{bracket}"')
        if self.brackets:
            raise self.error(f'Unclosed "{self.brackets[-1][0]}"')
        self.tokens.append(Token(EOF, None, self.line_at(self.pos), self.pos, self.pos))
        return self.tokens

    def _data(self) -> None:
        src = self.source
        match = _START_DELIMITERS.search(src, self.pos)
        start = self.pos
        end = len(src) if match is None else match.start()
        text = src[start:end]
        self.pos = end if match is None else match.end()
        if self.trim_next:
            text = text.lstrip()
            self.trim_next = False
        token = self.push(TEXT, text, start, end)
        if match is None:
            return
        delimiter = match.group()
        # leading whitespace trim (`{{-`, `{%-`, `{#-`)
        if src.startswith("-", self.pos):
            if token is not None:
                token.value = (token.value or "").rstrip()
            self.pos += 1
        if delimiter == "{#":
            close = _COMMENT_CLOSE.search(src, self.pos)
            if close is None:
                raise self.error("Unclosed comment.")
            body = src[self.pos : close.start()]
            if body.endswith("-"):
                self.trim_next = True
            self.tokens.append(
                Token(COMMENT, body, self.line_at(match.start()), match.start(), close.end())
            )
            self.pos = close.end()
        elif delimiter == "{{":
            self.push(PRINT_START, "{{", match.start(), self.pos)
            self.states.append("PRINT")
        else:
            verbatim = _VERBATIM_START.match(src, self.pos)
            if verbatim is not None:
                self._verbatim(verbatim, match.start())
            else:
                self.push(EXECUTE_START, "{%", match.start(), self.pos)
                self.states.append("EXECUTE")

    def _verbatim(self, start_match: re.Match[str], tag_start: int) -> None:
        src = self.source
        self.pos = start_match.end()
        end = _VERBATIM_END.search(src, self.pos)
        if end is None:
            raise self.error("Unclosed verbatim tag.")
        text = src[self.pos : end.start()]
        if start_match.group(1) is not None:
            text = text.lstrip()
        if end.group(1) is not None:
            text = text.rstrip()
        if end.group(2) is not None:
            self.trim_next = True
        self.pos = end.end()
        if text:
            self.tokens.append(Token(TEXT, text, self.line_at(tag_start), tag_start, end.end()))

    def _between(self, state: str) -> None:
        src = self.source
        close = _PRINT_CLOSE if state == "PRINT" else _EXECUTE_CLOSE
        ws = _WHITESPACE.match(src, self.pos)
        if ws is not None:
            self.pos = ws.end()
        if self.pos >= len(src):
            return
        if not self.brackets:
            match = close.match(src, self.pos)
            if match is not None:
                if match.group().startswith("-"):
                    self.trim_next = True
                self.push(
                    PRINT_END if state == "PRINT" else EXECUTE_END,
                    match.group().lstrip("-"),
                    self.pos,
                    match.end(),
                )
                self.pos = match.end()
                self.states.pop()
                return
        self._expression()

    def _expression(self) -> None:
        src = self.source
        ws = _WHITESPACE.match(src, self.pos)
        if ws is not None:
            self.pos = ws.end()
        if self.pos >= len(src):
            return
        start = self.pos
        for type_, regex in ((OPERATOR, _OPERATORS), (NAME, _IDENTIFIER)):
            match = regex.match(src, start)
            if match is not None:
                self.push(type_, match.group(), start, match.end())
                self.pos = match.end()
                return
        match = _LONG.match(src, start)
        if match is not None:
            self.push(LONG, match.group()[:-1], start, match.end())
            self.pos = match.end()
            return
        match = _NUMBER.match(src, start)
        if match is not None:
            self.push(NUMBER, match.group(), start, match.end())
            self.pos = match.end()
            return
        char = src[start]
        if char in _PUNCTUATION:
            if char in "([{":
                self.brackets.append((char, self.line_at(start)))
            elif char in ")]}":
                if not self.brackets:
                    raise self.error(f'Unexpected "{char}"')
                expected = _PAIRS[self.brackets.pop()[0]]
                if expected != char:
                    raise self.error(f'Unclosed "{expected}"')
            self.push(PUNCTUATION, char, start, start + 1)
            self.pos = start + 1
            return
        match = _STRING_PLAIN.match(src, start)
        if match is not None:
            self.push(STRING, unquote(match.group()), start, match.end())
            self.pos = match.end()
            return
        if char == '"':
            self.brackets.append(('"', self.line_at(start)))
            self.states.append("STRING")
            self.pos = start + 1
            return
        raise self.error(f"Unexpected character [{char}]")

    def _string(self) -> None:
        src = self.source
        start = self.pos
        if src.startswith("#{", start):
            self.brackets.append(("#{", self.line_at(start)))
            self.push(STRING_INTERPOLATION_START, "#{", start, start + 2)
            self.pos = start + 2
            self.states.append("STRING_INTERPOLATION")
            return
        match = _STRING_NON_INTERPOLATED.match(src, start)
        if match is not None and match.end() > start:
            self.push(STRING, match.group().replace('\\"', '"'), start, match.end())
            self.pos = match.end()
            return
        if src.startswith('"', start):
            self.brackets.pop()
            self.states.pop()
            self.pos = start + 1
            return
        raise self.error('Unclosed """')

    def _interpolation(self) -> None:
        src = self.source
        ws = _WHITESPACE.match(src, self.pos)
        if ws is not None:
            self.pos = ws.end()
        if self.brackets and self.brackets[-1][0] == "#{" and src.startswith("}", self.pos):
            self.brackets.pop()
            self.push(STRING_INTERPOLATION_END, "}", self.pos, self.pos + 1)
            self.pos += 1
            self.states.pop()
            return
        self._expression()


def tokenize(source: str, name: str | None = None) -> list[Token]:
    """All tokens of `source` (comments included as `COMMENT` tokens), ending with `EOF`."""
    return Lexer(source, name).tokenize()


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a template: `kind` in `text`, `print`, `tag`, `comment`, `verbatim`, `raw`.

    `text` is the exact source between `start` and `end` (delimiters included).
    """

    kind: str
    text: str
    start: int
    end: int


def template_segments(source: str) -> list[Segment]:
    """Cut `source` into text, `{{ }}`, `{% %}`, comments, verbatim and Kestra raw blocks.

    Strings containing `}}` stay inside their expression, as Pebble lexes them. Raises
    `PebbleParseError` when the template does not lex (an unclosed string or bracket).
    """
    raws = [m.span() for m in RAW_PATTERN.finditer(source)]
    masked = source
    for start, end in raws:  # keep offsets: same length, no delimiter characters
        masked = masked[:start] + "\x00" * (end - start) + masked[end:]
    try:
        tokens = Lexer(masked).tokenize()
    except ParseFailure as exc:
        raise PebbleParseError(f"{PARSER_EXCEPTION}: {exc.message} ({source}:{exc.line})") from None
    segments: list[Segment] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type in (PRINT_START, EXECUTE_START):
            close = PRINT_END if token.type == PRINT_START else EXECUTE_END
            j = i
            while j < len(tokens) and tokens[j].type not in (close, EOF):
                j += 1
            end = tokens[j].end if j < len(tokens) else len(source)
            kind = "print" if token.type == PRINT_START else "tag"
            segments.append(Segment(kind, source[token.start : end], token.start, end))
            i = j + 1
            continue
        if token.type == COMMENT:
            segments.append(Segment("comment", source[token.start : token.end], *_span(token)))
        elif token.type == TEXT:
            kind = "verbatim" if masked.startswith("{%", token.start) else "text"
            segments.extend(_split_raw(source, token.start, token.end, kind, raws))
        i += 1
    return _fill_gaps(source, segments)


def _span(token: Token) -> tuple[int, int]:
    return token.start, token.end


def _split_raw(
    source: str, start: int, end: int, kind: str, raws: list[tuple[int, int]]
) -> list[Segment]:
    if kind != "text":
        return [Segment(kind, source[start:end], start, end)]
    out: list[Segment] = []
    pos = start
    for raw_start, raw_end in raws:
        if raw_start >= pos and raw_end <= end:
            if raw_start > pos:
                out.append(Segment("text", source[pos:raw_start], pos, raw_start))
            out.append(Segment("raw", source[raw_start:raw_end], raw_start, raw_end))
            pos = raw_end
    if pos < end:
        out.append(Segment("text", source[pos:end], pos, end))
    return out


def _fill_gaps(source: str, segments: list[Segment]) -> list[Segment]:
    """Whitespace removed by `-` trims still belongs to the template: keep it as text."""
    out: list[Segment] = []
    pos = 0
    for seg in sorted(segments, key=lambda s: s.start):
        if seg.start > pos:
            out.append(Segment("text", source[pos : seg.start], pos, seg.start))
        out.append(seg)
        pos = max(pos, seg.end)
    if pos < len(source):
        out.append(Segment("text", source[pos:], pos, len(source)))
    return out
