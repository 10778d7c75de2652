"""Generate the sample ledgers of a fictional desk (架空町): several hundred rows in the
five sheets, with deliberate errors and duplicates (sample_desk.xlsx) and the same file
with them fixed (sample_desk_fixed.xlsx).

    .venv/bin/python tests/imports/data/make_sample.py

Deliberate problems in sample_desk.xlsx (and what the preview says):
- a birth date 「H2.2.30」 (平成2年2月30日という日付はありません)
- a consultation category 「宇宙の悩み」 (相談内容「宇宙の悩み」という区分はありません)
- a referral to 「架空町ふしぎ相談所」 (という機関は登録されていません)
- a member without せい（ふりがな） (ふりがな（せい）がありません)
- a consultation row typed twice (相談キー … は…行目にもあります)
- a person entered twice under two keys, same kana and birth date (offered as the same person)
"""

import random
import sys
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from imports.ledgers import LEDGERS  # noqa: E402

DESK = "架空町 ふくしの相談窓口"
PARTNER = "架空町地域包括支援センター"
STAFF = "窓口 花子"
FAMILIES = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
]
GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("次郎", "ジロウ"),
    ("桜", "サクラ"),
    ("健", "ケン"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
]
CATEGORIES = ["収入・生活費", "債務", "住まい", "介護", "子育て", "仕事探し、就職", "家族との関係"]
KINDS = ["電話", "面談", "訪問", "同行", "連絡調整・情報共有"]
RELATIONS = ["世帯主", "配偶者", "子", "父母"]


def build(fixed: bool) -> dict[str, list[dict]]:
    rng = random.Random(2024)
    households, consultations, cases, records, referrals = [], [], [], [], []
    pkey = 0
    for h in range(1, 81):
        family, family_kana = FAMILIES[h % len(FAMILIES)]
        for m in range(rng.randint(1, 4)):
            pkey += 1
            given, given_kana = GIVEN[(h + m) % len(GIVEN)]
            households.append(
                {
                    "世帯キー": f"H{h:03}",
                    "世帯の呼び名": f"{family}さん世帯（{h}）",
                    "住所": f"架空町本町{h}番地",
                    "住所秘匿": "いいえ",
                    "世帯員キー": f"P{pkey:04}",
                    "姓": family,
                    "名": given,
                    "せい（ふりがな）": family_kana,
                    "めい（ふりがな）": given_kana,
                    "生年月日": f"S{rng.randint(10, 63)}.{rng.randint(1, 12)}.{rng.randint(1, 28)}"
                    if m < 2
                    else f"{rng.randint(1990, 2015)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
                    "続柄": RELATIONS[min(m, 3)],
                }
            )
        day = f"R6.{4 + h % 3}.{1 + h % 27}"
        cats = rng.sample(CATEGORIES, rng.randint(1, 3))
        first_person = [r["世帯員キー"] for r in households if r["世帯キー"] == f"H{h:03}"][0]
        for c in range(2):
            consultations.append(
                {
                    "相談キー": f"C{h:03}-{c}",
                    "受付日": day if c == 0 else f"R6.{4 + h % 3}.28",
                    "相談方法": rng.choice(["来所", "電話", "訪問"]),
                    "相談者": rng.choice(["本人", "家族"]),
                    "世帯キー": f"H{h:03}",
                    "対象者キー": first_person,
                    "相談内容": "、".join(cats),
                    "主な相談内容": cats[0],
                    "主訴": "生活の困りごと",
                    "対応結果": "継続支援",
                    "継続相談": "はい" if c else "いいえ",
                }
            )
        if h % 2 == 0:
            cases.append(
                {
                    "ケースキー": f"K{h:03}",
                    "世帯キー": f"H{h:03}",
                    "ケース名": f"{family}さん世帯の支援",
                    "主担当": STAFF,
                    "開始日": day,
                    "対象者キー": first_person,
                    "相談キー": f"C{h:03}-0",
                    "終結日": "R6.6.28" if h % 8 == 0 else None,
                    "終結理由": "課題の解決・目標達成" if h % 8 == 0 else None,
                }
            )
            for r in range(5):
                records.append(
                    {
                        "記録キー": f"R{h:03}-{r}",
                        "ケースキー": f"K{h:03}",
                        "日時": f"2024-06-{1 + r * 5:02} 10:00",
                        "種別": KINDS[r % len(KINDS)],
                        "事業": "② 多機関協働",
                        "機関": DESK,
                        "対応者": STAFF,
                        "内容": "状況を確認した",
                    }
                )
            if h % 6 == 0:
                referrals.append(
                    {
                        "繋ぎキー": f"T{h:03}",
                        "ケースキー": f"K{h:03}",
                        "繋ぎ先": PARTNER,
                        "送付日": "2024-06-10",
                        "根拠": "人の生命、身体又は財産の保護のために必要",
                        "例外の理由": "緊急の見守りが必要",
                        "繋ぐ理由": "介護の相談",
                        "依頼したいこと": "訪問",
                        "受理日": "2024-06-12",
                    }
                )
    # a person entered twice under two keys (same kana and birth date): the preview offers
    # "same person"
    twin = dict(
        households[0],
        **{"世帯員キー": "P9999", "世帯キー": "H081", "世帯の呼び名": "別世帯", "続柄": "世帯主"},
    )
    households.append(twin)
    if not fixed:
        households[3]["生年月日"] = "H2.2.30"
        households[5]["せい（ふりがな）"] = ""
        consultations[4]["主な相談内容"] = "宇宙の悩み"
        consultations.insert(7, dict(consultations[6]))  # the same row typed twice
        referrals[0]["繋ぎ先"] = "架空町ふしぎ相談所"
    return {
        "households": households,
        "consultations": consultations,
        "cases": cases,
        "records": records,
        "referrals": referrals,
    }


def write(sheets: dict[str, list[dict]], path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    for ledger in LEDGERS:
        sheet = book.create_sheet(ledger.sheet)
        sheet.append(ledger.headers)
        for row in sheets[ledger.code]:
            sheet.append([row.get(h) for h in ledger.headers])
    book.save(path)


if __name__ == "__main__":
    write(build(fixed=False), HERE / "sample_desk.xlsx")
    write(build(fixed=True), HERE / "sample_desk_fixed.xlsx")
    print("rows:", sum(len(v) for v in build(fixed=False).values()))
