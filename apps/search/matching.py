"""Where a parsed query matches inside one passage. Pure Python, no Django.

The database only narrows the passages down (apps/search/backends.py); this module says
whether a passage matches and where each hit is, from the passage's text, so that SQLite
and PostgreSQL give exactly the same hits. By default the text it reads is the folded
text (no case, no diacritics); with `exact`, the text as written.

A passage matches when the query's tree is true of it (AND, OR and NOT are about the
passage); its hits are the matches of the words, phrases and expressions outside NOT
(for NEAR, the stretch from one side to the other), overlapping hits merged into one.
"""
from __future__ import annotations

import re
import time
from bisect import bisect_left
from dataclasses import dataclass, field

import regex

from .query import And, Near, Node, Not, QueryError, Regex, Term
from .text import Syntax, fold_text, words

# The time all the regular expressions of one search may take together, in seconds.
REGEX_SECONDS = 3.0

Span = tuple[int, int]


def fuzzy_distance(word: str) -> int:
    """How many edits (a letter added, left out or changed) a fuzzy word allows: none up
    to 3 letters ("war" stays "war"), one up to 10 (Otunbayeva finds Otunbaeva, Tokayev
    Tokaev), two beyond (Kyrgyzstanis finds Kirgizstanis). One edit up to 10 letters keeps
    the database's narrowing sharp: a word is cut into k + 1 pieces (backends._pieces),
    and pieces of 5 letters are rare where pieces of 3 are everywhere."""
    n = len(word)
    return 0 if n <= 3 else 1 if n <= 10 else 2


def within_distance(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b at most `limit` (rows cut off once past it)."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    if limit == 0:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def term_words(term: Term, exact: bool) -> list[str]:
    """The words of a term as the matcher compares them: folded, unless `exact`."""
    if exact:
        return list(term.words)
    return [w for word in term.words for w in words(fold_text(word))]


@dataclass
class _Passage:
    """The text being searched, with its words found once when a fuzzy term or NEAR needs them."""

    text: str
    syntax: Syntax
    _tokens: list[tuple[int, int, str]] | None = field(default=None, repr=False)

    @property
    def tokens(self) -> list[tuple[int, int, str]]:
        if self._tokens is None:
            self._tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(self.syntax.word, self.text)]
            self.starts = [t[0] for t in self._tokens]
        return self._tokens

    def words_between(self, end: int, start: int) -> int:
        """Words that begin in [end, start): the words between a span ending at `end` and
        one starting at `start`."""
        self.tokens  # noqa: B018 - fills self.starts
        return max(0, bisect_left(self.starts, start) - bisect_left(self.starts, end))


class Matcher:
    """A parsed query, compiled once, applied to many passages."""

    def __init__(self, node: Node, *, exact: bool = False):
        self.node = node
        self.exact = exact
        self.syntax = Syntax.of(exact)
        self.deadline = None
        self._patterns: dict[int, object] = {}
        self._near_enough: dict[tuple[str, str], bool] = {}  # (token, word): within the fuzzy distance
        self._compile(node)

    def _compile(self, node: Node) -> None:
        if isinstance(node, Term):
            if not node.fuzzy:
                parts = [re.escape(w) for w in term_words(node, self.exact)]
                body = self.syntax.gap.join(parts) + (self.syntax.word[:-1] + "*" if node.prefix else "")
                self._patterns[id(node)] = re.compile(self.syntax.start + body + self.syntax.end)
        elif isinstance(node, Regex):
            flags = regex.VERSION0 | (0 if self.exact else regex.IGNORECASE)
            self._patterns[id(node)] = regex.compile(node.pattern if self.exact else fold_pattern(node.pattern),
                                                     flags)
        elif isinstance(node, Not):
            self._compile(node.child)
        elif isinstance(node, Near):
            self._compile(node.left)
            self._compile(node.right)
        else:
            for child in node.children:
                self._compile(child)

    def hits(self, text: str) -> list[Span]:
        """The hits in one passage's text (folded unless exact), merged and in order."""
        if self.deadline is None:
            self.deadline = time.monotonic() + REGEX_SECONDS
        passage = _Passage(text, self.syntax)
        matched, spans = self._eval(self.node, passage)
        return merge(spans) if matched else []

    def _eval(self, node: Node, passage: _Passage) -> tuple[bool, list[Span]]:
        if isinstance(node, Term):
            spans = self._fuzzy(node, passage) if node.fuzzy else \
                [m.span() for m in self._patterns[id(node)].finditer(passage.text)]
            return bool(spans), spans
        if isinstance(node, Regex):
            spans = self._regex(node, passage)
            return bool(spans), spans
        if isinstance(node, Not):
            matched, _ = self._eval(node.child, passage)
            return not matched, []
        if isinstance(node, Near):
            return self._near(node, passage)
        results = [self._eval(child, passage) for child in node.children]
        if isinstance(node, And):
            if not all(matched for matched, _ in results):
                return False, []
            return True, [s for _, spans in results for s in spans]
        matched = [spans for ok, spans in results if ok]
        return bool(matched), [s for spans in matched for s in spans]

    def _regex(self, node: Regex, passage: _Passage) -> list[Span]:
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            return [m.span() for m in self._patterns[id(node)].finditer(passage.text, timeout=remaining)
                    if m.end() > m.start()]
        except TimeoutError:
            raise QueryError(f"The regular expression /{node.pattern}/ takes too long to match in these "
                             "transcripts; make it more specific (fewer repetitions, more literal text).") from None

    def _fuzzy(self, node: Term, passage: _Passage) -> list[Span]:
        wanted = term_words(node, exact=False)
        folded = passage.tokens if not self.exact else \
            [(s, e, fold_text(t)) for s, e, t in passage.tokens]
        spans = []
        n = len(wanted)
        for i in range(len(folded) - n + 1):
            for j, word in enumerate(wanted):
                token = folded[i + j][2]
                if node.prefix and j == n - 1:
                    if not token.startswith(word):
                        break
                else:
                    known = self._near_enough.get((token, word))
                    if known is None:
                        known = self._near_enough[(token, word)] = within_distance(token, word,
                                                                                   fuzzy_distance(word))
                    if not known:
                        break
            else:
                spans.append((folded[i][0], folded[i + n - 1][1]))
        return spans

    def _near(self, node: Near, passage: _Passage) -> tuple[bool, list[Span]]:
        left_ok, left = self._eval(node.left, passage)
        right_ok, right = self._eval(node.right, passage)
        if not (left_ok and right_ok):
            return False, []
        spans = []
        for a in left:
            for b in right:
                first, second = (a, b) if a[0] <= b[0] else (b, a)
                gap = 0 if second[0] < first[1] else passage.words_between(first[1], second[0])
                if gap <= node.distance:
                    spans.append((min(a[0], b[0]), max(a[1], b[1])))
        return bool(spans), spans


def merge(spans: list[Span]) -> list[Span]:
    """Spans in order, those that overlap merged into one (touching ones stay apart)."""
    out: list[list[int]] = []
    for start, end in sorted(set(spans)):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def fold_pattern(pattern: str) -> str:
    """A regular expression for folded text: every character outside an escape that is
    not ASCII folded like the text (é → e, ё → е); ASCII is left for IGNORECASE, so that
    the syntax ((?P<name>...), \\D) keeps its meaning."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        out.append(ch if ch.isascii() else fold_text(ch))
        i += 1
    return "".join(out)
