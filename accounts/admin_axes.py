"""django-axes in the admin site, in Japanese.

django-axes ships no Japanese translation. The names shown are set here at start-up:
the models' verbose names and their fields' labels (display attributes only:
migrations read Meta.original_attrs and Field._verbose_name, which stay as axes wrote
them, so no migration follows), and the admin classes are re-registered with Japanese
section titles, filter and action names.
"""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

APP_LABEL = _("ログイン制限（django-axes）")
MODEL_NAMES = {
    "accessattempt": (_("ログイン失敗の集計"), _("ログイン失敗の集計")),
    "accessfailurelog": (_("ログイン失敗の記録"), _("ログイン失敗の記録")),
    "accesslog": (_("ログインの記録"), _("ログインの記録")),
    "accessattemptexpiration": (_("ログイン失敗の有効期限"), _("ログイン失敗の有効期限")),
}
FIELD_LABELS = {
    "user_agent": _("ブラウザ（User-Agent）"),
    "ip_address": _("IPアドレス"),
    "username": _("ユーザー名"),
    "http_accept": _("HTTP Accept ヘッダー"),
    "path_info": _("URL"),
    "attempt_time": _("日時"),
    "locked_out": _("ロックした"),
    "get_data": _("GET データ"),
    "post_data": _("POST データ"),
    "failures_since_start": _("失敗回数"),
    "logout_time": _("ログアウト日時"),
    "session_hash": _("セッションのハッシュ（sha256）"),
    "access_attempt": _("ログイン失敗の集計"),
    "expires_at": _("有効期限"),
}


def label_axes_in_japanese() -> None:
    """Called from AccountsConfig.ready(): names only, no schema."""
    try:
        config = apps.get_app_config("axes")
    except LookupError:
        return
    config.verbose_name = APP_LABEL
    for model in config.get_models():
        names = MODEL_NAMES.get(model._meta.model_name)
        if names:
            model._meta.verbose_name, model._meta.verbose_name_plural = names
        for field in model._meta.get_fields():
            label = FIELD_LABELS.get(field.name)
            if label and hasattr(field, "verbose_name"):
                field.verbose_name = label


def register_japanese_admins() -> None:
    """Replace axes' admin classes by ones with Japanese section titles and actions."""
    try:
        from axes import admin as axes_admin
        from axes.conf import settings as axes_settings
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    except ImportError:
        return

    class LockedOutFilter(axes_admin.IsLockedOutFilter):
        title = _("ロック中")

        def lookups(self, request, model_admin):
            return (("yes", _("はい")), ("no", _("いいえ")))

    class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
        list_filter = [
            LockedOutFilter if f is axes_admin.IsLockedOutFilter else f
            for f in axes_admin.AccessAttemptAdmin.list_filter
        ]
        fieldsets = (
            (None, {"fields": ("username", "path_info", "failures_since_start", "expiration")}),
            (_("送られたデータ"), {"fields": ("get_data", "post_data")}),
            (_("接続元"), {"fields": ("user_agent", "ip_address", "http_accept")}),
        )

        @admin.action(description=_("期限切れの失敗を消す"))
        def cleanup_expired_attempts(self, request, queryset):
            count = self.handler.clean_expired_user_attempts(request=request)
            self.message_user(request, _("期限切れの失敗を%(n)d件消しました。") % {"n": count})

        @admin.display(description=_("有効期限"))
        def expiration(self, obj):
            return obj.expiration.expires_at if hasattr(obj, "expiration") else _("なし")

        @admin.display(description=_("状態"))
        def status(self, obj):
            limit = axes_settings.AXES_FAILURE_LIMIT
            if obj.failures_since_start < limit:
                return _("あと%(n)d回でロック") % {"n": limit - obj.failures_since_start}
            return _("ロック中")

    class AccessLogAdmin(axes_admin.AccessLogAdmin):
        fieldsets = (
            (None, {"fields": ("username", "path_info")}),
            (_("接続元"), {"fields": ("user_agent", "ip_address", "http_accept")}),
        )

    class AccessFailureLogAdmin(axes_admin.AccessFailureLogAdmin):
        fieldsets = AccessLogAdmin.fieldsets

    for model, admin_class in (
        (AccessAttempt, AccessAttemptAdmin),
        (AccessLog, AccessLogAdmin),
        (AccessFailureLog, AccessFailureLogAdmin),
    ):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
            admin.site.register(model, admin_class)
