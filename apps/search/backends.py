"""The database's part of the search: storing passages in its full-text index, and
translating a parsed query into a condition that narrows the passages down.

PostgreSQL keeps a `lexemes` tsvector column (GIN index) and a trigram index (pg_trgm) on
`folded`; SQLite a `words` column indexed by the FTS5 table `search_passage_fts` (rowid =
passage id, filled by triggers). Both index the same thing, the folded words of each passage as apps/search/text.py cuts them,
separated by single spaces, so that neither database's own word rules decide anything.

The condition is a superset of what matches: it may let through passages without a hit
(apps/search/matching.py then finds none), never drop one with a hit. So it keeps only
what is safe in both databases: the words of a term must all be in the passage (PostgreSQL
without positions: a tsvector keeps at most 256 positions per word); a fuzzy word must
contain one of its pieces (split a word into k + 1 pieces, and k edits leave one whole);
a regular expression must contain its literal text; NOT narrows nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from .matching import fuzzy_distance, term_words
from .query import And, Near, Node, Not, Or, Regex, Term, required_literals
from .text import fold_text

PASSAGE_TABLE = "search_passage"
FTS_TABLE = "search_passage_fts"

Condition = tuple[str, list] | None  # SQL on the passage table as `p`, with its parameters; None: no narrowing

@dataclass(frozen=True)
class PassageRow:
    project_id: int
    transcript_id: int
    paragraph: int
    start: int
    end: int
    folded: str
    shifted: bool
    words: str  # the folded words separated by spaces: what the full-text index reads


def passages_delete(cursor, transcript_ids: list[int]) -> None:
    """Remove the passages of these transcripts (SQLite's trigger takes them out of FTS5)."""
    if transcript_ids:
        cursor.execute(f"DELETE FROM {PASSAGE_TABLE} WHERE transcript_id IN ({', '.join(['%s'] * len(transcript_ids))})",
                       list(transcript_ids))


def passages_insert(cursor, rows: list[PassageRow], vendor: str | None = None) -> None:
    """Store passages with their full-text index, in a fixed number of statements."""
    if not rows:
        return
    vendor = vendor or connection.vendor
    if vendor == "postgresql":
        cursor.execute(
            f"INSERT INTO {PASSAGE_TABLE} (project_id, transcript_id, paragraph, start, \"end\", folded, shifted, lexemes) "
            "SELECT pr, tr, pa, st, en, fo, sh, strip(to_tsvector('simple', wo)) "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::int[], %s::text[], %s::bool[], "
            "%s::text[]) AS u(pr, tr, pa, st, en, fo, sh, wo)",
            [[r.project_id for r in rows], [r.transcript_id for r in rows], [r.paragraph for r in rows],
             [r.start for r in rows], [r.end for r in rows], [r.folded for r in rows], [r.shifted for r in rows],
             [r.words for r in rows]])
        return
    cursor.executemany(  # the triggers of the migration index the words in the FTS5 table
        f"INSERT INTO {PASSAGE_TABLE} (project_id, transcript_id, paragraph, start, \"end\", folded, shifted, words) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        [(r.project_id, r.transcript_id, r.paragraph, r.start, r.end, r.folded, r.shifted, r.words) for r in rows])


# --- narrowing ---------------------------------------------------------------------------------

def condition(node: Node, *, vendor: str | None = None) -> Condition:
    """The SQL condition on passages `p` that every passage with a hit of `node` meets."""
    vendor = vendor or connection.vendor
    if isinstance(node, Term):
        return _term(node, vendor)
    if isinstance(node, Regex):
        return _all([_like(fold_text(literal)) for literal in required_literals(node.pattern)])
    if isinstance(node, Not):
        return None
    if isinstance(node, Near):
        return _all([condition(node.left, vendor=vendor), condition(node.right, vendor=vendor)])
    parts = [condition(child, vendor=vendor) for child in node.children]
    if isinstance(node, And):
        return _all(parts)
    assert isinstance(node, Or)
    if any(part is None for part in parts):
        return None
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def _term(term: Term, vendor: str) -> Condition:
    folded = term_words(term, exact=False)
    if not folded:
        return None
    exact_words, prefix = folded, term.prefix
    parts: list[Condition] = []
    if term.fuzzy:
        last = len(folded) - 1
        exact_words = [w for i, w in enumerate(folded)
                       if fuzzy_distance(w) == 0 and not (prefix and i == last)]
        parts += [_pieces(w) for i, w in enumerate(folded) if fuzzy_distance(w) > 0 and not (prefix and i == last)]
        if prefix:
            parts.append(_fts([folded[-1]], True, vendor))
        prefix = False
        parts += [_fts([w], False, vendor) for w in exact_words]
    else:
        parts.append(_fts(exact_words, prefix, vendor))
    return _all(parts)


def _fts(words: list[str], prefix: bool, vendor: str) -> Condition:
    if vendor == "postgresql":
        query = " & ".join(words) + (":*" if prefix else "")
        # A word the parser of PostgreSQL reads as nothing leaves an empty query: no narrowing then.
        return ("(numnode(to_tsquery('simple', %s)) = 0 OR p.lexemes @@ to_tsquery('simple', %s))",
                [query, query])
    phrase = '"' + " ".join(words) + '"' + ("*" if prefix else "")
    return f"p.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)", [phrase]


def _like(text: str) -> Condition:
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "p.folded LIKE %s ESCAPE '\\'", [f"%{escaped}%"]


def _pieces(word: str) -> Condition:
    """A word within k edits of `word` contains one of its k + 1 pieces unchanged."""
    k = fuzzy_distance(word)
    size, extra = divmod(len(word), k + 1)
    pieces, at = [], 0
    for i in range(k + 1):
        length = size + (1 if i < extra else 0)
        pieces.append(word[at:at + length])
        at += length
    parts = [_like(piece) for piece in pieces]
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def _all(parts: list[Condition]) -> Condition:
    given = [p for p in parts if p is not None]
    if not given:
        return None
    if len(given) == 1:
        return given[0]
    return "(" + " AND ".join(sql for sql, _ in given) + ")", [p for _, params in given for p in params]
