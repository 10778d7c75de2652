"""GIN-indexed bigram columns for the household search by kanji name and address,
PostgreSQL only.

common.textsearch explains the choice: pg_trgm cannot index two-character Japanese
queries, so each searched text gets a generated column `..._bigrams text[]` (its
characters and pairs of neighbouring characters, computed by the IMMUTABLE function
jusou_bigrams) with a GIN index. PostgreSQL computes a GENERATED ... STORED column on
every INSERT and UPDATE, whatever wrote the row (save(), bulk_create, QuerySet.update,
COPY, raw SQL), and fills it for the existing rows when the column is added: no writer
has anything to call and no data migration is needed. The columns are not model fields:
Django never writes them, the searches read them in SQL. On SQLite nothing is created
(the search falls back to LIKE).
"""

from django.db import migrations

from common.textsearch import CREATE_FUNCTION_SQL, DROP_FUNCTION_SQL, FUNCTION

COLUMNS = [
    # (table, column, expression)
    ("households_household", "name_bigrams", "name"),
    ("households_household", "address_bigrams", "address"),
    # One column for the whole name: 「山田」, 「花子」 and 「山田花子」 all use it.
    ("households_person", "name_bigrams", "family_name || given_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION_SQL)
    for table, column, expression in COLUMNS:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} text[] "
            f"GENERATED ALWAYS AS ({FUNCTION}({expression})) STORED"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} USING gin ({column})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _expression in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")
    # cases 0006 uses the function too; it is reversed first (it depends on this one).
    schema_editor.execute(DROP_FUNCTION_SQL)


class Migration(migrations.Migration):
    dependencies = [("households", "0006_households_attachments")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
