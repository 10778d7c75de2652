from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.admin_axes import register_japanese_admins
from accounts.models import Agency, Membership, User
from accounts.registry import deactivation_refusals
from accounts.services import CredentialsRuleError, credentials_refusal, membership_refusal


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

# The second factor's secrets stay out of the admin. An administrator resets the 2FA
# of a user without membership with the action on the user list; a member's is their
# agency's manager's, on the 職員 page (accounts.services.credentials_refusal).
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


# Nobody grants themselves access (DESIGN.md "Who may see what"): on their own user
# page an administrator changes none of these, nor their memberships. Forms and
# formsets below learn who is acting from the admin's get_form / get_formset, which
# build a fresh class per request.
OWN_PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class MembershipFormSet(BaseInlineFormSet):
    """The memberships on a user's admin page. Every change a row would make is put to
    accounts.services.membership_refusal, the rule the app's 職員 page shares: an
    administrator may only give a first manager to an agency that has none; every
    other change is refused with its Japanese message and nothing is saved. What is
    allowed is saved through the services (UserAdmin.save_formset), not by the
    formset."""

    acting_user = None

    def _changes(self):
        """(membership pk or None, agency, role, ending) for each change the rows ask
        for: ending an active row (deleted, unticked or moved to another agency), and
        giving a role (a new row, a role changed, an ended row reactivated). Writing an
        ended row without reactivating it counts as an end (nothing to save, but a
        change all the same)."""
        changes = []
        for form in self.forms:
            original = Membership.objects.filter(pk=form.instance.pk).first()
            was_active = original is not None and original.is_active
            if self._should_delete_form(form):
                if was_active:
                    changes.append((original.pk, original.agency, None, True))
                continue
            if not form.has_changed() or not form.cleaned_data:
                continue
            data = form.cleaned_data
            agency, role = data.get("agency"), data.get("role")
            moved = "agency" in form.changed_data
            if was_active and (moved or not data.get("is_active")):
                changes.append((original.pk, original.agency, None, True))
            if data.get("is_active") and agency is not None:
                changes.append((None, agency, role, False))
            elif not was_active:
                changes.append((None, agency or getattr(original, "agency", None), None, True))
        return changes

    def clean(self):
        super().clean()
        self.changes = []
        if any(self.errors):
            return
        user = self.instance
        changes = self._changes()
        reasons = []
        for _pk, agency, role, ending in changes:
            reason = membership_refusal(
                actor=self.acting_user, user=user, agency=agency, role=role, ending=ending
            )
            if not reason and ending and agency is not None:
                # The leaver's open cases stay with someone (accounts.registry guards).
                reason = next(
                    (r.message for r in deactivation_refusals(user=user, agency=agency)), None
                )
            if reason and reason not in reasons:
                reasons.append(reason)
        if not reasons and user.is_administrator:
            # A member being made an administrator keeps no active membership.
            active = [
                form
                for form in self.forms
                if form.cleaned_data
                and not self._should_delete_form(form)
                and form.cleaned_data.get("is_active")
            ]
            if active:
                reasons.append(membership_refusal(actor=None, user=user, agency=None))
        if reasons:
            raise ValidationError(reasons)
        self.changes = changes


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
        if self.instance.pk and "is_active" in self.changed_data and not cleaned.get("is_active"):
            # Deactivating here is accounts.services.user_deactivate's rule too: no
            # account goes while it still leads open cases (accounts.registry guards).
            refusals = deactivation_refusals(user=self.instance, agency=None)
            if refusals:
                raise ValidationError([r.message for r in refusals])
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
        """All the selected users or none: one refused (credentials_refusal: a member,
        oneself) and nobody is reset."""
        from accounts.security import two_factor_reset

        users = list(queryset)
        refused = [(user, credentials_refusal(actor=request.user, user=user)) for user in users]
        refused = [(user, reason) for user, reason in refused if reason]
        if not refused:
            try:
                with transaction.atomic():
                    for user in users:
                        two_factor_reset(actor=request.user, user=user)
            except CredentialsRuleError as error:  # changed since the check above
                refused = [(None, message) for message in error.messages]
        if refused:
            for user, reason in refused:
                if user is not None:
                    reason = _("%(user)s：%(reason)s") % {"user": user, "reason": reason}
                self.message_user(request, reason, messages.ERROR)
            self.message_user(request, _("だれの2段階認証もリセットしていません。"), messages.ERROR)
            return
        self.message_user(
            request,
            _("%(n)d人の2段階認証をリセットしました。") % {"n": len(users)},
            messages.SUCCESS,
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        return form

    def user_change_password(self, request, id, form_url=""):
        """The password page (set, change or disable a password) opens only where
        credentials_refusal allows: a member's password is reissued by their agency's
        manager on the 職員 page, or the administrator could log in as them."""
        user = self.get_object(request, unquote(id))
        reason = None
        if user is not None and self.has_change_permission(request, user):  # else 404/403
            reason = credentials_refusal(actor=request.user, user=user)
        if reason:
            self.message_user(request, reason, messages.ERROR)
            return redirect("admin:accounts_user_change", user.pk)
        return super().user_change_password(request, id, form_url)

    def save_formset(self, request, form, formset, change):
        """Memberships go through the services (the rule checked again, history and
        the action log naming the administrator); other formsets as usual."""
        if not isinstance(formset, MembershipFormSet):
            return super().save_formset(request, form, formset, change)
        from accounts.services import membership_add, membership_end

        user = form.instance
        # What the admin's change message (LogEntry) reads off a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for pk, agency, role, ending in formset.changes:
            if ending:
                if pk is not None:
                    ended = Membership.objects.get(pk=pk)
                    membership_end(actor=request.user, membership=ended)
                    formset.changed_objects.append((ended, ["is_active"]))
            else:
                added = membership_add(actor=request.user, user=user, agency=agency, role=role)
                formset.new_objects.append(added)
        return []

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

    def get_readonly_fields(self, request, obj=None):
        """is_desk makes an agency's members desk staff, who see more: it is chosen only
        on the add page while the town has no desk yet; after that it moves by
        `manage.py set_desk_agency` on the server (accounts.services.agency_set_desk)."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None or Agency.objects.filter(is_desk=True).exists():
            fields.append("is_desk")
        return fields

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


# django-axes' pages in Japanese (accounts/admin_axes.py).
register_japanese_admins()
