"""seed_city writes with COPY: it refuses anything but PostgreSQL, and an occupied database.
(The city it builds is exercised by test_explain.py on PostgreSQL.)"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases.models import Case
from households.models import Household
from tests.factories import HouseholdFactory


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_refuses_sqlite_and_writes_nothing():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_city", households=10, stdout=io.StringIO())
    assert Household.objects.count() == 0
    assert Case.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_refuses_a_database_that_already_holds_households(desk):
    HouseholdFactory()
    with pytest.raises(CommandError, match="empty database"):
        call_command("seed_city", households=10, stdout=io.StringIO())
    assert Household.objects.count() == 1
    assert Case.objects.count() == 0
