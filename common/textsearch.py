"""Substring search over Japanese text (names, addresses, case titles) served by an index.

Japanese has no spaces to split words on, and pg_trgm (postgresql-contrib) extracts
trigrams of alphanumeric words only: a two-character query such as 「山田」 gives it no
trigram, so it cannot use its index. Instead each searched column has a GIN index on
`jusou_bigrams(column)`: the column's distinct characters and two-character pairs, as a
text[]. A query term's pairs (or its one character) must all be in that array (`@>`,
answered by the GIN index); the LIKE on the same row then removes the rows that hold the
pairs but not the term itself (「山本田」 has 「山」 and 「田」 but not 「山田」).

Why an expression index rather than a stored column: `jusou_bigrams` is an IMMUTABLE SQL
function of the column alone, so PostgreSQL computes it on every INSERT and UPDATE,
whichever path wrote the row (save(), bulk_create, QuerySet.update, COPY, raw SQL).
Nothing can forget to fill it and no data migration is needed to backfill it.

On SQLite (the embedded default) the same SQL is built without the index condition:
a plain LIKE over the candidates, slower but the same answers.
"""

from django.db import connections

FUNCTION = "jusou_bigrams"

# Created by the migrations that index with it (households, cases); CREATE OR REPLACE
# keeps both idempotent. Characters one by one, and each pair of neighbours.
CREATE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT token), '{{}}'::text[])
    FROM (
        SELECT substr(value, i, 1) AS token FROM generate_series(1, char_length(value)) AS i
        UNION ALL
        SELECT substr(value, i, 2) FROM generate_series(1, char_length(value) - 1) AS i
    ) AS tokens
$$
"""
DROP_FUNCTION_SQL = f"DROP FUNCTION IF EXISTS {FUNCTION}(text)"


def tokens(term: str) -> list[str]:
    """What an indexed value must contain for `term` to be in it: its pairs of
    neighbouring characters, or the character itself for a one-character term."""
    if len(term) == 1:
        return [term]
    return sorted({term[i : i + 2] for i in range(len(term) - 1)})


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains_sql(expression: str, term: str, *, alias: str = "default") -> tuple[str, list]:
    """An SQL condition "expression contains term" (as Django's __contains), served by
    the GIN index on jusou_bigrams(expression) on PostgreSQL. `expression` must be the
    very expression the index was built on (e.g. `h.name`, or
    `(p.family_name || p.given_name)`), or PostgreSQL cannot use the index."""
    like = f"{expression} LIKE %s ESCAPE '\\'"
    if connections[alias].vendor != "postgresql" or not term:
        return like, [like_pattern(term)]
    return f"{FUNCTION}({expression}) @> %s::text[] AND {like}", [
        tokens(term),
        like_pattern(term),
    ]
