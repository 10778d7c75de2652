"""The user that Celery tasks and management commands act as, so every history row
and action log entry names a user."""

from accounts.models import User

SYSTEM_USERNAME = "system"


def system_user() -> User:
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "システム（自動処理）", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
