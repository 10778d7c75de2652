"""manage.py seed_demo: the fictional town 架空町, for demonstrations and manual testing."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from common import demo

# Every run draws the same "random" data.
DEMO_SEED = 20190601


class Command(BaseCommand):
    help = _(
        "架空町のデモデータ（機関・利用者・世帯）を登録します。"
        "二度目以降の実行では何も追加しません。"
    )

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        context = {"credentials": [], "random": random.Random(DEMO_SEED)}
        # All or nothing: a failing seeder leaves no half-built town behind.
        with transaction.atomic():
            for seeder in demo.seeders():
                seeder(context)

        if context.get("already_seeded"):
            self.stdout.write(_("デモデータは登録済みです。何も追加しませんでした。"))
        else:
            self.stdout.write(self.style.SUCCESS(_("デモデータを登録しました。")))
        credentials = context["credentials"]
        if credentials:
            self.stdout.write("")
            self.stdout.write(_("デモ用の利用者（ユーザー名 / パスワード / 役割）:"))
            width = max(len(username) for username, _role, _password in credentials)
            for username, role, password in credentials:
                self.stdout.write(f"  {username.ljust(width)}  {password}  {role}")
        keys = context.get("demo_totp_keys")
        if keys:
            self.stdout.write("")
            self.stdout.write(
                _(
                    "2段階認証（デモ環境）: 確認コードの画面に、いまの確認コードが表示されます。"
                    "別の端末からは `make demo-code USER=ユーザー名`"
                    "（または `.venv/bin/python manage.py demo_code ユーザー名`）で表示できます。"
                    "認証アプリに登録するときのキー:"
                )
            )
            width = max(len(username) for username in keys)
            for username, key in keys.items():
                self.stdout.write(f"  {username.ljust(width)}  {key}")
