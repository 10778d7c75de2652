"""A GIN-indexed bigram column for the case list's search by title (?q=), PostgreSQL
only: the generated `title_bigrams` column of households 0006's kind (see
common.textsearch), kept up to date by PostgreSQL on every write. The case list also
matches the household's name, which that migration indexes."""

from django.db import migrations

from common.textsearch import FUNCTION


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS title_bigrams text[] "
        f"GENERATED ALWAYS AS ({FUNCTION}(title)) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS cases_case_title_bigrams ON cases_case "
        "USING gin (title_bigrams)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE cases_case DROP COLUMN IF EXISTS title_bigrams")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_cases_attachments"),
        ("households", "0007_text_search_bigram_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
