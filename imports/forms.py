from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 30 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("台帳のファイル（Excel .xlsx）"),
        help_text=_(
            "テンプレートのシート名と1行目の見出しのまま入力してください。"
            "1つのファイルに複数の台帳のシートを入れられます。アップロードしただけでは何も登録されません。"
        ),
        error_messages={"required": _("取り込むファイルを選んでください。")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（30MB まで）。"))
        return upload


class CommitForm(forms.Form):
    only_good = forms.BooleanField(
        label=_("エラーのない行だけ取り込む（エラーのある行と、それを参照する行は取り込みません）"),
        required=False,
    )
