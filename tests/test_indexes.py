"""The tables every coding click writes carry no index that another one makes redundant.

Each index is written on every insert (and on every update of its columns: trashing a
segment), so one whose columns lead another index of the same table costs each click and
answers nothing the other does not (#19). Read from the database itself, as migrated.
"""
import pytest
from django.db import connection

from apps.coding.models import CaseMembership, Coding, Segment
from apps.projects.models import Activity

WRITTEN_ON_EVERY_CLICK = [Segment, Coding, Activity, CaseMembership]


def redundant_indexes(model) -> list[tuple[str, str]]:
    """(index, the index that covers it): a non-unique index whose columns lead another
    index that holds every row (not a partial one)."""
    partial = {index.name for index in model._meta.indexes if index.condition is not None}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    indexes = {name: c for name, c in constraints.items()
               if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]}
    return sorted((name, other) for name, index in indexes.items() for other, covering in indexes.items()
                  if other != name and other not in partial and not index["unique"]
                  and covering["columns"][:len(index["columns"])] == index["columns"])


@pytest.mark.django_db
@pytest.mark.parametrize("model", WRITTEN_ON_EVERY_CLICK, ids=lambda model: model.__name__)
def test_no_index_only_repeats_the_leading_columns_of_another(model):
    assert redundant_indexes(model) == []


@pytest.mark.django_db
def test_the_check_finds_an_index_that_another_covers():
    table = connection.ops.quote_name(Activity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX redundant_for_the_test ON {table} (project_id, target_type)")
    assert ("redundant_for_the_test", "projects_ac_project_0e108b_idx") in redundant_indexes(Activity)
