"""Substring search over Japanese text (names, addresses, case titles) served by an index.

Japanese has no spaces to split words on, and pg_trgm (postgresql-contrib) extracts
trigrams of alphanumeric words only: a two-character query such as 「山田」 gives it no
trigram, so it cannot use its index. Instead each searched text has a GIN-indexed
column `<text>_bigrams`, jusou_bigrams(text): its distinct characters and pairs of
neighbouring characters, as a text[]. A query term's pairs (or its one character) must
all be in that array (`@>`, answered by the GIN index); for a term of three characters
or more the LIKE on the same row then removes the rows that hold the pairs but not the
term itself (「山田・田中」 holds both pairs of 「山田中」 without containing it).

Why a generated column (GENERATED ALWAYS AS (jusou_bigrams(name)) STORED) rather than
a column the application fills: `jusou_bigrams` is an IMMUTABLE SQL function of the row
alone, so PostgreSQL computes it on every INSERT and UPDATE, whichever path wrote the
row (save(), bulk_create, QuerySet.update, COPY, raw SQL): no writer can forget it, and
adding the column filled it for existing rows. Why not an expression index on
jusou_bigrams(name) without a column: where PostgreSQL prefers reading the whole table
(a term in most rows, 「丁目」), it would call the function on every row (3 s for
100,000 households); the stored array is compared in a microsecond.

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


def contains_sql(
    expression: str, term: str, *, bigrams: str, alias: str = "default"
) -> tuple[str, list]:
    """An SQL condition "expression contains term" (as Django's __contains), served on
    PostgreSQL by the GIN index on the generated column `bigrams` (jusou_bigrams of
    that expression, e.g. `h.name_bigrams` for `h.name`)."""
    like = f"{expression} LIKE %s ESCAPE '\\'"
    if connections[alias].vendor != "postgresql" or not term:
        return like, [like_pattern(term)]
    indexed = f"{bigrams} @> %s::text[]"
    if len(term) <= 2:
        # The term is its own token: holding it is containing the term, no LIKE needed.
        # (Without the LIKE, PostgreSQL estimates the rows from the column's statistics,
        # and a term in most rows, 「丁目」, gets hash joins instead of 100,000 probes.)
        return indexed, [tokens(term)]
    return f"{indexed} AND {like}", [tokens(term), like_pattern(term)]
