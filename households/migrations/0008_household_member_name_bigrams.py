"""A household-level GIN-indexed array of its current members' name bigrams, kept by
PostgreSQL triggers, PostgreSQL only.

The search by kanji name looked for each matching person (「山田」: 6,000 of a city's
persons) and probed each one's current membership to reach its household, then
gathered and de-duplicated those ids before joining them to what the user may see.
`households_household.member_name_bigrams` holds the union of the current members'
`name_bigrams` (households 0007), so the same question is one more GIN index on the
household row itself: name, address and members become one bitmap OR over the
household table. A two-character term is a token of one member's name, so holding it
is having a member whose name contains it; a longer term's pairs may come from two
different members, and the search rechecks those households' members by LIKE.

Unlike 0007's columns, this one depends on other rows, so it cannot be GENERATED.
Statement-level triggers (with transition tables, so a bulk_create or a COPY of
250,000 memberships refreshes each household once, not once per row) keep it right
whatever writes: a membership inserted, deleted, ended, reopened or moved, and a person
renamed. Django never reads or writes the column (it is not a model field). On SQLite
nothing is created (the search tests members by LIKE).
"""

from django.db import migrations

H = "households_household"
M = "households_householdmembership"
P = "households_person"
REFRESH = "jusou_refresh_member_name_bigrams"

BIGRAMS_OF = (
    f"SELECT array_agg(DISTINCT t.token) FROM {M} m JOIN {P} p ON p.id = m.person_id "
    "CROSS JOIN LATERAL unnest(p.name_bigrams) AS t(token) "
    "WHERE m.household_id = x.id AND m.until IS NULL"
)

CREATE_SQL = [
    f"ALTER TABLE {H} ADD COLUMN IF NOT EXISTS member_name_bigrams text[] NOT NULL DEFAULT '{{}}'",
    # Recompute the arrays of the given households. The rows are locked first and read
    # in the next statement (a new snapshot in READ COMMITTED): two transactions adding
    # members to one household at once then both count the other's committed member.
    f"""
    CREATE OR REPLACE FUNCTION {REFRESH}(household_ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        IF household_ids IS NULL OR cardinality(household_ids) = 0 THEN
            RETURN;
        END IF;
        PERFORM 1 FROM {H} WHERE id = ANY(household_ids) ORDER BY id FOR UPDATE;
        UPDATE {H} h SET member_name_bigrams = n.bigrams
        FROM (
            SELECT x.id, coalesce(({BIGRAMS_OF}), '{{}}'::text[]) AS bigrams
            FROM unnest(household_ids) AS x(id)
        ) n
        WHERE h.id = n.id AND h.member_name_bigrams IS DISTINCT FROM n.bigrams;
    END $$
    """,
    # Memberships: the households of current memberships inserted or deleted, and on
    # both sides of an update that moved, ended, reopened or re-pointed one.
    f"""
    CREATE OR REPLACE FUNCTION jusou_memberships_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM {REFRESH}(ARRAY(
                SELECT DISTINCT household_id FROM new_rows WHERE until IS NULL));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM {REFRESH}(ARRAY(
                SELECT DISTINCT household_id FROM old_rows WHERE until IS NULL));
        ELSE
            PERFORM {REFRESH}(ARRAY(
                SELECT o.household_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE o.until IS NULL AND (n.until IS NOT NULL
                    OR n.household_id <> o.household_id OR n.person_id <> o.person_id)
                UNION
                SELECT n.household_id FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE n.until IS NULL AND (o.until IS NOT NULL
                    OR n.household_id <> o.household_id OR n.person_id <> o.person_id)));
        END IF;
        RETURN NULL;
    END $$
    """,
    # Persons: the current households of those whose name changed.
    f"""
    CREATE OR REPLACE FUNCTION jusou_persons_renamed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM {REFRESH}(ARRAY(
            SELECT DISTINCT m.household_id FROM new_rows n
            JOIN old_rows o ON o.id = n.id
            JOIN {M} m ON m.person_id = n.id AND m.until IS NULL
            WHERE n.name_bigrams IS DISTINCT FROM o.name_bigrams));
        RETURN NULL;
    END $$
    """,
    # A trigger with transition tables handles one event (PostgreSQL's rule), hence three.
    f"""
    CREATE TRIGGER jusou_memberships_inserted AFTER INSERT ON {M}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jusou_memberships_changed()
    """,
    f"""
    CREATE TRIGGER jusou_memberships_updated AFTER UPDATE ON {M}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jusou_memberships_changed()
    """,
    f"""
    CREATE TRIGGER jusou_memberships_deleted AFTER DELETE ON {M}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jusou_memberships_changed()
    """,
    f"""
    CREATE TRIGGER jusou_persons_renamed AFTER UPDATE ON {P}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jusou_persons_renamed()
    """,
    # The existing households, in one pass over the current memberships.
    f"""
    UPDATE {H} h SET member_name_bigrams = a.bigrams
    FROM (
        SELECT m.household_id, array_agg(DISTINCT t.token) AS bigrams
        FROM {M} m JOIN {P} p ON p.id = m.person_id
        CROSS JOIN LATERAL unnest(p.name_bigrams) AS t(token)
        WHERE m.until IS NULL GROUP BY m.household_id
    ) a
    WHERE h.id = a.household_id
    """,
    f"CREATE INDEX IF NOT EXISTS {H}_member_name_bigrams ON {H} USING gin (member_name_bigrams)",
    # The planner's statistics for the new column, before the first search.
    f"ANALYZE {H}",
]

DROP_SQL = [
    f"DROP TRIGGER IF EXISTS jusou_persons_renamed ON {P}",
    f"DROP TRIGGER IF EXISTS jusou_memberships_deleted ON {M}",
    f"DROP TRIGGER IF EXISTS jusou_memberships_updated ON {M}",
    f"DROP TRIGGER IF EXISTS jusou_memberships_inserted ON {M}",
    "DROP FUNCTION IF EXISTS jusou_persons_renamed()",
    "DROP FUNCTION IF EXISTS jusou_memberships_changed()",
    f"DROP FUNCTION IF EXISTS {REFRESH}(bigint[])",
    f"ALTER TABLE {H} DROP COLUMN IF EXISTS member_name_bigrams",
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
    dependencies = [("households", "0007_text_search_bigram_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
