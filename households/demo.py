"""Demo data for 架空町 (a fictional town): agencies, staff, 行政区 and households.

Every name, address and phone number here is invented. Everything is created through
the services, so history rows, action logs, agency groups and grants exist exactly as
when staff enter the data in the browser.
"""

import datetime as dt
import random

from django.contrib.auth import password_validation
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.choices import AgencyKind, Role
from accounts.models import Agency, User
from accounts.system import system_user
from common.demo import register
from households import services
from households.choices import ConsentMethod, Relationship, Sex
from households.models import Household

DEMO_PASSWORD = "kakuu-demo-2019"
DESK_NAME = "架空町 ふくしの相談窓口"

# key, name, kind, address, phone, hours, handles
AGENCIES = [
    (
        "desk",
        DESK_NAME,
        AgencyKind.MUNICIPAL_DEPT,
        "架空県架空郡架空町大字本町1番地 架空町役場本庁舎1階",
        "096-200-1100",
        "平日 8:30〜17:15",
        "分野を問わない総合相談の受付、関係機関へのつなぎ、支援会議・重層的支援会議の運営",
    ),
    (
        "houkatsu",
        "架空町地域包括支援センター",
        AgencyKind.COMMUNITY_GENERAL_SUPPORT,
        "架空県架空郡架空町大字本町12番地 架空町保健福祉センター内",
        "096-200-1200",
        "平日 8:30〜17:15（緊急時は24時間電話対応）",
        "高齢者の総合相談、介護予防ケアマネジメント、権利擁護・高齢者虐待対応",
    ),
    (
        "shougai",
        "架空町障がい者相談支援センター",
        AgencyKind.CONSULTATION_SUPPORT,
        "架空県架空郡架空町大字東町3番地の2",
        "096-200-1300",
        "平日 9:00〜18:00",
        "障がいのある人と家族の相談、サービス等利用計画の作成、地域移行・定着支援",
    ),
    (
        "shakyo",
        "架空町社会福祉協議会",
        AgencyKind.SOCIAL_WELFARE_COUNCIL,
        "架空県架空郡架空町大字本町12番地 架空町保健福祉センター2階",
        "096-200-1400",
        "平日 8:30〜17:15",
        "日常生活自立支援事業、生活福祉資金の貸付、ボランティアセンター、ふれあいサロン",
    ),
    (
        "konkyu",
        "架空町生活自立支援センター",
        AgencyKind.SELF_RELIANCE_SUPPORT,
        "架空県架空郡架空町大字西町8番地",
        "096-200-1500",
        "平日 9:00〜17:00",
        "生活困窮者の自立相談、家計改善支援、就労準備支援、住居確保給付金",
    ),
    (
        "byouin",
        "架空町立病院 地域医療連携室",
        AgencyKind.MEDICAL,
        "架空県架空郡架空町大字南町20番地",
        "096-200-1600",
        "平日 8:30〜17:00",
        "入退院の調整、医療費の相談、医療ソーシャルワーカーによる生活相談",
    ),
    (
        "kosodate",
        "架空町子育て世代包括支援センター",
        AgencyKind.CHILD_REARING,
        "架空県架空郡架空町大字本町12番地 架空町保健福祉センター1階",
        "096-200-1700",
        "平日 8:30〜17:15",
        "妊娠・出産・子育ての相談、乳幼児健診後のフォロー、ひとり親家庭の相談",
    ),
    (
        "saposute",
        "架空地域若者サポートステーション",
        AgencyKind.YOUTH_SUPPORT,
        "架空県架空市駅前通り5丁目2番 駅前ビル3階",
        "096-300-1800",
        "火〜土 10:00〜18:00",
        "15〜49歳の働くことに悩む人の相談、職場体験、コミュニケーション講座",
    ),
    (
        "zeimu",
        "架空町役場 税務課",
        AgencyKind.MUNICIPAL_DEPT,
        "架空県架空郡架空町大字本町1番地 架空町役場本庁舎2階",
        "096-200-1900",
        "平日 8:30〜17:15",
        "町税の賦課・収納、納税相談（分納・減免）",
    ),
]

