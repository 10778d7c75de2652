"""Administrators edit the 相談内容 master list. Consultations and つなぐシート are not
registered: administrators manage master data, never case contents (DESIGN.md)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from intake.models import ConsultationCategory


@admin.register(ConsultationCategory)
class ConsultationCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "statistics_group", "order", "is_active"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "statistics_group"]
    search_fields = ["name", "statistics_group"]
    ordering = ["order", "pk"]

    def has_delete_permission(self, request, obj=None):
        # Past consultations keep their categories (PROTECT); switch one off instead.
        return False
