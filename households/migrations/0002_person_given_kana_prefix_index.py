"""A prefix (LIKE 'ヤマ%') index on Person.given_name_kana, PostgreSQL only.

household_search matches name_kana OR given_name_kana by prefix; name_kana already has
Django's varchar_pattern_ops "_like" index (db_index=True), so with this one PostgreSQL
can answer the OR with a BitmapOr of two index scans. On SQLite nothing is created.
Index additions only.
"""

from django.db import migrations

INDEX = "households_person_given_kana_like"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} "
        "ON households_person (given_name_kana varchar_pattern_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
