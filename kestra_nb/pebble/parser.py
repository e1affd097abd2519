"""Pebble's grammar (Kestra 1.x) producing Jinja2 node trees.

A port of Pebble's `ParserImpl`/`ExpressionParser`: precedence climbing over Kestra's
operator table (`lexer.BINARY_OPERATORS`), unary operators applying to a single primary,
the ternary only at precedence 0, filters and tests as the right side of `|` and `is`,
postfix `.name`, `[expr]`, `.method(args)` and calls. The tags are the ones Kestra leaves
registered: `if/elseif/else`, `for/else`, `set`, `macro`, `block`, `filter` (`verbatim` is
lexer-level). Anything else (`include`, `import`, `extends`, `with`, `call`, `raw` that
Kestra's single-line pre-processing did not catch) is Pebble's `Unexpected tag name`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from jinja2 import nodes

from . import nodes as pn
from .exceptions import PARSER_EXCEPTION, PebbleParseError
from .lexer import (
    BINARY_OPERATORS,
    COMMENT,
    EOF,
    EXECUTE_END,
    EXECUTE_START,
    LONG,
    NAME,
    NUMBER,
    OPERATOR,
    PRINT_END,
    PRINT_START,
    PUNCTUATION,
    STRING,
    STRING_INTERPOLATION_END,
    STRING_INTERPOLATION_START,
    TEXT,
    UNARY_OPERATORS,
    Lexer,
    ParseFailure,
    Token,
)

RESERVED = frozenset({"true", "false", "null", "none"})
_TRUE = ("true", "TRUE")
_FALSE = ("false", "FALSE")
_NULL = ("none", "NONE", "null", "NULL")

Stop = Callable[[Token], bool]


class Parser:
    """Parses one template source into a `jinja2.nodes.Template`."""

    def __init__(
        self,
        source: str,
        name: str | None = None,
        functions: frozenset[str] = frozenset(),
        operators: dict[str, int] | None = None,
    ) -> None:
        self.functions = functions
        self.operators = BINARY_OPERATORS if operators is None else operators
        tokens = Lexer(source, name).tokenize()
        self.tokens = [t for t in tokens if t.type != COMMENT]
        self.pos = 0
        self.macros: list[nodes.Macro] = []

    # token stream ----------------------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, n: int = 1) -> Token:
        index = min(self.pos + n, len(self.tokens) - 1)
        return self.tokens[index]

    def next(self) -> Token:
        token = self.tokens[self.pos]
        if self.pos < len(self.tokens) - 1:
            self.pos += 1
        return token

    def expect(self, type_: str, value: str | None = None) -> Token:
        token = self.current
        if not token.test(type_, value):
            raise ParseFailure(
                f'Unexpected token of value "{_show(token.value)}" and type {token.type}, '
                f"expected token of type {type_}",
                token.line,
            )
        return self.next()

    @staticmethod
    def fail(message: str, token: Token) -> ParseFailure:
        return ParseFailure(message, token.line)

    # template --------------------------------------------------------------------------
    def parse(self) -> nodes.Template:
        body = self.subparse(None)
        if not self.current.test(EOF):  # pragma: no cover - subparse only stops at EOF here
            raise self.fail("Parser ended in undefined state.", self.current)
        # Pebble registers macros while parsing: callable anywhere in the template, even
        # before (or outside the branch of) their definition
        return nodes.Template([*self.macros, *body], lineno=1)

    def subparse(self, stop: Stop | None) -> list[nodes.Node]:
        body: list[nodes.Node] = []
        while not self.current.test(EOF):
            token = self.current
            if token.type == TEXT:
                body.append(nodes.Output([nodes.TemplateData(token.value)], lineno=token.line))
                self.next()
            elif token.type == PRINT_START:
                self.next()
                expr = self.parse_expression()
                body.append(nodes.Output([expr], lineno=token.line))
                self.expect(PRINT_END)
            elif token.type == EXECUTE_START:
                self.next()
                tag = self.current
                if tag.type != NAME:
                    raise self.fail("A block must start with a tag name.", tag)
                if stop is not None and stop(tag):
                    return body
                handler = _TAGS.get(tag.value or "")
                if handler is None:
                    raise self.fail(f'Unexpected tag name "{tag.value}"', tag)
                node = handler(self, tag)
                if node is not None:
                    body.append(node)
            else:
                raise self.fail("Parser ended in undefined state.", token)
        if stop is not None:
            raise self.fail("Unexpected end of template.", self.current)
        return body

    # tags ------------------------------------------------------------------------------
    def tag_if(self, tag: Token) -> nodes.Node:
        self.next()
        test = self.parse_expression()
        self.expect(EXECUTE_END)
        stops = ("elseif", "else", "endif")
        node = nodes.If(pn.UnaryOp(test, op="if", lineno=tag.line), [], [], [], lineno=tag.line)
        node.body = self.subparse(lambda t: t.value in stops)
        while True:
            word = self.next()
            if word.value == "elseif":
                cond = self.parse_expression()
                self.expect(EXECUTE_END)
                elif_ = nodes.If(pn.UnaryOp(cond, op="if"), [], [], [], lineno=word.line)
                elif_.body = self.subparse(lambda t: t.value in stops)
                node.elif_.append(elif_)
            elif word.value == "else":
                self.expect(EXECUTE_END)
                node.else_ = self.subparse(lambda t: t.value == "endif")
            else:  # endif
                self.expect(EXECUTE_END)
                return node

    def tag_for(self, tag: Token) -> nodes.Node:
        self.next()
        var = self.parse_new_variable_name()
        self.expect(NAME, "in")
        iterable = self.parse_expression()
        self.expect(EXECUTE_END)
        body = self.subparse(lambda t: t.value in ("else", "endfor"))
        else_: list[nodes.Node] = []
        if self.next().value == "else":
            self.expect(EXECUTE_END)
            else_ = self.subparse(lambda t: t.value == "endfor")
            self.next()
        self.expect(EXECUTE_END)
        target = nodes.Name(var, "store", lineno=tag.line)
        iter_ = pn.UnaryOp(iterable, op="iter", lineno=tag.line)
        return nodes.For(target, iter_, body, else_, None, False, lineno=tag.line)

    def tag_set(self, tag: Token) -> nodes.Node:
        self.next()
        name = self.parse_new_variable_name()
        self.expect(PUNCTUATION, "=")
        value = self.parse_expression()
        self.expect(EXECUTE_END)
        return nodes.Assign(nodes.Name(name, "store", lineno=tag.line), value, lineno=tag.line)

    def tag_macro(self, tag: Token) -> nodes.Node | None:
        self.next()
        name = self.expect(NAME).value or ""
        self.expect(PUNCTUATION, "(")
        params: list[nodes.Name] = []
        defaults: list[nodes.Expr] = []
        while not self.current.test(PUNCTUATION, ")"):
            if params:
                self.expect(PUNCTUATION, ",")
            params.append(nodes.Name(self.parse_new_variable_name(), "param"))
            if self.current.test(PUNCTUATION, "="):
                self.next()
                defaults.append(self.parse_expression())
            else:
                defaults.append(nodes.Const(None))
        self.expect(PUNCTUATION, ")")
        self.expect(EXECUTE_END)
        body = self.subparse(lambda t: t.value == "endmacro")
        self.next()
        self.expect(EXECUTE_END)
        if any(m.name == name for m in self.macros):
            raise self.fail(f"More than one macro can not share the same name: {name}", tag)
        self.macros.append(nodes.Macro(name, params, defaults, body, lineno=tag.line))
        return None

    def tag_block(self, tag: Token) -> nodes.Node:
        self.next()
        name = (self.expect(STRING) if self.current.test(STRING) else self.expect(NAME)).value
        self.expect(EXECUTE_END)
        body = self.subparse(lambda t: t.value == "endblock")
        self.next()
        if self.current.type in (NAME, STRING):
            self.next()
        self.expect(EXECUTE_END)
        # scoped: a block sees the variables around it (a loop variable), as in Pebble
        return nodes.Block(pn.block_ident(name or ""), body, True, False, lineno=tag.line)

    def tag_filter(self, tag: Token) -> nodes.Node:
        self.next()
        chain: nodes.Expr = pn.FilterBody(lineno=tag.line)
        while True:
            chain = self.parse_filter_invocation(chain)
            if self.current.test(OPERATOR, "|"):
                self.next()
                continue
            break
        self.expect(EXECUTE_END)
        body = self.subparse(lambda t: t.value == "endfilter")
        self.next()
        self.expect(EXECUTE_END)
        return nodes.FilterBlock(body, chain, lineno=tag.line)

    # expressions -----------------------------------------------------------------------
    def parse_expression(self, min_precedence: int = 0) -> nodes.Expr:
        token = self.current
        expr: nodes.Expr
        if token.type == OPERATOR and token.value in UNARY_OPERATORS:
            self.next()
            operand = self.parse_expression(UNARY_OPERATORS[token.value or ""])
            expr = pn.UnaryOp(operand, op=token.value, lineno=token.line)
        elif token.test(PUNCTUATION, "("):
            self.next()
            expr = self.parse_expression()
            self.expect(PUNCTUATION, ")")
            expr = self.parse_postfix(expr, None, False)
        elif token.test(PUNCTUATION, "["):
            expr = self.parse_list()
        elif token.test(PUNCTUATION, "{"):
            expr = self.parse_map()
        else:
            expr = self.parse_primary()

        token = self.current
        while (
            token.type == OPERATOR
            and token.value in self.operators
            and self.operators[token.value or ""] >= min_precedence
        ):
            op = token.value or ""
            precedence = self.operators[op]
            self.next()
            if op == "|":
                expr = self.parse_filter_invocation(expr)
            elif op in ("is", "is not"):
                expr = self.parse_test_invocation(expr, negated=op == "is not")
            else:
                right = self.parse_expression(precedence + 1)
                if op in ("??", "???"):
                    expr = pn.Coalesce(expr, right, null_too=op == "??", lineno=token.line)
                else:
                    expr = pn.BinOp(expr, right, op=op, lineno=token.line)
            token = self.current

        if min_precedence == 0 and self.current.test(PUNCTUATION, "?"):
            self.next()
            expr1 = self.parse_expression()
            self.expect(PUNCTUATION, ":")
            expr2 = self.parse_expression()
            expr = pn.Ternary(expr, expr1, expr2, lineno=token.line)
        return expr

    def parse_primary(self) -> nodes.Expr:
        token = self.current
        value = token.value or ""
        node: nodes.Expr
        root: str | None = None
        if token.type == NAME:
            if value in _TRUE:
                node = nodes.Const(True, lineno=token.line)
            elif value in _FALSE:
                node = nodes.Const(False, lineno=token.line)
            elif value in _NULL:
                node = nodes.Const(None, lineno=token.line)
            elif self.peek().test(PUNCTUATION, "("):
                self.next()
                args, kwargs = self.parse_arguments()
                target = None if value in self.functions else nodes.Name(value, "load")
                call = pn.FuncCall(target, args, kwargs, name=value, lineno=token.line)
                return self.parse_postfix(call, None, False)
            else:
                node = nodes.Name(value, "load", lineno=token.line)
                root = value
            self.next()
        elif token.type == LONG:
            node = nodes.Const(int(value), lineno=token.line)
            self.next()
        elif token.type == NUMBER:
            num: int | float = float(value) if "." in value else int(value)
            node = nodes.Const(num, lineno=token.line)
            self.next()
        elif token.type in (STRING, STRING_INTERPOLATION_START):
            node = self.parse_string()
        else:
            raise self.fail(
                f'Unexpected token "{token.type}" of value "{_show(token.value)}"', token
            )
        return self.parse_postfix(node, root, root is not None)

    def parse_string(self) -> nodes.Expr:
        parts: list[nodes.Expr] = []
        previous = None
        while True:
            token = self.current
            if token.type == STRING and previous != STRING:
                parts.append(nodes.Const(token.value, lineno=token.line))
                previous = STRING
                self.next()
            elif token.type == STRING_INTERPOLATION_START:
                self.next()
                parts.append(self.parse_expression())
                self.expect(STRING_INTERPOLATION_END)
                previous = STRING_INTERPOLATION_END
            else:
                break
        if not parts:  # `""`: the lexer emits nothing for an empty interpolated string
            return nodes.Const("")
        expr = parts[-1]
        for part in reversed(parts[:-1]):
            expr = pn.BinOp(part, expr, op="~", lineno=part.lineno)
        return expr

    def parse_postfix(self, node: nodes.Expr, root: str | None, direct: bool) -> nodes.Expr:
        while True:
            token = self.current
            if token.test(PUNCTUATION, "."):
                self.next()
                name_token = self.current
                if name_token.type not in (NAME, NUMBER, LONG, OPERATOR):
                    self.expect(NAME)
                self.next()
                attr_value: str | int = name_token.value or ""
                if name_token.type in (NUMBER, LONG) and str(attr_value).isdigit():
                    attr_value = int(attr_value)
                args: list[nodes.Expr] | None = None
                if self.current.test(PUNCTUATION, "("):
                    args, kwargs = self.parse_arguments()
                    if kwargs:
                        raise self.fail(
                            "Can not use named arguments when calling a bean method", self.current
                        )
                node = pn.GetAttr(
                    node,
                    nodes.Const(attr_value),
                    args,
                    root=root,
                    direct=direct,
                    lineno=name_token.line,
                )
            elif token.test(PUNCTUATION, "["):
                self.next()
                key = self.parse_expression()
                self.expect(PUNCTUATION, "]")
                node = pn.GetAttr(node, key, None, root=root, direct=direct, lineno=token.line)
            else:
                return node
            direct = False

    def parse_arguments(self, macro: bool = False) -> tuple[list[nodes.Expr], list[nodes.Keyword]]:
        self.expect(PUNCTUATION, "(")
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        while not self.current.test(PUNCTUATION, ")"):
            if args or kwargs:
                self.expect(PUNCTUATION, ",")
            name = None
            if self.peek().test(PUNCTUATION, "="):
                name = self.parse_new_variable_name()
                self.expect(PUNCTUATION, "=")
            value = self.parse_expression()
            if name is None:
                if kwargs:
                    raise self.fail(
                        "Positional arguments must be declared before any named arguments.",
                        self.current,
                    )
                args.append(value)
            else:
                kwargs.append(nodes.Keyword(name, value))
        self.expect(PUNCTUATION, ")")
        return args, kwargs

    def parse_new_variable_name(self) -> str:
        token = self.expect(NAME)
        if token.value in RESERVED:
            raise self.fail(f"Can not assign a value to {token.value}", token)
        return token.value or ""

    def parse_filter_invocation(self, node: nodes.Expr) -> nodes.Expr:
        token = self.expect(NAME)
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        if self.current.test(PUNCTUATION, "("):
            args, kwargs = self.parse_arguments()
        return pn.FilterCall(node, args, kwargs, name=token.value, lineno=token.line)

    def parse_test_invocation(self, node: nodes.Expr, negated: bool) -> nodes.Expr:
        token = self.expect(NAME)
        args: list[nodes.Expr] = []
        kwargs: list[nodes.Keyword] = []
        if self.current.test(PUNCTUATION, "("):
            args, kwargs = self.parse_arguments()
        return pn.TestCall(node, args, kwargs, name=token.value, negated=negated, lineno=token.line)

    def parse_list(self) -> nodes.Expr:
        start = self.expect(PUNCTUATION, "[")
        items: list[nodes.Expr] = []
        if self.current.test(PUNCTUATION, "]"):
            self.next()
            return pn.ListLiteral(items, lineno=start.line)
        while True:
            items.append(self.parse_expression())
            if self.current.test(PUNCTUATION, "]"):
                break
            self.expect(PUNCTUATION, ",")
        self.expect(PUNCTUATION, "]")
        return pn.ListLiteral(items, lineno=start.line)

    def parse_map(self) -> nodes.Expr:
        start = self.expect(PUNCTUATION, "{")
        items: list[nodes.Pair] = []
        if self.current.test(PUNCTUATION, "}"):
            self.next()
            return pn.MapLiteral(items, lineno=start.line)
        while True:
            key = self.parse_expression()
            self.expect(PUNCTUATION, ":")
            value = self.parse_expression()
            items.append(nodes.Pair(key, value))
            if self.current.test(PUNCTUATION, "}"):
                break
            self.expect(PUNCTUATION, ",")
        self.expect(PUNCTUATION, "}")
        return pn.MapLiteral(items, lineno=start.line)


def _show(value: str | None) -> str:
    return "null" if value is None else value


_TAGS: dict[str, Callable[[Parser, Token], nodes.Node | None]] = {
    "if": Parser.tag_if,
    "for": Parser.tag_for,
    "set": Parser.tag_set,
    "macro": Parser.tag_macro,
    "block": Parser.tag_block,
    "filter": Parser.tag_filter,
}


def parse(
    source: str,
    name: str | None = None,
    functions: frozenset[str] = frozenset(),
    operators: dict[str, int] | None = None,
) -> nodes.Template:
    """Parse a Pebble template into a Jinja2 `Template` node (raises `ParseFailure`).

    `functions` are the names registered as functions: a call to any other name is a macro
    call, resolved at run time. `operators`: the precedence table (Kestra 1.x by default).
    """
    return Parser(source, name, functions, operators).parse()


def referenced_names(source: str) -> set[tuple[str, ...]]:
    """Attribute chains a template reads from its context, e.g. `("inputs", "name")`.

    A chain stops at the first non-constant subscript; names the template assigns itself
    (`set`, `for`, macro parameters, `loop`) are left out. Raises `PebbleParseError`.
    """
    tree = _parse_public(source)
    local = {"loop"}
    for name in tree.find_all(nodes.Name):
        if name.ctx in ("store", "param"):
            local.add(name.name)
    for macro in tree.find_all(nodes.Macro):
        local.add(macro.name)
    found: set[tuple[str, ...]] = set()
    inner: set[int] = set()
    for attr in tree.find_all(pn.GetAttr):
        if id(attr) in inner:
            continue
        chain: list[str] = []
        node: nodes.Node = attr
        while isinstance(node, pn.GetAttr):
            inner.add(id(node))
            key = node.attr
            if isinstance(key, nodes.Const) and isinstance(key.value, (str, int)):
                chain.insert(0, str(key.value))
            else:
                chain.clear()
            node = node.node
        if isinstance(node, nodes.Name) and node.name not in local:
            found.add((node.name, *chain))
    targets = {id(c.target) for c in tree.find_all(pn.FuncCall) if c.target is not None}
    for name in tree.find_all(nodes.Name):
        if (
            name.ctx == "load"
            and name.name not in local
            and id(name) not in targets
            and not any(chain[0] == name.name for chain in found)
        ):
            found.add((name.name,))
    return found


def referenced_secrets(source: str) -> set[str]:
    """Keys of `secret('KEY')` calls with a literal key (upper-cased, as Kestra looks up).

    Raises `PebbleParseError`.
    """
    tree = _parse_public(source)
    keys: set[str] = set()
    for call in tree.find_all(pn.FuncCall):
        if call.name != "secret":
            continue
        key: nodes.Node | None = call.args[0] if call.args else None
        for kw in call.kwargs:
            if kw.key == "key":
                key = kw.value
        if isinstance(key, nodes.Const) and isinstance(key.value, str):
            keys.add(key.value.upper())
    return keys


@functools.lru_cache(maxsize=1024)
def _parse_public(source: str) -> nodes.Template:
    """The parse tree `referenced_names`/`referenced_secrets` walk (read-only): cached, since
    a flow preview asks both about every string, which the renderer then compiles again."""
    try:
        return Parser(source).parse()
    except ParseFailure as exc:
        raise PebbleParseError(f"{PARSER_EXCEPTION}: {exc.message} ({source}:{exc.line})") from None
