"""On PostgreSQL the reads that run on every click are prepared statements: planned once
per connection, run as EXECUTE from then on, one query each time, with the rows the plain
SQL gives (apps/projects/compiled.py). On SQLite they run as they are."""
import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.coding.models import Code, Segment
from apps.coding.services import segment_create
from apps.projects import compiled
from apps.projects.compiled import execute_prepared, execute_prepared_together, model_columns, objects_prepared
from apps.projects.models import Activity
from tests.conftest import phrase_span

SQL = "SELECT id, name FROM coding_code WHERE project_id = %s AND name LIKE %s ORDER BY id"

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements of PostgreSQL")


def rows(sql=SQL, params=()):
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        return cursor.fetchall()


def prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'casecoder%%'")
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def coded(transcript, owner, threat):
    start, end = phrase_span(transcript, "Moscow wanted it")
    return segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])


def test_the_rows_are_those_of_the_plain_sql_each_time_in_one_query(project, threat, russian_interest):
    with connection.cursor() as cursor:
        cursor.execute(SQL, [project.pk, "%"])
        expected = cursor.fetchall()
    assert len(expected) >= 2
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert rows(params=[project.pk, "%"]) == expected
        assert len(queries) == 1
    assert rows(params=[project.pk, "Threat%"]) == [(threat.pk, threat.name)]  # a literal % as a value


@on_postgres
def test_a_statement_is_prepared_once_per_connection_then_executed(project, threat):
    before = prepared_here()
    fresh = f"{SQL} -- a statement this connection has not run"  # a comment ends the statement's line
    with CaptureQueriesContext(connection) as queries:
        rows(fresh, [project.pk, "%"])
        rows(fresh, [project.pk, "T%"])
    first, second = (q["sql"] for q in queries.captured_queries)
    assert first.startswith("PREPARE casecoder_") and "EXECUTE" in first
    assert second.startswith("EXECUTE casecoder_")
    assert len(prepared_here() - before) == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again(project, threat):
    rows(params=[project.pk, "%"])
    connection.close()  # as when the server ended it: the next read opens another
    with CaptureQueriesContext(connection) as queries:
        assert rows(params=[project.pk, "%"])
    assert queries.captured_queries[0]["sql"].startswith("PREPARE casecoder_")


@on_postgres
def test_a_failed_first_run_is_prepared_again_under_another_name(project, threat):
    failing = "SELECT id FROM coding_code WHERE project_id = %s AND id / %s > 0 ORDER BY id"
    with pytest.raises(DataError), transaction.atomic():
        rows(failing, [project.pk, 0])  # division by zero, after the statement was prepared
    with CaptureQueriesContext(connection) as queries:
        found = rows(failing, [project.pk, 1])
    assert found == list(Code.objects.filter(project=project).order_by("id").values_list("id"))
    assert queries.captured_queries[0]["sql"].startswith("PREPARE casecoder_")  # a new name: no clash


@on_postgres
def test_values_of_other_types_run_as_plain_sql(project, threat):
    with CaptureQueriesContext(connection) as queries:
        by_name = "SELECT id FROM coding_code WHERE project_id = %s AND name = ANY(%s)"
        assert rows(by_name, [project.pk, [threat.name]]) == [(threat.pk,)]
        assert rows("SELECT id FROM coding_code WHERE project_id = %s AND id = ANY(%s)", [project.pk, []]) == []
    assert all(q["sql"].startswith("SELECT") for q in queries.captured_queries)


@on_postgres
def test_a_list_of_ids_is_one_array_parameter_whatever_its_length(project, threat, russian_interest):
    sql = "SELECT id FROM coding_code WHERE project_id = %s AND id = ANY(%s) ORDER BY id"
    before = prepared_here()
    assert rows(sql, [project.pk, [threat.pk]]) == [(threat.pk,)]
    with CaptureQueriesContext(connection) as queries:
        both = rows(sql, [project.pk, [russian_interest.pk, threat.pk]])
    assert both == sorted([(threat.pk,), (russian_interest.pk,)])
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE casecoder_")
    assert len(prepared_here() - before) == 1


def test_statements_run_together_leave_the_cursor_at_the_last_one_s_rows(project, threat, russian_interest):
    statements = [("SELECT COUNT(*) FROM coding_code WHERE project_id = %s", [project.pk]), (SQL, [project.pk, "%"])]
    for _ in range(2):
        with connection.cursor() as cursor:
            execute_prepared_together(cursor, statements)
            assert cursor.fetchall() == rows(params=[project.pk, "%"])


