"""Prefix indexes that also give the search's order, PostgreSQL only.

household_search_page walks persons in ふりがな order (byte order, ORDER BY ... USING
~<~) with the person's id breaking ties, and stops after one page. With (column
varchar_pattern_ops, id) PostgreSQL reads exactly that far; with the column alone it
must sort every person of a common name (hundreds at a city's desk) first. The
composite on given_name_kana replaces 0002's single-column one, which it covers.
Index changes only; on SQLite nothing is created.
"""

from django.db import migrations

INDEXES = {
    "households_person_name_kana_walk": "name_kana varchar_pattern_ops, id",
    "households_person_given_kana_walk": "given_name_kana varchar_pattern_ops, id",
}
OLD = "households_person_given_kana_like"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON households_person ({columns})")
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD} ON households_person (given_name_kana varchar_pattern_ops)"
    )
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("households", "0002_person_given_kana_prefix_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
