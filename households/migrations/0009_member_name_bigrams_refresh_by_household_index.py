"""The member-name refresh (households 0008) reads each household's current members
through the membership table's household index only, PostgreSQL only.

0008's function asked for `household_id = x.id AND until IS NULL`. Right after a bulk
load (seed_city's COPY of 250,000 memberships, an import) the table has no statistics
yet, and PostgreSQL took the partial index `one_current_household` (every current
membership) for a small one: it ANDed a bitmap of the whole partial index with the
household's for each household refreshed, a time that grew with the square of the
households loaded (8,000: 4.9 s; 100,000: did not finish in ten minutes). The members
are now read by household id alone, behind OFFSET 0, and the current ones kept after:
one index probe a household, whatever the statistics say.
"""

from django.db import migrations

H = "households_household"
M = "households_householdmembership"
P = "households_person"
REFRESH = "jusou_refresh_member_name_bigrams"


def _refresh(members_of: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION {REFRESH}(household_ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        IF household_ids IS NULL OR cardinality(household_ids) = 0 THEN
            RETURN;
        END IF;
        PERFORM 1 FROM {H} WHERE id = ANY(household_ids) ORDER BY id FOR UPDATE;
        UPDATE {H} h SET member_name_bigrams = n.bigrams
        FROM (
            SELECT x.id, coalesce((
                SELECT array_agg(DISTINCT t.token) FROM ({members_of}) m
                JOIN {P} p ON p.id = m.person_id
                CROSS JOIN LATERAL unnest(p.name_bigrams) AS t(token)
                WHERE m.until IS NULL
            ), '{{}}'::text[]) AS bigrams
            FROM unnest(household_ids) AS x(id)
        ) n
        WHERE h.id = n.id AND h.member_name_bigrams IS DISTINCT FROM n.bigrams;
    END $$
    """


FORWARD = _refresh(
    f"SELECT m0.person_id, m0.until FROM {M} m0 WHERE m0.household_id = x.id OFFSET 0"
)
# 0008's function, for unapplying.
BACKWARD = _refresh(f"SELECT m0.person_id, m0.until FROM {M} m0 WHERE m0.household_id = x.id")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("households", "0008_household_member_name_bigrams")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
