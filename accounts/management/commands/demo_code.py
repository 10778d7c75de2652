"""manage.py demo_code USER: the current 2FA code of a demo persona (make demo only)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts import security
from accounts.models import User


class Command(BaseCommand):
    help = _("デモ用の利用者の、いまの2段階認証の確認コードを表示します（make demo のときだけ）。")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("利用者「%(name)s」はいません。") % {"name": username})
        try:
            code = security.demo_current_code(user)
        except security.DemoModeOff:
            raise CommandError(
                _("確認コードを表示できるのはデモ環境（make demo）だけです。")
            ) from None
        if code is None:
            raise CommandError(
                _("「%(name)s」は2段階認証を登録していません。seed_demo を実行してください。")
                % {"name": username}
            )
        self.stdout.write(code)
