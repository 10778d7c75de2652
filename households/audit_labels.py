"""閲覧記録 in words: what each log row's reader opened, said in Japanese.

A row stores the object read (object_type, object_id), the page's path and a short
code in `detail` ("timeline", "case:9", "meeting:4:minutes", "report_xlsx"). They are
put into words when the log is shown (and in its CSV), for the person reviewing it:
an object is named only when that reviewer may see it themselves (the object's app
answers through households.registry.register_log_subject, asking its own access rules;
households answer through households.access); otherwise it is shown by its kind and
number (「ケース #9」).
"""

from collections import defaultdict

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households import access
from households.registry import log_subject_names

# detail's object references: "case:9", "meeting:4", "household:3" ...
REFERENCES = {
    "case": "cases.case",
    "meeting": "meetings.meeting",
    "household": "households.household",
    "consultation": "intake.consultation",
    "referral": "referrals.referral",
    "campaign": "outreach.campaign",
    "opportunity": "participation.opportunity",
    "visit": "outreach.visit",
}
# What was done or opened. A document (PDF, minutes) names what it is of:
# 「議事録 PDF: 第4回 支援会議」; a page says where: 「ケース: 高橋さん世帯の支援（支援経過の記録）」.
ACTIONS = {
    "home": gettext_lazy("ホーム"),
    "list": gettext_lazy("一覧"),
    "search": gettext_lazy("世帯の検索結果"),
    "lookup": gettext_lazy("世帯の検索（相談受付）"),
    "timeline": gettext_lazy("ケースのページ"),
    "summary": gettext_lazy("ケースのページ"),
    "edit": gettext_lazy("編集"),
    "record_add": gettext_lazy("支援経過の記録"),
    "assessment_add": gettext_lazy("アセスメントの記録"),
    "plan_add": gettext_lazy("支援プランの作成"),
    "plan_edit": gettext_lazy("支援プランの編集"),
    "plan": gettext_lazy("支援プラン"),
    "share": gettext_lazy("共有の設定"),
    "consultation_add": gettext_lazy("相談受付の追加"),
    "case_open": gettext_lazy("ケースの開始"),
    "meetings": gettext_lazy("会議の一覧"),
    "referral_new": gettext_lazy("繋ぎの作成"),
    "consent_options": gettext_lazy("繋ぎの同意の選択"),
    "target_create": gettext_lazy("アウトリーチ対象の登録"),
    "contact": gettext_lazy("接触の記録"),
    "connect": gettext_lazy("ケースへのつなぎ"),
    "placement": gettext_lazy("参加の調整"),
    "follow_up": gettext_lazy("定着支援の記録"),
    "view": gettext_lazy("閲覧"),
}
DOCUMENTS = {
    "records_pdf": gettext_lazy("支援経過 PDF"),
    "plan_pdf": gettext_lazy("支援プラン PDF"),
    "minutes_pdf": gettext_lazy("議事録 PDF"),
    "agenda_pdf": gettext_lazy("会議資料 PDF"),
    "minutes": gettext_lazy("議事録"),
    "brief": gettext_lazy("会議資料"),
    "sheet_pdf": gettext_lazy("つなぐシート PDF"),
    "report_pdf": gettext_lazy("統計 PDF"),
    "report_xlsx": gettext_lazy("統計 Excel"),
    "csv": gettext_lazy("閲覧記録 CSV"),
}
PLAN_CODES = {"plan", "plan_pdf", "plan_edit"}


def _kind(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _parse(row) -> tuple[list[tuple[str, str]], list[str]]:
    """detail -> ([(object_type, id) the page was about], [action codes])."""
    detail = (row.detail or "").strip()
    if detail.startswith("csv"):
        return [], ["csv"]
    refs, codes = [], []
    for chunk in detail.split():
        tokens = chunk.split(":")
        i = 0
        while i < len(tokens):
            token, nxt = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt.isdecimal() and (token in REFERENCES or token in PLAN_CODES):
                if token in PLAN_CODES:  # the plan is shown through its case
                    codes.append(token)
                else:
                    refs.append((REFERENCES[token], nxt))
                i += 2
                continue
            if token:
                codes.append(token)
            i += 1
    return refs, codes


def _names(viewer, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """One query per object type: the names of what the viewer may see."""
    names = {}
    for object_type, ids in wanted.items():
        numeric = [int(i) for i in ids if str(i).isdecimal()]
        if not numeric:
            continue
        if object_type == "households.household":
            found = dict(
                access.households_visible_to(viewer)
                .filter(pk__in=numeric)
                .values_list("pk", "name")
            )
        else:
            found = log_subject_names(viewer, object_type, numeric)
        for pk, name in found.items():
            names[(object_type, str(pk))] = name
    return names


def _label(names, object_type: str, object_id: str, *, with_kind=True) -> str:
    name = names.get((object_type, str(object_id)))
    kind = _kind(object_type)
    if name:
        return _("%(kind)s: %(name)s") % {"kind": kind, "name": name} if with_kind else name
    return _("%(kind)s #%(id)s") % {"kind": kind, "id": object_id}


def describe(rows, viewer) -> None:
    """Set row.description on each AccessLog row, for this viewer."""
    rows = list(rows)
    parsed = {}
    wanted = defaultdict(set)
    for row in rows:
        refs, codes = _parse(row)
        parsed[row.pk] = (refs, codes)
        if row.object_type != "households.person":
            wanted[row.object_type].add(row.object_id)
        for object_type, pk in refs:
            wanted[object_type].add(pk)
    names = _names(viewer, wanted)
    for row in rows:
        refs, codes = parsed[row.pk]
        row.description = _sentence(row, refs, codes, names)


def _sentence(row, refs, codes, names) -> str:
    # What the page was about: a referenced case or meeting (a person read within it),
    # else the object itself (a person's own record says so).
    if refs:
        about_type, about_id = refs[0]
    elif row.object_type == "households.person":
        about_type, about_id = "", ""
    else:
        about_type, about_id = row.object_type, row.object_id
    document = next((DOCUMENTS[c] for c in codes if c in DOCUMENTS), None)
    action = next((ACTIONS[c] for c in codes if c in ACTIONS), None)
    unknown = [c for c in codes if c not in DOCUMENTS and c not in ACTIONS]
    if document is not None:
        if about_type:
            text = _("%(document)s: %(what)s") % {
                "document": document,
                "what": _label(names, about_type, about_id, with_kind=False),
            }
        else:
            text = str(document)
    elif about_type:
        text = _label(names, about_type, about_id)
        if action:
            text += _("（%(action)s）") % {"action": action}
    else:
        text = str(action) if action else _("世帯員の記録")
    if (
        refs
        and row.object_type != "households.person"
        and ((row.object_type, str(row.object_id)) != refs[0])
    ):
        text += _(" ／ %(what)s") % {"what": _label(names, row.object_type, row.object_id)}
    if unknown:
        text += " " + " ".join(unknown)
    return text
