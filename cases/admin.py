from django.contrib import admin

from cases.models import AssessmentIssue

# Only master data. Cases, plans, records and grants are case contents, which
# administrators do not read (DESIGN.md "Who may see what").


@admin.register(AssessmentIssue)
class AssessmentIssueAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]