# username, display name, agency key (None: administrator), role
USERS = [
    ("admin", "システム 管理者", None, None),
    ("soudan", "窓口 みどり", "desk", Role.COUNSELOR),
    ("suishin", "推進 かおる", "desk", Role.COORDINATOR),
    ("kanri", "大野 誠", "desk", Role.MANAGER),
    ("houkatsu", "包括 さとみ", "houkatsu", Role.PARTNER_STAFF),
    ("shakyo", "社協 ゆうた", "shakyo", Role.PARTNER_STAFF),
    ("zeimu", "税務 たけし", "zeimu", Role.MUNICIPAL_STAFF),
]

DISTRICTS = [
    ("01", "本町"),
    ("02", "東町"),
    ("03", "西町"),
    ("04", "南町"),
    ("05", "北町"),
    ("06", "新町"),
    ("07", "駅前"),
    ("08", "中央"),
    ("09", "川辺"),
    ("10", "山手"),
    ("11", "旭"),
    ("12", "緑ケ丘"),
]

F, M = Sex.FEMALE, Sex.MALE
R = Relationship


def person(family, given, family_kana, given_kana, born, sex, relationship, **extra):
    return {
        "family_name": family,
        "given_name": given,
        "family_name_kana": family_kana,
        "given_name_kana": given_kana,
        "birth_date": born,
        "sex": sex,
        "relationship": relationship,
        **extra,
    }


