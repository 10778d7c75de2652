import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import CASE_ROLES
from accounts.models import Agency, Membership, User
from cases.choices import CloseReason
from common.forms import VersionedFormMixin, WarekiDateField
from common.widgets import LightSelect
from meetings import selectors
from meetings.choices import Decision, MeetingKind, Topic
from meetings.models import AgendaItem


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user}（{obj.agency.name}）"


def _memberships():
    return (
        Membership.objects.filter(is_active=True, agency__is_active=True, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__name", "user__display_name", "pk")
    )


class MeetingForm(VersionedFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("会議の種類"), choices=MeetingKind.choices)
    title = forms.CharField(
        label=_("会議名"),
        max_length=200,
        required=False,
        help_text=_("空欄なら会議の種類を会議名にします（例: 第5回 重層的支援会議）。"),
    )
    date = WarekiDateField(label=_("開催日"))
    start_time = forms.TimeField(
        label=_("開始時刻"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("終了時刻"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    place = forms.CharField(label=_("場所"), max_length=200, required=False)
    organising_agency = forms.ModelChoiceField(label=_("主催機関"), queryset=Agency.objects.none())
    chair = forms.ModelChoiceField(label=_("議長"), queryset=User.objects.none())

    def __init__(self, *args, user, instance=None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        agencies = selectors.organising_agencies_for(user)
        if instance is not None:
            agencies = Agency.objects.filter(
                pk__in=[a.pk for a in agencies] + [instance.organising_agency_id]
            )
        self.fields["organising_agency"].queryset = agencies
        self.fields["chair"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__is_active=True,
                memberships__role__in=CASE_ROLES,
                memberships__agency__in=agencies,
            )
            .distinct()
            .order_by("display_name", "username")
        )
        if instance is not None:
            local = timezone.localtime(instance.starts_at)
            self.initial.update(
                kind=instance.kind,
                title=instance.title,
                date=local.date(),
                start_time=local.time().replace(second=0, microsecond=0),
                end_time=(
                    timezone.localtime(instance.ends_at).time().replace(second=0, microsecond=0)
                    if instance.ends_at
                    else None
                ),
                place=instance.place,
                organising_agency=instance.organising_agency,
                chair=instance.chair,
            )
            self.add_version_field()
        else:
            self.initial.setdefault("chair", user)
            self.initial.setdefault("organising_agency", agencies.first())

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("終了時刻は開始時刻より後にしてください。"))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        starts = timezone.make_aware(dt.datetime.combine(data["date"], data["start_time"]), tz)
        ends = (
            timezone.make_aware(dt.datetime.combine(data["date"], data["end_time"]), tz)
            if data.get("end_time")
            else None
        )
        return {
            "kind": data["kind"],
            "title": data["title"],
            "starts_at": starts,
            "ends_at": ends,
            "place": data["place"],
            "organising_agency": data["organising_agency"],
            "chair": data["chair"],
        }


class MeetingFilterForm(forms.Form):
    WHEN = [("upcoming", _("これからの会議")), ("past", _("過去の会議")), ("all", _("すべて"))]
    when = forms.ChoiceField(label=_("時期"), choices=WHEN, required=False, widget=LightSelect)
    kind = forms.ChoiceField(
        label=_("会議の種類"),
        choices=[("", _("すべて"))] + MeetingKind.choices,
        required=False,
        widget=LightSelect,
    )
    date_from = WarekiDateField(label=_("開催日（から）"), required=False)
    date_to = WarekiDateField(label=_("開催日（まで）"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("終わりの日付は始めの日付以降にしてください。"))
        return data


class MemberForm(forms.Form):
    membership = MembershipChoiceField(
        label=_("構成員（職員・所属機関）"), queryset=Membership.objects.none()
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = _memberships().exclude(
            user__meeting_memberships__meeting=meeting
        )


class AttendeeForm(forms.Form):
    """A user attending without being a member (not on a 支援会議)."""

    membership = MembershipChoiceField(
        label=_("出席者（職員・所属機関）"), queryset=Membership.objects.none()
    )

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (
            _memberships()
            .exclude(user__meeting_memberships__meeting=meeting)
            .exclude(user__meeting_attendances__meeting=meeting)
        )


class ExternalAttendeeForm(forms.Form):
    name = forms.CharField(label=_("氏名"), max_length=100)
    organisation = forms.CharField(label=_("所属"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label=_("関係機関（登録済みの場合）"),
        queryset=Agency.objects.filter(is_active=True),
        required=False,
    )
    role = forms.CharField(
        label=_("役割・立場"),
        max_length=100,
        required=False,
        help_text=_("例: 本人、家族、民生委員"),
    )
    acknowledged = forms.BooleanField(label=_("守秘義務の誓約を受けた"), required=False)


class AgendaItemForm(forms.Form):
    topic = forms.ChoiceField(label=_("議題の種類"), choices=Topic.choices, initial=Topic.CASE)
    case = forms.ModelChoiceField(label=_("ケース"), queryset=None, required=False)
    title = forms.CharField(
        label=_("議題"),
        max_length=200,
        required=False,
        help_text=_("ケース以外の議題では必須です（例: ゴミ屋敷への支援のあり方）。"),
    )
    brief = forms.CharField(
        label=_("会議資料（検討する状況）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("会議で検討する状況を簡潔に。構成員が会議前に読みます。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = selectors.selectable_cases(user)
        self.fields["case"].label_from_instance = lambda c: f"{c.title}（{c.household.name}）"

    def clean(self):
        data = super().clean()
        topic = data.get("topic")
        if topic == Topic.CASE and not data.get("case"):
            self.add_error("case", _("検討するケースを選んでください。"))
        if topic and topic != Topic.CASE:
            data["case"] = None
            if not (data.get("title") or "").strip():
                self.add_error("title", _("議題を入力してください。"))
        return data


class AgendaItemEditForm(VersionedFormMixin, forms.Form):
    title = forms.CharField(label=_("議題"), max_length=200, required=False)
    brief = forms.CharField(
        label=_("会議資料（検討する状況）"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )

    def __init__(self, *args, instance: AgendaItem, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        self.initial.update(title=instance.title, brief=instance.brief)
        self.add_version_field()


class MinutesForm(forms.Form):
    """One agenda item's minutes; posted by autosave (htmx) or the save button."""

    discussion = forms.CharField(
        label=_("協議内容"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    decisions = forms.CharField(
        label=_("決定事項"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    next_review_on = WarekiDateField(label=_("次回検討日"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, item: AgendaItem, **kwargs):
        prefix = kwargs.pop("prefix", f"item{item.pk}")
        super().__init__(*args, prefix=prefix, **kwargs)
        self.item = item
        self.initial.update(
            discussion=item.discussion,
            decisions=item.decisions,
            next_review_on=item.next_review_on,
            version=item.version,
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("会議の決定"), choices=[("", "---------")] + Decision.choices
    )
    close_reason_kind = forms.ChoiceField(
        label=_("終結理由（終結の場合）"),
        choices=[("", "---------")] + CloseReason.choices,
        required=False,
    )
    reason = forms.CharField(
        label=_("決定の理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("中断の場合は必須です。"),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.CLOSURE and not data.get("close_reason_kind"):
            self.add_error("close_reason_kind", _("終結するには終結理由を選んでください。"))
        if data.get("decision") == Decision.SUSPENSION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("中断の理由を入力してください。"))
        return data


class RoleForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("担当機関"), queryset=Agency.objects.filter(is_active=True)
    )
    task = forms.CharField(label=_("役割・対応内容"), max_length=300)
    due_on = WarekiDateField(label=_("期限"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("中止の理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class AddendumForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("議題"), queryset=AgendaItem.objects.none(), required=False
    )
    text = forms.CharField(label=_("追記"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, meeting, item_pks=None, **kwargs):
        """item_pks: the items the user may read (meetings.selectors.mark_readable);
        the others are neither offered nor accepted."""
        super().__init__(*args, **kwargs)
        items = meeting.items.select_related("case").order_by("order", "pk")
        if item_pks is not None:
            items = items.filter(pk__in=item_pks)
        self.fields["item"].queryset = items
        self.fields["item"].empty_label = _("（会議全体）")
