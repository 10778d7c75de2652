"""`in` on integer columns that ignores values the column cannot hold.

Django 5.2 treats an out-of-range integer in exact/lt/gt lookups as matching nothing
(IntegerFieldOverflow), but not in `in`: on SQLite, filter(pk__in=[10**40]) raises
OverflowError from the driver, so a ModelMultipleChoiceField given a huge number
answered 500 instead of "invalid choice". Such a value can match no row, so it is
dropped from the list (an empty list matches nothing, as Django's `in` already does).
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register():
    IntegerField.register_lookup(IntegerFieldIn)
