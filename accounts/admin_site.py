"""The project's admin site: the admin renders no domain object (DESIGN.md "Who may see
what"; issue 13).

Django's delete confirmation (and the bulk delete action's) lists every related object
by name: household names, case titles, support records. Here every ModelAdmin
registered on the site, the third-party ones and any added later included, counts
what a delete would touch instead of naming it, and refuses to delete an object that
domain records depend on: such agencies, users and master data are deactivated
instead. settings.INSTALLED_APPS names AccountsAdminConfig in place of
django.contrib.admin, so this site is `django.contrib.admin.site`.

This module is imported while the app registry is loading: no model imports at the
top."""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.utils.text import capfirst
from django.utils.translation import gettext as _

# Rows a delete may take along without the object owning domain records: the user's
# own sign-in and admin bookkeeping, and memberships (a user or agency with
# memberships still has them PROTECTed elsewhere when it matters). Everything else
# (any project app's rows, guardian grants, audit logs) is a domain record.
SAFE_TO_CASCADE = {
    "accounts.membership",
    "admin.logentry",
    "axes.accessattemptexpiration",
    "otp_static.staticdevice",
    "otp_static.statictoken",
    "otp_totp.totpdevice",
}
# The auto-created many-to-many rows of these apps (a user's groups and permissions,
# a group's permissions) are bookkeeping too.
SAFE_THROUGH_APPS = {"accounts", "auth"}


def _is_safe_to_cascade(model, deleted_models) -> bool:
    opts = model._meta
    if model in deleted_models or opts.label_lower in SAFE_TO_CASCADE:
        return True
    return bool(opts.auto_created) and opts.app_label in SAFE_THROUGH_APPS


def _counted(model, n: int) -> str:
    return _("%(kind)s: %(n)d件") % {"kind": capfirst(model._meta.verbose_name_plural), "n": n}


def _refusal(objs) -> str:
    if len(objs) == 1:
        message = _("「%(name)s」には業務の記録が結び付いているため削除できません。") % {
            "name": objs[0]
        }
    else:
        message = _("選んだものには業務の記録が結び付いているため削除できません。")
    if any(f.name == "is_active" for f in objs[0]._meta.concrete_fields):
        return message + _("削除せず、「有効」のチェックを外して無効にしてください。")
    return message + _("記録が結び付いている間は残しておいてください。")


class RecordsSafeAdminMixin:
    """Mixed into every ModelAdmin of the site (AdminSite.register below)."""

    def get_deleted_objects(self, objs, request):
        """What deleting objs would take along, as counts per kind, never names.

        Refused (the `protected` list, which Django's confirmation pages show as
        "cannot delete") when a domain record is protected by or would go with the
        objects. Returns Django's (to_delete, model_count, perms_needed, protected)."""
        objs = list(objs)
        if not objs:
            return [], {}, set(), []
        deleted_models = {type(obj) for obj in objs}
        collector = NestedObjects(using=router.db_for_write(type(objs[0])), origin=objs)
        collector.collect(objs)

        counts: dict = {}
        for model, found in collector.model_objs.items():
            if model not in deleted_models:
                counts[model] = counts.get(model, 0) + len(found)
        blocking: dict = {}
        for obj in collector.protected:
            blocking[type(obj)] = blocking.get(type(obj), 0) + 1
        for model, n in counts.items():
            if not _is_safe_to_cascade(model, deleted_models):
                blocking[model] = max(blocking.get(model, 0), n)

        perms_needed = set()
        for model, found in collector.model_objs.items():
            model_admin = self.admin_site._registry.get(model)
            if model_admin is not None and not all(
                model_admin.has_delete_permission(request, obj) for obj in found
            ):
                perms_needed.add(model._meta.verbose_name)

        model_count = {model._meta.verbose_name_plural: len(objs) for model in deleted_models}
        for model, n in counts.items():
            model_count[model._meta.verbose_name_plural] = n

        if blocking:
            messages.error(request, _refusal(objs))
            protected = sorted(_counted(model, n) for model, n in blocking.items())
            return [], model_count, perms_needed, protected

        to_delete = [f"{capfirst(obj._meta.verbose_name)}: {obj}" for obj in objs]
        to_delete += sorted(_counted(model, n) for model, n in counts.items())
        return to_delete, model_count, perms_needed, []


class AdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, RecordsSafeAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (RecordsSafeAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)


class AccountsAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.AdminSite"
