"""The household's name bigrams on each case row (`household_name_bigrams`, GIN-indexed,
kept by PostgreSQL triggers), PostgreSQL only.

The case list's ?q= matches a case's title or its household's name. The household
branch found the matching households (「山田」: 2,441 of a city's) and probed each for
its cases before the cases were fetched, checked and sorted (20 ms at 100,000
households). With the household's name bigrams on the case row, both branches are one
bitmap OR over the case table's own GIN indexes, filtered and sorted where they are
(4 ms).

The column depends on another table, so it cannot be GENERATED: a BEFORE trigger on
cases fills it when a case is written with its household (INSERT, or an UPDATE naming
household_id: every save() does), and a statement-level trigger on households (with
transition tables: one statement, however many rows) copies a renamed household's new
bigrams to its cases. Django never reads or writes the column (not a model field). On
SQLite nothing is created; the search joins the household by LIKE.
"""

from django.db import migrations

C = "cases_case"
H = "households_household"

CREATE_SQL = [
    f"ALTER TABLE {C} ADD COLUMN IF NOT EXISTS household_name_bigrams text[] "
    "NOT NULL DEFAULT '{}'",
    f"""
    CREATE OR REPLACE FUNCTION jusou_case_household_name() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.household_name_bigrams := coalesce(
            (SELECT name_bigrams FROM {H} WHERE id = NEW.household_id), '{{}}'::text[]);
        RETURN NEW;
    END $$
    """,
    f"""
    CREATE TRIGGER jusou_case_household_name BEFORE INSERT OR UPDATE OF household_id
    ON {C} FOR EACH ROW EXECUTE FUNCTION jusou_case_household_name()
    """,
    f"""
    CREATE OR REPLACE FUNCTION jusou_household_renamed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {C} c SET household_name_bigrams = n.name_bigrams
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE c.household_id = n.id AND n.name_bigrams IS DISTINCT FROM o.name_bigrams;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER jusou_household_renamed AFTER UPDATE ON {H}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jusou_household_renamed()
    """,
    f"""
    UPDATE {C} c SET household_name_bigrams = h.name_bigrams
    FROM {H} h WHERE h.id = c.household_id
    """,
    f"CREATE INDEX IF NOT EXISTS {C}_household_name_bigrams ON {C} "
    "USING gin (household_name_bigrams)",
    f"ANALYZE {C}",
]

DROP_SQL = [
    f"DROP TRIGGER IF EXISTS jusou_household_renamed ON {H}",
    f"DROP TRIGGER IF EXISTS jusou_case_household_name ON {C}",
    "DROP FUNCTION IF EXISTS jusou_household_renamed()",
    "DROP FUNCTION IF EXISTS jusou_case_household_name()",
    f"ALTER TABLE {C} DROP COLUMN IF EXISTS household_name_bigrams",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in CREATE_SQL:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP_SQL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_support_record_next_visit"),
        ("households", "0008_household_member_name_bigrams"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
