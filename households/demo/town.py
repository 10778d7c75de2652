"""架空町's data: agencies and notable households (read from town.toml, so the data is
not code), staff, 行政区, moves, consents, and the ordinary households drawn with a
fixed seed. Every name, address and phone number here is invented."""

import datetime as dt
import random
import tomllib
from pathlib import Path

from accounts.choices import Role
from households.choices import ConsentMethod, Relationship, Sex

DEMO_PASSWORD = "kakuu-demo-2019"
_TOWN = tomllib.loads((Path(__file__).parent / "town.toml").read_text(encoding="utf-8"))

# key, name, kind, address, phone, hours, handles
AGENCIES = [
    (a["key"], a["name"], a["kind"], a["address"], a["phone"], a["hours"], a["handles"])
    for a in _TOWN["agency"]
]
DESK_NAME = next(name for key, name, *_rest in AGENCIES if key == "desk")

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


def person(family, given, family_kana, given_kana, born, sex, relationship, extra=None):
    return {
        "family_name": family,
        "given_name": given,
        "family_name_kana": family_kana,
        "given_name_kana": given_kana,
        "birth_date": born,
        "sex": sex,
        "relationship": relationship,
        **(extra or {}),
    }


def _notable(spec: dict) -> tuple:
    spec = dict(spec)
    head = [spec.pop(name) for name in ("key", "agency", "district")]
    members = [person(*member) for member in spec.pop("members")]
    return (*head, spec, members)


# The households the desk talks about: key, registering agency, district, fields, members.
NOTABLE = [_notable(spec) for spec in _TOWN["household"]]

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


def consents(today: dt.date) -> list[dict]:
    """The consents of town.toml, dated from today."""
    out = []
    for spec in _TOWN["consent"]:
        expires = spec.get("expires_in_days")
        consent = {
            "household": spec["household"],
            "member": spec["member"],
            "agencies": spec["agencies"],
            "purpose": spec["purpose"],
            "method": ConsentMethod(spec["method"]),
            "obtained_on": today - dt.timedelta(days=spec["obtained_days_ago"]),
            "expires_on": None if expires is None else today + dt.timedelta(days=expires),
        }
        if "withdrawn_days_ago" in spec:
            consent["withdrawn_on"] = today - dt.timedelta(days=spec["withdrawn_days_ago"])
        out.append(consent)
    return out


def household_specs() -> list[tuple]:
    return NOTABLE + ordinary_households()


# generations), and the lines the desk set on its eco-map.
RELATED_8050 = [
    # key, of (member index or related key), relation, label, sex, born, died
    ("husband", 0, "spouse", "亡夫 正雄", M, dt.date(1938, 6, 1), dt.date(2016, 2, 10)),
    ("daughter", 0, "child", "長女 由美", F, dt.date(1966, 4, 18), None),
    ("son_in_law", "daughter", "spouse", "長女の夫 修", M, dt.date(1964, 9, 9), None),
    ("grandson", "daughter", "child", "孫 翔", M, dt.date(1994, 12, 5), None),
]
TIES_8050 = [("houkatsu", "supportive"), ("desk", "normal")]
