"""The query language of the search, parsed into a small tree. Pure Python, no Django.

    Kant air base            words: passages (paragraphs) with all of them; each is a hit
    "air base"               a phrase: the words in a row (punctuation between them is ignored)
    Russ*                    a prefix: Russia, Russian, Russians ...
    Otunbayeva~              fuzzy: one or two letters different (also for every word, if asked)
    Russia OR Moscow         either (AND binds tighter: a b OR c is (a b) OR c)
    Russia AND base          both (the same as Russia base)
    Russia NOT Putin         Russia in passages without Putin
    Russia NEAR/5 base       at most 5 words apart, in either order (NEAR alone: 10)
    /Otunba[ey]+va/          a regular expression (Python's syntax), matched within a passage
    (Russia OR Moscow) NEAR/3 base

Operators are written in capitals; "and", "or", "not" and "near" in small letters are
words. The scope of AND, OR and NOT is a passage: a speaker's paragraph (a turn). A
mistake is a QueryError that says what is wrong and where (`position`, a character
offset into the query), in words a researcher can act on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from .text import nfc, words_as_written

try:  # the regular-expression parser of the standard library (for checks and required literals)
    import re._parser as sre_parse  # Python 3.11+
    import re._constants as sre_constants
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants
    import sre_parse

MAX_QUERY = 500
MAX_TERMS = 40
MAX_REGEX = 300
MAX_NEAR = 100
DEFAULT_NEAR = 10
MIN_PREFIX = 2


class QueryError(ValueError):
    """A query that cannot be searched for, with the reason and where it is."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(message if position is None else f"{message} (at character {position + 1})")


# --- the tree ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """Words in a row: one word, or a phrase. `prefix`: the last word is a prefix;
    `fuzzy`: each word may differ by an edit or two (see matching.fuzzy_distance)."""

    words: tuple[str, ...]
    prefix: bool = False
    fuzzy: bool = False


@dataclass(frozen=True)
class Regex:
    pattern: str


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Near:
    left: object
    right: object
    distance: int


Node = Term | Regex | And | Or | Not | Near


# --- the lexer -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    kind: str  # "(" ")" "AND" "OR" "NOT" "NEAR" "PHRASE" "WORD" "REGEX" "END"
    value: str
    position: int
    distance: int = 0
    prefix: bool = False
    fuzzy: bool = False


_OPERATOR = re.compile(r"(AND|OR|NOT|NEAR(?:/(\d+))?)(?=[\s()\"]|$)")
_BARE = re.compile(r"[^\s()\"]+")


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch == '"':
            close = text.find('"', i + 1)
            if close == -1:
                raise QueryError('A phrase is not closed: add the second " .', i)
            inner = text[i + 1:close]
            j = close + 1
            prefix = inner.rstrip().endswith("*")
            if prefix:
                inner = inner.rstrip()[:-1]
            if j < n and text[j] == "*":
                prefix, j = True, j + 1
            fuzzy = j < n and text[j] == "~"
            if fuzzy:
                j += 1
            tokens.append(_Token("PHRASE", inner, i, prefix=prefix, fuzzy=fuzzy))
            i = j
        elif ch == "/" and _regex_end(text, i) is not None:
            end = _regex_end(text, i)
            tokens.append(_Token("REGEX", text[i + 1:end].replace("\\/", "/"), i))
            i = end + 1
        else:
            operator = _OPERATOR.match(text, i)
            if operator:
                kind = operator.group(1).split("/")[0]
                distance = int(operator.group(2)) if operator.group(2) else DEFAULT_NEAR
                if kind == "NEAR" and not 0 <= distance <= MAX_NEAR:
                    raise QueryError(f"NEAR/{distance}: the distance is a number of words from 0 to {MAX_NEAR}.", i)
                tokens.append(_Token(kind, operator.group(0), i, distance=distance))
                i = operator.end()
                continue
            bare = _BARE.match(text, i)
            value = bare.group(0)
            fuzzy = value.endswith("~")
            if fuzzy:
                value = value[:-1]
            prefix = value.endswith("*")
            if prefix:
                value = value[:-1]
            tokens.append(_Token("WORD", value, i, prefix=prefix, fuzzy=fuzzy))
            i = bare.end()
    tokens.append(_Token("END", "", n))
    return tokens


def _regex_end(text: str, start: int) -> int | None:
    """The index of the slash that closes the regular expression opened at `start`."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "/":
            return i
        i += 1
    raise QueryError("A regular expression is not closed: end it with / (write \\/ for a slash inside it).",
                     start)


# --- the parser ----------------------------------------------------------------------------

