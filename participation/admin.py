from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from participation import models


@admin.register(models.Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "host_name", "district", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "host_name")


@admin.register(models.HostDevelopment)
class HostDevelopmentAdmin(SimpleHistoryAdmin):
    list_display = ("contacted_on", "organisation", "method", "outcome")