# The households the desk talks about: key, registering agency, district, fields, members.
NOTABLE = [
    (
        "8050",
        "desk",
        "01",
        {
            "name": "高橋さん世帯",
            "address": "架空町大字本町5番地の3",
            "phone": "096-201-5803",
            "notes": "要介護2の母と、20年以上ひきこもりの長男の二人暮らし。母の年金で生活。",
        },
        [
            person("高橋", "トメ", "タカハシ", "トメ", dt.date(1941, 3, 8), F, R.HEAD,
                   has_care_certification=True),
            person("高橋", "健一", "タカハシ", "ケンイチ", dt.date(1971, 11, 2), M, R.CHILD),
        ],
    ),
    (
        "double_care",
        "desk",
        "07",
        {
            "name": "伊藤さん世帯",
            "address": "架空町大字駅前2番地 コーポ駅前201",
            "phone": "090-2301-4455",
            "notes": "乳幼児2人の子育てと、同居の実母の介護が重なるダブルケア。",
        },
        [
            person("伊藤", "美咲", "イトウ", "ミサキ", dt.date(1985, 6, 14), F, R.HEAD,
                   mobile_phone="090-2301-4455"),
            person("伊藤", "翔太", "イトウ", "ショウタ", dt.date(1983, 1, 30), M, R.SPOUSE),
            person("伊藤", "陽菜", "イトウ", "ヒナ", dt.date(2021, 9, 3), F, R.CHILD),
            person("伊藤", "蓮", "イトウ", "レン", dt.date(2023, 12, 20), M, R.CHILD),
            person("中村", "和子", "ナカムラ", "カズコ", dt.date(1952, 4, 22), F, R.PARENT,
                   has_care_certification=True, since=dt.date(2022, 11, 1)),
        ],
    ),
    (
        "single_parent",
        "desk",
        "03",
        {
            "name": "佐々木真由美さん世帯",
            "address": "架空町大字西町14番地 町営西町団地3-105",
            "phone": "080-3456-7788",
            "notes": "令和5年秋に離婚し、実家を出て子と二人で転居。児童扶養手当を申請中。",
        },
        [],  # mother and son move here from the parents' household (MOVES below)
    ),
    (
        "single_parent_parents",
        "desk",
        "03",
        {
            "name": "佐々木さん世帯",
            "address": "架空町大字西町6番地",
            "phone": "096-203-6060",
        },
        [
            person("佐々木", "修", "ササキ", "オサム", dt.date(1955, 2, 11), M, R.HEAD),
            person("佐々木", "恵子", "ササキ", "ケイコ", dt.date(1958, 7, 7), F, R.SPOUSE),
            person("佐々木", "真由美", "ササキ", "マユミ", dt.date(1991, 10, 5), F, R.CHILD,
                   mobile_phone="080-3456-7788"),
            person("佐々木", "陽太", "ササキ", "ヨウタ", dt.date(2018, 5, 16), M, R.GRANDCHILD),
        ],
    ),
    (
        "elderly_alone",
        "houkatsu",
        "10",
        {
            "name": "山本さん世帯",
            "address": "架空町大字山手31番地",
            "phone": "096-210-3131",
            "notes": "独居の高齢者。物忘れが目立ち、近隣の民生委員が見守り。",
        },
        [
            person("山本", "キヨ", "ヤマモト", "キヨ", dt.date(1937, 8, 15), F, R.HEAD,
                   has_care_certification=True),
        ],
    ),
    (
        "dv",
        "desk",
        "08",
        {
            "name": "森さん世帯",
            "postal_code": "869-0000",
            "address": "架空町大字中央9番地 中央ハイツ（避難先）",
            "phone": "080-9999-0001",
            "is_address_confidential": True,
            "notes": "配偶者からの暴力により母子で避難。住所・連絡先は秘匿。",
        },
        [
            person("森", "あゆみ", "モリ", "アユミ", dt.date(1995, 2, 27), F, R.HEAD,
                   mobile_phone="080-9999-0001"),
            person("森", "さくら", "モリ", "サクラ", dt.date(2020, 4, 9), F, R.CHILD),
        ],
    ),
    (
        "debt",
        "desk",
        "05",
        {
            "name": "井上さん世帯",
            "address": "架空町大字北町22番地の1",
            "phone": "096-205-2201",
            "notes": "世帯主が失業、消費者金融からの借入れあり。長男は中学校に不登校。",
        },
        [
            person("井上", "拓也", "イノウエ", "タクヤ", dt.date(1979, 9, 19), M, R.HEAD),
            person("井上", "恵", "イノウエ", "メグミ", dt.date(1981, 12, 1), F, R.SPOUSE),
            person("井上", "颯太", "イノウエ", "ソウタ", dt.date(2010, 6, 6), M, R.CHILD),
        ],
    ),
    (
        "aging_carers",
        "desk",
        "02",
        {
            "name": "木村さん世帯",
            "address": "架空町大字東町17番地",
            "phone": "096-202-1717",
            "notes": "高齢の両親が知的障がいのある次男を介護（老障介護）。親亡き後が心配。",
        },
        [
            person("木村", "正男", "キムラ", "マサオ", dt.date(1949, 1, 25), M, R.HEAD),
            person("木村", "敏子", "キムラ", "トシコ", dt.date(1951, 3, 3), F, R.SPOUSE),
            person("木村", "浩二", "キムラ", "コウジ", dt.date(1977, 8, 8), M, R.CHILD,
                   has_disability_certificate=True),
        ],
    ),
    (
        "foreign",
        "desk",
        "09",
        {
            "name": "グエンさん世帯",
            "address": "架空町大字川辺4番地 川辺荘102",
            "phone": "070-4444-5566",
            "notes": "技能実習後に定住。日本語の読み書きが難しく、通訳が必要。",
        },
        [
            person("グエン", "ヴァン アン", "グエン", "ヴァンアン", dt.date(1993, 5, 1), M, R.HEAD,
                   needs_interpreter=True, mobile_phone="070-4444-5566"),
            person("グエン", "ティ ラン", "グエン", "ティラン", dt.date(1996, 11, 11), F,
                   R.SPOUSE, needs_interpreter=True),
        ],
    ),
    (
        "public_assistance",
        "desk",
        "11",
        {
            "name": "清水さん世帯",
            "address": "架空町大字旭7番地 旭アパート2号",
            "phone": "096-211-0707",
        },
        [
            person("清水", "和夫", "シミズ", "カズオ", dt.date(1959, 10, 30), M, R.HEAD,
                   receives_public_assistance=True),
        ],
    ),
    (
        "young_carer",
        "desk",
        "06",
        {
            "name": "山口さん世帯",
            "address": "架空町大字新町11番地",
            "phone": "096-206-1111",
            "notes": "母が難病で療養中。高校生の長女が家事と弟の世話を担っている（ヤングケアラー）。",
        },
        [
            person("山口", "洋子", "ヤマグチ", "ヨウコ", dt.date(1980, 4, 18), F, R.HEAD,
                   has_disability_certificate=True),
            person("山口", "美月", "ヤマグチ", "ミツキ", dt.date(2009, 7, 21), F, R.CHILD),
            person("山口", "翼", "ヤマグチ", "ツバサ", dt.date(2016, 1, 12), M, R.CHILD),
        ],
    ),
    (
        "neet",
        "desk",
        "12",
        {
            "name": "斎藤さん世帯",
            "address": "架空町大字緑ケ丘3番地の8",
            "phone": "096-212-0308",
            "notes": "長男が大学中退後、自宅で過ごしている。就労に向けた相談を希望。",
        },
        [
            person("斎藤", "隆", "サイトウ", "タカシ", dt.date(1967, 2, 2), M, R.HEAD),
            person("斎藤", "真理子", "サイトウ", "マリコ", dt.date(1970, 9, 9), F, R.SPOUSE),
            person("斎藤", "悠斗", "サイトウ", "ユウト", dt.date(1998, 3, 27), M, R.CHILD),
        ],
    ),
    (
        "dementia_couple",
        "houkatsu",
        "04",
        {
            "name": "林さん世帯",
            "address": "架空町大字南町2番地",
            "phone": "096-204-0202",
            "notes": "高齢夫婦の二人暮らし。夫に認知症の症状、妻も足腰が弱っている（老老介護）。",
        },
        [
            person("林", "一郎", "ハヤシ", "イチロウ", dt.date(1940, 12, 1), M, R.HEAD,
                   has_care_certification=True),
            person("林", "ハル", "ハヤシ", "ハル", dt.date(1943, 6, 30), F, R.SPOUSE),
        ],
    ),
    (
        "yamada",
        "desk",
        "01",
        {
            "name": "山田さん世帯",
            "postal_code": "869-1234",
            "address": "架空町大字本町1番地の2",
            "phone": "096-293-3122",
        },
        [
            person("山田", "太郎", "ヤマダ", "タロウ", dt.date(1950, 4, 1), M, R.HEAD,
                   mobile_phone="090-1111-2222"),
            person("山田", "花子", "ヤマダ", "ハナコ", dt.date(1953, 8, 20), F, R.SPOUSE),
        ],
    ),
]  # fmt: skip