class _Parser:
    def __init__(self, tokens: list[_Token], fuzzy: bool):
        self.tokens = tokens
        self.i = 0
        self.fuzzy = fuzzy
        self.terms = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if self.current.kind == ")":
            raise QueryError("A closing bracket ) has no opening bracket.", self.current.position)
        if self.current.kind != "END":
            raise QueryError(f"Unexpected {self.current.value!r}.", self.current.position)
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.current.kind == "OR":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.not_expr()]
        while self.current.kind not in ("OR", ")", "END"):
            if self.current.kind == "AND":
                self.take()
            children.append(self.not_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_expr(self) -> Node:
        if self.current.kind == "NOT":
            token = self.take()
            if self.current.kind in ("AND", "OR", "NEAR", ")", "END"):
                raise QueryError("NOT needs a word, a phrase or a bracket after it.", token.position)
            return Not(self.not_expr())
        return self.near_expr()

    def near_expr(self) -> Node:
        node = self.atom()
        while self.current.kind == "NEAR":
            token = self.take()
            if self.current.kind in ("AND", "OR", "NOT", "NEAR", ")", "END"):
                raise QueryError(f"{token.value} needs a word, a phrase or a bracket on both sides.", token.position)
            node = Near(node, self.atom(), token.distance)
        return node

    def atom(self) -> Node:
        token = self.current
        if token.kind in ("AND", "OR", "NEAR"):
            raise QueryError(f"{token.value} needs a word, a phrase or a bracket on both sides.", token.position)
        if token.kind == "END":
            raise QueryError("The query ends where a word was expected.", token.position)
        if token.kind == ")":
            raise QueryError("A closing bracket ) has no opening bracket, or the brackets are empty.", token.position)
        self.take()
        if token.kind == "(":
            node = self.or_expr()
            if self.current.kind != ")":
                raise QueryError("A bracket ( is not closed: add ) .", token.position)
            self.take()
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"A query has at most {MAX_TERMS} words, phrases and expressions.", token.position)
        if token.kind == "REGEX":
            return regex_node(token.value, token.position)
        return self.term(token)

    def term(self, token: _Token) -> Term:
        if "*" in token.value:
            star = token.value.find("*")
            raise QueryError("A wildcard * goes at the end of a word (Russ* finds Russia and Russian); "
                             "for anything else, use a regular expression between slashes.", token.position + star)
        found = tuple(words_as_written(nfc(token.value)))
        if not found:
            what = "phrase" if token.kind == "PHRASE" else "word"
            raise QueryError(f"The {what} {token.value!r} has no letters or digits to search for.", token.position)
        if token.prefix and len(found[-1]) < MIN_PREFIX:
            raise QueryError(f"A prefix needs at least {MIN_PREFIX} letters before the *.", token.position)
        return Term(found, prefix=token.prefix, fuzzy=token.fuzzy or self.fuzzy)


def parse(text: str, *, fuzzy: bool = False) -> Node:
    """The tree of a query; QueryError if it cannot be searched for. `fuzzy`: every word
    (not prefixes, not regular expressions) matches with an edit or two."""
    text = text.strip()
    if not text:
        raise QueryError("Type a word, a phrase or an expression to search for.", 0)
    if len(text) > MAX_QUERY:
        raise QueryError(f"A query has at most {MAX_QUERY} characters.", MAX_QUERY)
    node = _Parser(_lex(text), fuzzy).parse()
    if not positive_terms(node):
        raise QueryError("A query needs something to find, not only what to leave out (NOT ...).", 0)
    return node


def positive_terms(node: Node) -> list[Term | Regex]:
    """The words, phrases and expressions whose matches are hits (those outside NOT)."""
    if isinstance(node, (Term, Regex)):
        return [node]
    if isinstance(node, Not):
        return []
    if isinstance(node, Near):
        return positive_terms(node.left) + positive_terms(node.right)
    return [t for child in node.children for t in positive_terms(child)]


def describe(node: Node) -> str:
    """The tree written back as a query (for history entries and tests)."""
    if isinstance(node, Term):
        text = " ".join(node.words)
        text = f'"{text}"' if len(node.words) > 1 else text
        return text + ("*" if node.prefix else "") + ("~" if node.fuzzy else "")
    if isinstance(node, Regex):
        return "/" + node.pattern.replace("/", "\\/") + "/"
    if isinstance(node, Not):
        return f"NOT {describe(node.child)}"
    if isinstance(node, Near):
        return f"({describe(node.left)} NEAR/{node.distance} {describe(node.right)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(c) for c in node.children) + ")"


# --- regular expressions -------------------------------------------------------------------

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_constants.POSSESSIVE_REPEAT)


def regex_node(pattern: str, position: int = 0) -> Regex:
    """A checked regular expression (the `regex` module's syntax, a superset of Python's
    `re`): it compiles and is not too long. A pattern that would take very long to match
    is stopped by a time limit when it runs (matching.REGEX_SECONDS)."""
    if not pattern:
        raise QueryError("The regular expression between the slashes is empty.", position)
    if len(pattern) > MAX_REGEX:
        raise QueryError(f"A regular expression has at most {MAX_REGEX} characters.", position)
    pattern = nfc(pattern)
    try:
        regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except regex.error as error:
        at = position + 1 + error.pos if error.pos is not None else position
        raise QueryError(f"The regular expression is not valid: {error.msg}.", at) from None
    except (OverflowError, RecursionError, ValueError):
        raise QueryError("The regular expression is too complex.", position) from None
    return Regex(pattern)


def required_literals(pattern: str) -> list[str]:
    """Strings every match of the pattern contains, as written in it (the caller folds
    them): the database keeps only the passages that contain them. They are read with the
    standard library's parser; an expression it cannot read, or one with no literal text
    (\\d{4}), is looked for in every passage."""
    try:
        tree = sre_parse.parse(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError, ValueError):
        return []
    return [run for run in _literal_runs(tree) if run.strip()]


def _literal_runs(items) -> list[str]:
    runs: list[str] = []
    current: list[str] = []

    def flush():
        if current:
            runs.append("".join(current))
            current.clear()

    for op, av in items:
        if op is sre_constants.LITERAL:
            current.append(chr(av))
            continue
        flush()
        if op is sre_constants.SUBPATTERN:
            runs += _literal_runs(av[-1])
        elif op in _REPEATS and av[0] >= 1:
            runs += _literal_runs(av[2])
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            runs += _literal_runs(av)
    flush()
    return runs
