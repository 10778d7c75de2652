"""Administrators edit the 相談内容 master list and never see consultation contents."""

from django.contrib import admin

from intake.models import ConnectSheet, Consultation, ConsultationCategory
from tests.factories_intake import ConsultationFactory


def test_only_the_category_master_is_registered():
    assert admin.site.is_registered(ConsultationCategory)
    assert not admin.site.is_registered(Consultation)
    assert not admin.site.is_registered(ConnectSheet)


def test_administrator_edits_categories_but_reads_no_consultation(
    client_for, admin_user, desk, desk_agency
):
    ConsultationFactory(agency=desk_agency, received_by=desk, summary="秘密の主訴")
    client = client_for(admin_user)

    changelist = client.get("/admin/intake/consultationcategory/")
    assert changelist.status_code == 200
    assert "ひきこもり・不登校" in changelist.content.decode()
    assert client.get("/admin/intake/consultation/").status_code == 404
    assert "秘密の主訴" not in client.get("/admin/").content.decode()
