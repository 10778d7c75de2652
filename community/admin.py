from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from community import models


@admin.register(models.CommunityResource)
class CommunityResourceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "district", "organiser", "ended_on")
    list_filter = ("kind",)
    search_fields = ("name", "organiser")


@admin.register(models.CommunityIssue)
class CommunityIssueAdmin(SimpleHistoryAdmin):
    list_display = ("title", "status", "source", "district", "raised_on")
    list_filter = ("status", "source")
