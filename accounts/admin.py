from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["agency", "role", "is_active"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("表示"), {"fields": ["display_name"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from accounts.services import _sync_user_groups

        _sync_user_groups(form.instance)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_desk", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "handles"]

    def save_model(self, request, obj, form, change):
        from accounts.services import agency_create, agency_group

        if change:
            obj._history_user = request.user
            super().save_model(request, obj, form, change)
            agency_group(obj)
        else:
            data = {f: form.cleaned_data[f] for f in form.cleaned_data}
            created = agency_create(actor=request.user, **data)
            obj.pk = created.pk
            obj.group = created.group
