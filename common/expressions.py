"""ORM expressions shared by the apps' access filters."""

from django.db.models import BooleanField, Expression, F


class ColumnCondition(Expression):
    """A boolean condition written as SQL with parameters about one column of the
    queryset's model (`ref`, a field name or expression), whose place in the SQL is
    marked `{column}`.

    The access filters test many rows with EXISTS over permission or membership tables;
    spelled with the ORM (Exists, OuterRef, Subquery), each costs Python time at every
    query to build, resolve and compile, where this costs a string substitution. Only
    the column is an ORM expression, so the condition follows its table's alias inside
    subqueries and joins."""

    def __init__(self, sql: str, params: list, ref="pk"):
        super().__init__(output_field=BooleanField())
        self.sql, self.params = sql, list(params)
        self.ref = F(ref) if isinstance(ref, str) else ref

    def get_source_expressions(self):
        return [self.ref]

    def set_source_expressions(self, exprs):
        (self.ref,) = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.ref)
        if column_params:
            raise ValueError("a column without parameters was expected")
        return self.sql.replace("{column}", column), list(self.params)