# key of the household the person leaves, index of the member, key of the new household,
# new 続柄, day they moved
MOVES = [
    ("single_parent_parents", 2, "single_parent", R.HEAD, dt.date(2023, 10, 1)),
    ("single_parent_parents", 3, "single_parent", R.CHILD, dt.date(2023, 10, 1)),
]

# Name pools for the ordinary households drawn with the fixed seed.
FAMILY_NAMES = [
    ("中島", "ナカジマ"), ("前田", "マエダ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
    ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"), ("近藤", "コンドウ"),
    ("石川", "イシカワ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"), ("青木", "アオキ"),
    ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"), ("太田", "オオタ"),
    ("三浦", "ミウラ"), ("藤原", "フジワラ"), ("岡本", "オカモト"), ("松田", "マツダ"),
    ("中川", "ナカガワ"), ("原田", "ハラダ"), ("小野", "オノ"), ("田村", "タムラ"),
]  # fmt: skip
# Given names by generation (born before 1960, before 1995, later), so an 80-year-old is
# not called 湊.
GIVEN_NAMES = {
    M: [
        [("茂", "シゲル"), ("勇", "イサム"), ("清", "キヨシ"), ("修", "オサム"), ("昭", "アキラ"),
         ("正雄", "マサオ"), ("博", "ヒロシ")],
        [("大輔", "ダイスケ"), ("健太", "ケンタ"), ("和也", "カズヤ"), ("誠", "マコト"),
         ("直樹", "ナオキ"), ("剛", "ツヨシ"), ("達也", "タツヤ")],
        [("湊", "ミナト"), ("悠真", "ユウマ"), ("翔", "ショウ"), ("拓海", "タクミ"),
         ("陽翔", "ハルト"), ("大和", "ヤマト"), ("蒼", "アオイ")],
    ],
    F: [
        [("静江", "シズエ"), ("幸子", "サチコ"), ("和子", "カズコ"), ("節子", "セツコ"),
         ("洋子", "ヨウコ"), ("京子", "キョウコ"), ("文子", "フミコ")],
        [("久美子", "クミコ"), ("美穂", "ミホ"), ("由紀", "ユキ"), ("彩", "アヤ"),
         ("千尋", "チヒロ"), ("智子", "トモコ"), ("裕子", "ユウコ")],
        [("葵", "アオイ"), ("結菜", "ユイナ"), ("芽衣", "メイ"), ("陽葵", "ヒマリ"),
         ("凛", "リン"), ("紬", "ツムギ"), ("咲良", "サクラ")],
    ],
}  # fmt: skip
ORDINARY_COUNT = 20
ORDINARY_SEED = 8050


def _born(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _add_member(members, rng, family, family_kana, sex, relationship, year) -> int:
    generation = 0 if year < 1960 else 1 if year < 1995 else 2
    taken = {m["given_name"] for m in members}
    given, given_kana = rng.choice(
        [name for name in GIVEN_NAMES[sex][generation] if name[0] not in taken]
    )
    born = _born(rng, year)
    members.append(person(family, given, family_kana, given_kana, born, sex, relationship))
    return year


def ordinary_households() -> list[tuple]:
    """Households without a story: couples, families, three generations, people alone.
    Drawn from a fixed seed, so every run draws the same town."""
    rng = random.Random(ORDINARY_SEED)
    out = []
    for i, (family, family_kana) in enumerate(rng.sample(FAMILY_NAMES, ORDINARY_COUNT)):
        code, district = rng.choice(DISTRICTS)
        shape = rng.choice(["alone", "couple", "family", "family", "three_generations"])
        members = []

        def add(sex, relationship, year, members=members, family=family, kana=family_kana):
            return _add_member(members, rng, family, kana, sex, relationship, year)

        if shape == "alone":
            add(rng.choice([M, F]), R.HEAD, rng.randint(1935, 1960))
        elif shape == "couple":
            head = add(M, R.HEAD, rng.randint(1940, 1965))
            add(F, R.SPOUSE, head + rng.randint(-1, 4))
        else:
            head = add(M, R.HEAD, rng.randint(1972, 1990))
            mother = add(F, R.SPOUSE, head + rng.randint(-1, 4))
            for _child in range(1 if shape == "three_generations" else rng.randint(1, 3)):
                add(rng.choice([M, F]), R.CHILD, min(mother + rng.randint(24, 38), 2023))
            if shape == "three_generations":
                add(rng.choice([M, F]), R.PARENT, head - rng.randint(25, 33))
        fields = {
            "name": f"{family}さん世帯",
            "address": f"架空町大字{district}{rng.randint(1, 40)}番地の{rng.randint(1, 12)}",
            "phone": f"096-2{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
        }
        out.append((f"ordinary_{i + 1}", "desk", code, fields, members))
    return out


def _since(member: dict) -> dt.date:
    """When the member joined: children at birth, adults when the household was formed."""
    born = member["birth_date"]
    if member["relationship"] in (R.CHILD, R.GRANDCHILD):
        return born
    return member.get("since") or dt.date(max(born.year + 25, 1990), 4, 1)


def _consents(today: dt.date) -> list[dict]:
    """One valid, one expired, one withdrawn (and a second valid one, given orally)."""
    return [
        {
            "household": "8050",
            "member": 0,
            "agencies": ["desk", "houkatsu"],
            "purpose": "母の介護サービス調整と長男の社会参加に向けた支援のため、関係機関で情報を共有する",
            "method": ConsentMethod.SIGNED,
            "obtained_on": today - dt.timedelta(days=60),
            "expires_on": today + dt.timedelta(days=305),
        },
        {
            "household": "double_care",
            "member": 0,
            "agencies": ["desk", "kosodate", "houkatsu"],
            "purpose": "子育てと介護の負担を減らすため、子育て世代包括支援センターと地域包括支援センターで情報を共有する",
            "method": ConsentMethod.ORAL,
            "obtained_on": today - dt.timedelta(days=20),
            "expires_on": None,
        },
        {
            "household": "debt",
            "member": 0,
            "agencies": ["desk", "konkyu"],
            "purpose": "家計改善と債務整理の支援のため、生活自立支援センターと情報を共有する",
            "method": ConsentMethod.SIGNED,
            "obtained_on": today - dt.timedelta(days=500),
            "expires_on": today - dt.timedelta(days=135),
        },
        {
            "household": "neet",
            "member": 2,
            "agencies": ["desk", "saposute"],
            "purpose": "就労に向けた相談のため、地域若者サポートステーションと情報を共有する",
            "method": ConsentMethod.SIGNED,
            "obtained_on": today - dt.timedelta(days=200),
            "expires_on": None,
            "withdrawn_on": today - dt.timedelta(days=20),
        },
    ]  # fmt: skip


def _role_label(role, agency_key) -> str:
    if role is None:
        return _("システム管理者（所属なし）")
    agency_name = next(name for key, name, *_rest in AGENCIES if key == agency_key)
    return f"{Role(role).label}（{agency_name}）"


@register(order=10)
def seed_households(context: dict) -> None:
    """架空町: agencies, staff for every role, 行政区, households, consents."""
    context["credentials"] = [
        (username, _role_label(role, agency_key), DEMO_PASSWORD)
        for username, _name, agency_key, role in USERS
    ]
    if (
        Agency.objects.filter(name=DESK_NAME, is_desk=True).exists()
        and User.objects.filter(username=USERS[1][0]).exists()
    ):
        _load(context)
        context["already_seeded"] = True
        return
    if Agency.objects.exists() or User.objects.exists():
        raise CommandError(
            _(
                "このデータベースには既に機関または利用者が登録されています。"
                "デモデータは空のデータベースにだけ登録できます。"
            )
        )
    password_validation.validate_password(DEMO_PASSWORD)
    _create(context)


def _load(context: dict) -> None:
    """The demo exists: put its objects in the context for later seeders."""
    names = {key: name for key, name, *_rest in AGENCIES}
    by_name = Agency.objects.in_bulk(names.values(), field_name="name")
    context["agencies"] = {key: by_name[name] for key, name in names.items() if name in by_name}
    context["desk_agency"] = context["agencies"]["desk"]
    usernames = [username for username, *_rest in USERS]
    context["users"] = User.objects.in_bulk(usernames, field_name="username")
    specs = {fields["name"]: key for key, _agency, _district, fields, _m in _household_specs()}
    households = list(
        Household.objects.filter(
            name__in=specs, registered_by_agency__in=context["agencies"].values()
        ).order_by("pk")
    )
    context["households"] = households
    context["household_by_key"] = {specs[h.name]: h for h in households}


def _household_specs() -> list[tuple]:
    return NOTABLE + ordinary_households()


def _create(context: dict) -> None:
    admin = account_services.user_create(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        display_name=USERS[0][1],
        is_staff=True,
        is_superuser=True,
    )
    agencies = {}
    for key, name, kind, address, phone, hours, handles in AGENCIES:
        agencies[key] = account_services.agency_create(
            actor=admin,
            name=name,
            kind=kind,
            is_desk=key == "desk",
            address=address,
            phone=phone,
            hours=hours,
            handles=handles,
        )
    users = {"admin": admin}
    # The administrator creates the users, but may not give memberships (beyond a first
    # manager: accounts.services.membership_refusal). The seed is an automated process
    # run at the shell, like the Celery tasks, so the system user gives them: most demo
    # agencies have no manager of their own to do it, and history then names the
    # process, not an administrator the rule forbids.
    system = system_user()
    for username, display_name, agency_key, role in USERS[1:]:
        user = account_services.user_create(
            actor=admin, username=username, password=DEMO_PASSWORD, display_name=display_name
        )
        account_services.membership_add(
            actor=system, user=user, agency=agencies[agency_key], role=role
        )
        users[username] = user
    districts = {
        code: services.district_create(actor=admin, name=name, code=code)
        for code, name in DISTRICTS
    }
    # Who registers for each agency.
    registrar = {"desk": users["soudan"], "houkatsu": users["houkatsu"]}

    households, by_key, members_of = [], {}, {}
    for key, agency_key, district, fields, members in _household_specs():
        actor = registrar[agency_key]
        household = services.household_create(
            actor=actor, agency=agencies[agency_key], district=districts[district], **fields
        )
        members_of[key] = []
        for member in members:
            data = dict(member)
            since = _since(data)
            data.pop("since", None)
            relationship = data.pop("relationship")
            members_of[key].append(
                services.person_add_to_household(
                    actor=actor,
                    agency=agencies[agency_key],
                    household=household,
                    relationship=relationship,
                    since=since,
                    **data,
                )
            )
        households.append(household)
        by_key[key] = household

    for from_key, index, to_key, relationship, since in MOVES:
        moving = members_of[from_key][index]
        services.membership_create(
            actor=users["soudan"],
            household=by_key[to_key],
            person=moving,
            relationship=relationship,
            since=since,
        )
        members_of[to_key].append(moving)

    # A later edit by the coordinator, so the history shows more than the registration.
    services.household_update(
        actor=users["suishin"],
        household=by_key["8050"],
        notes=by_key["8050"].notes + "\n支援会議で長男への訪問支援を検討予定。",
    )

    for spec in _consents(timezone.localdate()):
        consent = services.consent_record(
            actor=users["soudan"],
            person=members_of[spec["household"]][spec["member"]],
            agencies=[agencies[key] for key in spec["agencies"]],
            purpose=spec["purpose"],
            method=spec["method"],
            obtained_on=spec["obtained_on"],
            expires_on=spec["expires_on"],
        )
        if spec.get("withdrawn_on"):
            services.consent_withdraw(
                actor=users["soudan"], consent=consent, on=spec["withdrawn_on"]
            )

    context.update(
        desk_agency=agencies["desk"],
        agencies=agencies,
        users=users,
        households=households,
        household_by_key=by_key,
    )


# The 8050 household's family beyond the two who live together, for its genogram: the
# late husband, the daughter who married out, her husband and their son (three
# generations), and the lines the desk set on its eco-map.
RELATED_8050 = [
    # key, of (member index or related key), relation, label, sex, born, died
    ("husband", 0, "spouse", "亡夫 正雄", M, dt.date(1938, 6, 1), dt.date(2016, 2, 10)),
    ("daughter", 0, "child", "長女 由美", F, dt.date(1966, 4, 18), None),
    ("son_in_law", "daughter", "spouse", "長女の夫 修", M, dt.date(1964, 9, 9), None),
    ("grandson", "daughter", "child", "孫 翔", M, dt.date(1994, 12, 5), None),
]
TIES_8050 = [("houkatsu", "supportive"), ("desk", "normal")]


@register(order=75)
def seed_family_maps(context: dict) -> None:
    """Related persons and eco-map lines of the 8050 household."""
    from households.ecomap import eco_tie_set
    from households.models import RelatedPerson

    household = context.get("household_by_key", {}).get("8050")
    if household is None or RelatedPerson.objects.filter(household=household).exists():
        return
    actor = context["users"]["soudan"]
    members = [m.person for m in household.memberships.filter(until__isnull=True).order_by("pk")]
    made = {}
    for key, of, relation, label, sex, born, died in RELATED_8050:
        anchor = {"of_related": made[of]} if isinstance(of, str) else {"of_person": members[of]}
        made[key] = services.related_person_add(
            actor=actor,
            household=household,
            relation=relation,
            label=label,
            sex=sex,
            birth_date=born,
            is_deceased=died is not None,
            died_on=died,
            **anchor,
        )
    for agency_key, kind in TIES_8050:
        agency = context["agencies"].get(agency_key)
        if agency is not None:
            eco_tie_set(actor=actor, household=household, node_key=f"agency:{agency.pk}", kind=kind)
