"""GIN indexes for the household search by kanji name and address, PostgreSQL only.

common.textsearch explains the choice: pg_trgm cannot index two-character Japanese
queries, so each searched text gets a GIN index on jusou_bigrams(text), its characters
and pairs of neighbouring characters. The function is IMMUTABLE, so PostgreSQL keeps the
index up to date on every write, bulk ones included: there is no column to fill and no
data to migrate. Index and function only; on SQLite nothing is created (the search
falls back to LIKE).
"""

from django.db import migrations

from common.textsearch import CREATE_FUNCTION_SQL, DROP_FUNCTION_SQL, FUNCTION

INDEXES = {
    "households_household_name_bigrams": ("households_household", "name"),
    "households_household_address_bigrams": ("households_household", "address"),
    # One index on the whole name: 「山田」, 「花子」 and 「山田花子」 all use it.
    "households_person_name_bigrams": ("households_person", "(family_name || given_name)"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION_SQL)
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({FUNCTION}({expression}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # cases' title index uses the function too; it is dropped first (it depends on this).
    schema_editor.execute(DROP_FUNCTION_SQL)


class Migration(migrations.Migration):
    dependencies = [("households", "0005_related_person_and_eco_map_tie")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
