"""GIN index for the case list's search by title (?q=), PostgreSQL only: the same
jusou_bigrams expression index as households 0006 (see common.textsearch). The case
list also matches the household's name, which that migration indexes."""

from django.db import migrations

from common.textsearch import FUNCTION

NAME = "cases_case_title_bigrams"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON cases_case USING gin ({FUNCTION}(title))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_reminders_and_preferences"),
        ("households", "0006_text_search_bigram_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
