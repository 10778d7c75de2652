from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Agency, Membership, User


@login_not_required
def admin_login(request, extra_context=None):
    """The admin site logs in through the application's login (password, lockout and
    2FA) and comes back."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        messages.error(request, _("管理サイトを使う権限がありません。"))
        return redirect("home")
    return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


admin.site.login = admin_login

# The second factor's secrets stay out of the admin; an administrator resets a user's
# 2FA with the action on the user list.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


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

    actions = ["reset_two_factor"]

    @admin.action(
        description=_("2段階認証をリセットする（次のログインで登録し直す）"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):
        from accounts.security import two_factor_reset

        users = list(queryset)
        for user in users:
            two_factor_reset(actor=request.user, user=user)
        self.message_user(
            request,
            _("%(n)d人の2段階認証をリセットしました。") % {"n": len(users)},
            messages.SUCCESS,
        )

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
