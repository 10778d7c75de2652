from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Agency, Membership, User
from accounts.services import membership_refusal


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


# Nobody grants themselves access (DESIGN.md "Who may see what"): on their own user
# page an administrator changes none of these, nor their memberships. Forms and
# formsets below learn who is acting from the admin's get_form / get_formset, which
# build a fresh class per request.
OWN_PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class MembershipFormSet(BaseInlineFormSet):
    acting_user = None

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        user = self.instance
        changed = self.has_changed()
        is_self = self.acting_user is not None and user.pk == self.acting_user.pk
        active = [
            form
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and form.cleaned_data.get("is_active")
        ]
        if (changed and is_self) or (active and (user.is_staff or user.is_superuser)):
            actor = self.acting_user if changed else None
            raise ValidationError(membership_refusal(actor=actor, user=user))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    fields = ["agency", "role", "is_active"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.acting_user = request.user
        return formset


def _agency_group_ids(groups) -> set[int]:
    return set(groups.filter(agency__isnull=False).values_list("pk", flat=True))


class UserChangeForm(BaseUserChangeForm):
    acting_user = None

    def clean_groups(self):
        groups = self.cleaned_data["groups"]
        current = _agency_group_ids(self.instance.groups.all()) if self.instance.pk else set()
        if _agency_group_ids(groups) != current:
            raise ValidationError(
                _("機関のグループは所属から自動で決まります。「所属」の欄で変更してください。")
            )
        return groups

    def clean(self):
        cleaned = super().clean()
        acting = self.acting_user
        if acting is not None and self.instance.pk == acting.pk:
            changed = [name for name in OWN_PRIVILEGE_FIELDS if name in self.changed_data]
            if changed:
                labels = "、".join(str(self.fields[name].label) for name in changed)
                raise ValidationError(
                    _(
                        "自分自身の権限（%(fields)s）は変更できません。"
                        "別の管理者に依頼してください。"
                    )
                    % {"fields": labels}
                )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from accounts.services import _sync_user_groups

        _sync_user_groups(form.instance)


class GroupForm(forms.ModelForm):
    acting_user = None

    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean(self):
        cleaned = super().clean()
        group = self.instance
        if group.pk is None or not self.has_changed():
            return cleaned
        if Agency.objects.filter(group=group).exists():
            # Its case grants and members follow the agency's memberships and recorded
            # bases (accounts.services, cases.sharing); it carries no model permission.
            raise ValidationError(
                _(
                    "機関のグループは所属と共有の記録から自動で管理されるため、"
                    "ここでは変更できません。"
                )
            )
        acting = self.acting_user
        if acting is not None and acting.groups.filter(pk=group.pk).exists():
            raise ValidationError(
                _("自分自身が属するグループの権限は変更できません。別の管理者に依頼してください。")
            )
        return cleaned


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    form = GroupForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        return form


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
