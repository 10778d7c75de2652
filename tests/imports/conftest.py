import importlib

import pytest
from django.apps import apps

from accounts.choices import AgencyKind
from tests.factories import AgencyFactory, DistrictFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DESK_OPENED_ON = "2023-06-01"
    return settings.MEDIA_ROOT


@pytest.fixture
def categories(db):
    # The master list comes from a data migration a transactional test may have flushed.
    importlib.import_module("intake.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture
def medical(db):
    return AgencyFactory(name="架空町立病院", kind=AgencyKind.MEDICAL)


@pytest.fixture
def district(db):
    return DistrictFactory(name="本町")
