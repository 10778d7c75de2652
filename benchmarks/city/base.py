"""The synthetic city's names and plumbing: a City carries the seed's state (its random
source, counts and the ids each builder leaves for the next) and writes rows with COPY."""

import datetime as dt
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import AgencyKind
from common.services import save_as

CITY_DESK = "架空市 福祉の相談窓口"
PASSWORD = "correct-horse-battery"

FAMILY = [
    ("山田", "ヤマダ"), ("山本", "ヤマモト"), ("山口", "ヤマグチ"), ("田中", "タナカ"),
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山崎", "ヤマザキ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"), ("森", "モリ"),
    ("池田", "イケダ"), ("橋本", "ハシモト"), ("石川", "イシカワ"), ("前田", "マエダ"),
    ("藤田", "フジタ"), ("岡田", "オカダ"), ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"), ("近藤", "コンドウ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"),
    ("青木", "アオキ"), ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"),
    ("太田", "オオタ"), ("三浦", "ミウラ"), ("藤原", "フジワラ"), ("岡本", "オカモト"),
]  # fmt: skip
GIVEN_M = [
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健", "ケン"), ("翔", "ショウ"),
    ("大輔", "ダイスケ"), ("誠", "マコト"), ("浩", "ヒロシ"), ("蓮", "レン"),
    ("悠真", "ユウマ"), ("湊", "ミナト"), ("隆", "タカシ"), ("茂", "シゲル"),
]  # fmt: skip
GIVEN_F = [
    ("花子", "ハナコ"), ("陽子", "ヨウコ"), ("美咲", "ミサキ"), ("愛", "アイ"),
    ("結衣", "ユイ"), ("さくら", "サクラ"), ("恵子", "ケイコ"), ("幸子", "サチコ"),
    ("陽葵", "ヒマリ"), ("芽依", "メイ"), ("和子", "カズコ"), ("直美", "ナオミ"),
]  # fmt: skip
TOWNS = ["本町", "中央", "東町", "西町", "南町", "北町", "緑ヶ丘", "桜台", "旭町", "港町"]
DISTRICTS = ["中央区", "東区", "西区", "南区", "北区"]
CATEGORIES = [
    ("経済的困窮", "生活困窮"), ("債務", "生活困窮"), ("就労", "就労"),
    ("ひきこもり", "ひきこもり"), ("介護", "高齢"), ("障がい", "障がい"),
    ("子育て", "子ども"), ("心の悩み", "健康"), ("病気や健康", "健康"),
    ("住まい", "住まい"), ("DV・虐待", "権利擁護"), ("その他", "その他"),
]  # fmt: skip
PARTNER_KINDS = [
    AgencyKind.COMMUNITY_GENERAL_SUPPORT, AgencyKind.SOCIAL_WELFARE_COUNCIL,
    AgencyKind.CONSULTATION_SUPPORT, AgencyKind.CARE_MANAGEMENT,
    AgencyKind.SELF_RELIANCE_SUPPORT, AgencyKind.CHILD_REARING, AgencyKind.MEDICAL,
    AgencyKind.HELLO_WORK, AgencyKind.WELFARE_OFFICE, AgencyKind.MUNICIPAL_DEPT,
]  # fmt: skip
NARRATIVES = [
    "本人宅を訪問し、生活状況を確認した。",
    "電話で近況を聞き取り、次回の面談日を調整した。",
    "関係機関と情報を共有し、役割分担を確認した。",
    "窓口で面談。家計の状況について相談を受けた。",
    "同行支援。役所の手続きを一緒に行った。",
    "ケース会議で支援方針を協議した。",
]
STAFF_PER_AGENCY = 4
DESK_STAFF = 20


def get_or_create_as(actor, model, *, name, **defaults):
    """get_or_create(name=...) for the historied master rows, the history naming actor."""
    row = model.objects.filter(name=name).first()
    return row if row is not None else save_as(model(name=name, **defaults), actor)


class City:
    """The state of one seeding: options, the random source, and what the builders of
    benchmarks.city leave for the next ones (agencies, staff, households, cases)."""

    def __init__(self, *, stdout, counts: dict, seed: int):
        self.stdout = stdout
        self.counts = counts
        self.rng = random.Random(seed)
        self.timings = []
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()

    def next_id(self, model) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
            return cursor.fetchone()[0]

    def copy(self, model, fields: list[str], rows, constants: dict | None = None) -> int:
        """COPY rows (tuples in the order of `fields`, attnames) into model's table;
        `constants` gives columns with the same value on every row."""
        table = model._meta.db_table
        # Columns the seed does not name take their model default, so a field added
        # later (a version, a note) does not break the seed with a NOT NULL error.
        constants = dict(constants or {})
        for f in model._meta.concrete_fields:
            named = f.attname in fields or f.attname in constants or f.primary_key
            if not named and not f.null and (f.has_default() or f.empty_strings_allowed):
                constants[f.attname] = f.get_default()
        if constants:
            fields = fields + list(constants)
            tail = tuple(constants.values())
            rows = (row + tail for row in rows)
        quote = connection.ops.quote_name  # a column may be a reserved word ("order")
        columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
        started = time.perf_counter()
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        self.timing(table, count, time.perf_counter() - started)
        return count

    def timing(self, table, count, seconds):
        self.timings.append((table, count, seconds))
        self.stdout.write(f"  {table:<45} {count:>10,} rows {seconds:7.1f} s")

    def aware(self, day: dt.date, seconds: int) -> dt.datetime:
        base = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(seconds=seconds)
        return timezone.make_aware(base, self.tz)
