from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.form_parts import StatusChangeForm, VersionedModelForm
from common.forms import WarekiDateField
from community.choices import ISSUE_TRANSITIONS, IssueSource, IssueStatus, ResourceKind
from community.models import ActivityLog, CommunityIssue, CommunityResource
from households.models import District


def _districts():
    return District.objects.order_by("code", "name")


class ResourceFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("種類"), choices=[("", _("すべて")), *ResourceKind.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政区"), queryset=District.objects.none(), required=False, empty_label=_("すべて")
    )
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    include_ended = forms.BooleanField(label=_("終了したものも表示"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()


class ResourceForm(VersionedModelForm):
    started_on = WarekiDateField(label=_("開始日"), required=False)
    ended_on = WarekiDateField(label=_("終了日"), required=False)

    class Meta:
        model = CommunityResource
        fields = [
            "name",
            "kind",
            "district",
            "organiser",
            "place",
            "schedule",
            "contact",
            "description",
            "started_on",
            "ended_on",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"required": _("名称を入力してください。")},
            "kind": {"required": _("種類を選んでください。")},
            "organiser": {"required": _("運営者を入力してください。")},
            "schedule": {"required": _("開催日時を入力してください。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()

    def clean(self):
        data = super().clean()
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("終了日は開始日より後にしてください。"))
        return data


_COUNT_ERRORS = {
    "invalid": _("人数は0以上の整数で入力してください。"),
    "min_value": _("人数は0以上の整数で入力してください。"),
    "required": _("人数を入力してください（いなければ0）。"),
}


class ActivityForm(VersionedModelForm):
    held_on = WarekiDateField(label=_("開催日"), allow_future=False)

    class Meta:
        model = ActivityLog
        fields = ["held_on", "children", "youth", "middle_aged", "elderly", "volunteers", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("children", "youth", "middle_aged", "elderly", "volunteers"):
            self.fields[name].min_value = 0
            self.fields[name].error_messages.update(_COUNT_ERRORS)
            self.fields[name].widget.attrs["min"] = 0
        if not self.instance.pk:
            self.fields["held_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        bands = ("children", "youth", "middle_aged", "elderly")
        if all(name in data for name in bands) and not any(data[name] for name in bands):
            self.add_error(None, _("参加者の人数を、年代のどれかに1人以上入力してください。"))
        return data


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("種類"), choices=[("", _("すべて")), *ResourceKind.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政区"), queryset=District.objects.none(), required=False, empty_label=_("すべて")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()


class IssueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状況"),
        choices=[("open", _("未解決")), ("all", _("すべて")), *IssueStatus.choices],
        required=False,
    )
    source = forms.ChoiceField(
        label=_("提起の経路"), choices=[("", _("すべて")), *IssueSource.choices], required=False
    )
    district = forms.ModelChoiceField(
        label=_("行政区"), queryset=District.objects.none(), required=False, empty_label=_("すべて")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()

    def status_value(self) -> str:
        value = self.cleaned_data.get("status") or "open"
        return "" if value == "all" else value


class IssueForm(VersionedModelForm):
    raised_on = WarekiDateField(label=_("提起日"), allow_future=False)

    class Meta:
        model = CommunityIssue
        fields = ["title", "description", "district", "source", "case_count", "raised_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "title": {"required": _("課題を入力してください。")},
            "description": {"required": _("内容を入力してください。")},
            "source": {"required": _("提起の経路を選んでください。")},
            "case_count": {
                "invalid": _("ケースの数は0以上の整数で入力してください。"),
                "min_value": _("ケースの数は0以上の整数で入力してください。"),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()
        self.fields["district"].empty_label = _("（町全体）")
        if not self.instance.pk:
            self.fields["raised_on"].initial = timezone.localdate()


class IssueStatusForm(StatusChangeForm):
    on = WarekiDateField(label=_("日付"), allow_future=False)
    note = forms.CharField(
        label=_("取り組んだこと（任意）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, issue, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_transitions(issue.status, IssueStatus, ISSUE_TRANSITIONS)
        self.fields["on"].initial = timezone.localdate()


class IssueActionForm(forms.Form):
    taken_on = WarekiDateField(label=_("日付"), allow_future=False)
    description = forms.CharField(
        label=_("取り組んだこと"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("取り組んだことを入力してください。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taken_on"].initial = timezone.localdate()
