from django.db import migrations

# The desk's statistics rows (大津町) and the national 相談受付・申込票 list, merged.
# (name, statistics_group)
CATEGORIES = [
    ("収入・生活費", "収入・生活費・借金"),
    ("家賃やローンの支払い", "収入・生活費・借金"),
    ("税金や公共料金等の支払い", "収入・生活費・借金"),
    ("債務", "収入・生活費・借金"),
    ("食べるものがない", "収入・生活費・借金"),
    ("介護", "介護・障がい・病気"),
    ("病気や健康、障害", "介護・障がい・病気"),
    ("生活保護相談", "生活保護相談"),
    ("住まい", "住まい"),
    ("仕事探し、就職", "仕事探し"),
    ("仕事上の不安やトラブル", "仕事探し"),
    ("医療・介護費用", "医療・介護費用"),
    ("家族との関係", "家族関係"),
    ("離婚・ひとり親", "離婚・ひとり親"),
    ("DV・虐待", "DV・虐待"),
    ("ひきこもり・不登校", "引きこもり・不登校・いじめ"),
    ("いじめ", "引きこもり・不登校・いじめ"),
    ("子育て", "子育て"),
    ("地域との関係", "地域との関係"),
    ("その他", "その他"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("intake", "ConsultationCategory")
    for order, (name, group) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"statistics_group": group, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