@on_postgres
def test_statements_run_together_go_in_one_query_each_prepared_once(project, threat):
    first_sql = "SELECT pg_advisory_xact_lock(%s::int, %s::int) -- taken, then the read"
    statements = [(first_sql, [7_302, project.pk]), (f"{SQL} -- after a lock", [project.pk, "%"])]
    before = prepared_here()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
            execute_prepared_together(cursor, statements)
            assert cursor.fetchall() == [(threat.pk, threat.name)]
        assert len(queries) == 1
    assert queries.captured_queries[0]["sql"].startswith("EXECUTE casecoder_")
    assert len(prepared_here() - before) == 2


@on_postgres
def test_each_coded_passage_stores_its_case_memberships_with_the_same_prepared_statements(
        transcript, owner, threat, coded):
    """The write after every click: the segment's ids are an array, so the statements are
    the same each time and planned once per connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%INSERT INTO \"coding_casemembership\"%"])
        storing = {name for (name,) in cursor.fetchall()}
    assert storing, "the memberships of the first passage were not stored by prepared statements"
    known = prepared_here()
    start, end = phrase_span(transcript, "The members feared")
    segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    assert prepared_here() == known


@on_postgres
def test_a_coded_passage_s_own_rows_are_written_by_statements_prepared_once(transcript, owner, threat, coded):
    """The segment, whose trash columns are empty (NULL), and its history row, whose
    snapshot is JSON, are prepared as well: each value takes its column's type."""
    def inserting(table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
                           [f'%INSERT INTO "{table}"%'])
            return {name for (name,) in cursor.fetchall()}

    assert inserting("coding_segment") and inserting("projects_activity")
    known = prepared_here()
    start, end = phrase_span(transcript, "The members feared")
    second = segment_create(transcript=transcript, start=start, end=end, coder=owner, codes=[threat])
    assert prepared_here() == known
    stored = Segment.objects.get(pk=second.pk)
    assert (stored.deleted_at, stored.deleted_by_id, stored.quote) == (None, None, "The members feared")
    history = Activity.objects.get(target_type="segment", target_id=second.pk)
    assert history.before is None and history.after["codes"] == {threat.name: ""}
    assert history.segment_transcript == transcript.pk


@on_postgres
def test_turned_off_the_reads_run_as_plain_sql(project, threat, settings):
    settings.CASECODER_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as queries:
        assert rows(params=[project.pk, "%"])
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_a_written_read_builds_the_models_as_raw_does(project, threat, russian_interest, coded):
    sql = f"SELECT {model_columns(Code, 'code')}, 7 AS extra FROM coding_code code WHERE code.project_id = %s " \
          "ORDER BY code.id"
    expected = list(Code.objects.raw(sql, [project.pk]))
    for _ in range(2):
        found = objects_prepared(Code, sql, [project.pk], extra=["extra"])
        assert [(c.pk, c.name, c.colour, c.levels, c.created_at, c.extra) for c in found] \
            == [(c.pk, c.name, c.colour, c.levels, c.created_at, c.extra) for c in expected]
        assert all(type(c.created_at) is type(e.created_at) for c, e in zip(found, expected))


def test_a_written_read_of_some_fields_leaves_the_others_deferred(project, threat, coded):
    fields = ("id", "name", "parent")
    sql = f"SELECT {model_columns(Code, 'code', fields)} FROM coding_code code WHERE code.id = %s"
    code, = objects_prepared(Code, sql, [threat.pk], fields=fields)
    assert (code.pk, code.name, code.parent_id) == (threat.pk, threat.name, threat.parent_id)
    assert "colour" in code.get_deferred_fields()
    assert code.colour == threat.colour  # read when first asked for, as after .only()


@on_postgres
def test_a_column_added_by_a_newer_release_leaves_the_prepared_reads_working(project, threat, coded):
    """During a rolling release a server that runs the old code keeps its prepared
    statements while the new one adds a column: the reads name their columns."""
    from apps.coding.selectors import code_tree

    for _ in range(2):
        before = [(node.code.pk, node.code.n_segments) for node in code_tree(project=project)]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's rows are checked before the change
        cursor.execute("ALTER TABLE coding_code ADD COLUMN added_by_a_newer_release integer")
    assert [(node.code.pk, node.code.n_segments) for node in code_tree(project=project)] == before


@on_postgres
def test_beyond_the_most_a_connection_prepares_the_reads_run_as_plain_sql(project, threat, monkeypatch):
    rows(params=[project.pk, "%"])
    monkeypatch.setattr(compiled, "MOST_PREPARED", len(connection.casecoder_prepared.names))
    with CaptureQueriesContext(connection) as queries:
        assert rows(f"{SQL} -- one more", [project.pk, "%"]) == rows(params=[project.pk, "%"])
    first, second = (q["sql"] for q in queries.captured_queries)
    assert first.startswith("SELECT") and second.startswith("EXECUTE casecoder_")  # the known one still runs
