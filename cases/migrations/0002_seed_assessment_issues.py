from django.db import migrations

ISSUES = [
    "8050", "ダブルケア", "ヤングケアラー", "社会的孤立", "セルフネグレクト", "ごみ屋敷",
    "経済的困窮", "多重債務", "ひきこもり", "不登校", "虐待の疑い", "DV", "認知症",
    "精神疾患の疑い", "障がい", "住まいの不安定", "就労困難", "ひとり親",
]


def seed(apps, schema_editor):
    Issue = apps.get_model("cases", "AssessmentIssue")
    for order, name in enumerate(ISSUES, start=1):
        Issue.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
