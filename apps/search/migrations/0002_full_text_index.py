"""The full-text machinery of each database on the passage table, and the passages of the
transcripts that exist already.

PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13: the database's owner may
create it), a `lexemes` tsvector column with a GIN index, and a trigram GIN index on
`folded` for fuzzy words and regular expressions. SQLite: a `words` column indexed by an
external-content FTS5 table whose rowid is the passage's id, kept in step by triggers.
"""
from django.db import migrations

from apps.search.backends import passages_delete, passages_insert
from apps.search.index import passage_rows

SCHEMA = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "ALTER TABLE search_passage ADD COLUMN lexemes tsvector",
        "CREATE INDEX search_passage_lexemes ON search_passage USING gin (lexemes)",
        "CREATE INDEX search_passage_folded_trgm ON search_passage USING gin (folded gin_trgm_ops)",
    ],
    "sqlite": [
        # The folded words, separated by spaces (apps/search/text.py), in a column of the
        # passage table that an external-content FTS5 table indexes; triggers keep the index
        # in step with every insert and delete. remove_diacritics 0: the words are folded.
        "ALTER TABLE search_passage ADD COLUMN words text",
        "CREATE VIRTUAL TABLE search_passage_fts USING fts5(words, content = 'search_passage', "
        "content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0')",
        "CREATE TRIGGER search_passage_fts_insert AFTER INSERT ON search_passage "
        "BEGIN INSERT INTO search_passage_fts (rowid, words) VALUES (new.id, new.words); END",
        "CREATE TRIGGER search_passage_fts_delete AFTER DELETE ON search_passage "
        "BEGIN INSERT INTO search_passage_fts (search_passage_fts, rowid, words) VALUES ('delete', old.id, old.words); "
        "END",
    ],
}
SCHEMA_REVERSE = {
    "postgresql": ["DROP INDEX IF EXISTS search_passage_folded_trgm", "DROP INDEX IF EXISTS search_passage_lexemes",
                   "ALTER TABLE search_passage DROP COLUMN IF EXISTS lexemes"],
    "sqlite": ["DROP TRIGGER IF EXISTS search_passage_fts_delete", "DROP TRIGGER IF EXISTS search_passage_fts_insert",
               "DROP TABLE IF EXISTS search_passage_fts", "ALTER TABLE search_passage DROP COLUMN words"],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


def fill(apps, schema_editor):
    """Passages for every transcript stored before the search existed, 50 transcripts at a time."""
    Transcript = apps.get_model("transcripts", "Transcript")
    Turn = apps.get_model("transcripts", "Turn")
    ids = list(Transcript.objects.order_by("pk").values_list("pk", flat=True))
    with schema_editor.connection.cursor() as cursor:
        for i in range(0, len(ids), 50):
            chunk = ids[i:i + 50]
            turns = {}
            for tid, number, start, end in (Turn.objects.filter(transcript_id__in=chunk).order_by("number")
                                            .values_list("transcript_id", "number", "start", "end")):
                turns.setdefault(tid, []).append((number, start, end))
            rows = []
            for tid, project_id, text in Transcript.objects.filter(pk__in=chunk).values_list("pk", "project_id",
                                                                                            "text"):
                rows += passage_rows(project_id=project_id, transcript_id=tid, text=text, turns=turns.get(tid, []))
            passages_delete(cursor, chunk)
            passages_insert(cursor, rows, vendor=schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("transcripts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(SCHEMA), _run(SCHEMA_REVERSE)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
