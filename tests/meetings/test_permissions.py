"""The permission matrix: every meeting URL × every persona × two situations.

Situations: a 支援会議 chaired by desk, and a 重層的支援会議 chaired by coordinator; in
both the partner is a member (acknowledged 守秘義務) and a case is on the agenda, with
a 役割分担 for the partner agency and an external attendee.

Expected: the organising desk's staff (desk, coordinator, manager) run the meeting;
the partner (member) reads it; outsider, municipal and admin get 404 for everything
(the list answers 200 for those with an agency, showing nothing of the meeting);
anonymous users are sent to the login page. POST-only URLs are exercised in an order
that keeps the objects later URLs refer to.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings import services
from meetings.attachments import meeting_attachment_add
from tests.auth_helpers import login_verified
from tests.meetings.conftest import SECRET_BRIEF

pytestmark = pytest.mark.django_db

OK, REDIRECT, FORBIDDEN, NOT_FOUND, LOGIN = 200, 302, 403, 404, "login"
# A refused form on the minutes page is shown again with its errors (200) where the page
# shows that form: the decision form on an open 重層的支援会議; elsewhere a redirect.
DECIDE = "decide"
# 訂正 of finalised minutes: their chair only (the meeting was finalised just before).
CHAIR = "chair"
RUNNERS = ("desk", "coordinator", "manager")
PERSONAS = (*RUNNERS, "partner", "outsider", "municipal", "admin_user", "anonymous")


def _by(**groups):
    """_by(runners=200, partner=404, ...) -> {persona: status}; the rest 404, anonymous login."""
    table = {p: NOT_FOUND for p in PERSONAS}
    for key, status in groups.items():
        names = RUNNERS if key == "runners" else (key,)
        for name in names:
            table[name] = status
    table["anonymous"] = LOGIN
    return table


# (url name, args from the situation, method, expected by persona)
MATRIX = [
    ("meeting_list", lambda s: [], "get", _by(runners=OK, partner=OK, outsider=OK, municipal=OK)),
    ("meeting_create", lambda s: [], "get", _by(runners=OK)),
    ("meeting_detail", lambda s: [s.meeting.pk], "get", _by(runners=OK, partner=OK)),
    ("meeting_edit", lambda s: [s.meeting.pk], "get", _by(runners=OK)),
    ("item_add", lambda s: [s.meeting.pk], "get", _by(runners=OK)),
    ("item_edit", lambda s: [s.meeting.pk, s.item.pk], "get", _by(runners=OK)),
    ("minutes", lambda s: [s.meeting.pk], "get", _by(runners=OK, partner=OK)),
    ("minutes_pdf", lambda s: [s.meeting.pk], "get", _by(runners=OK, partner=OK)),
    ("agenda_pdf", lambda s: [s.meeting.pk], "get", _by(runners=OK, partner=OK)),
    ("case_meetings", lambda s: [s.item.case_id], "get", _by(runners=OK)),
    ("attachments", lambda s: [s.meeting.pk], "get", _by(runners=OK, partner=OK)),
    (
        "attachment_download",
        lambda s: [s.meeting.pk, s.attachment.pk],
        "get",
        _by(runners=OK, partner=OK),
    ),
    # 取り消し: the desk added the file (within the day) and the manager may withdraw it;
    # the coordinator runs the meeting but added nothing, the partner only reads.
    (
        "attachment_withdraw",
        lambda s: [s.meeting.pk, s.attachment.pk],
        "get",
        _by(desk=OK, manager=OK, coordinator=FORBIDDEN, partner=FORBIDDEN),
    ),
    # An upload without a file is shown again with its message beside the field.
    ("attachments", lambda s: [s.meeting.pk], "post", _by(runners=OK)),
    (
        "member_acknowledge",
        lambda s: [s.meeting.pk, s.member.pk],
        "post",
        _by(runners=REDIRECT, partner=REDIRECT),
    ),
    ("attendance", lambda s: [s.meeting.pk, s.member.pk], "post", _by(runners=REDIRECT)),
    ("member_add", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
    ("attendee_add", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
    ("external_add", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
    ("minutes_save", lambda s: [s.meeting.pk, s.item.pk], "post", _by(runners=REDIRECT)),
    ("item_decide", lambda s: [s.meeting.pk, s.item.pk], "post", _by(runners=DECIDE)),
    ("role_add", lambda s: [s.meeting.pk, s.item.pk], "post", _by(runners=OK)),
    ("addendum_add", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
    ("task_done", lambda s: [s.role.pk], "post", _by(partner=REDIRECT)),
    ("role_remove", lambda s: [s.meeting.pk, s.role.pk], "post", _by(runners=REDIRECT)),
    ("external_remove", lambda s: [s.meeting.pk, s.external.pk], "post", _by(runners=REDIRECT)),
    ("member_remove", lambda s: [s.meeting.pk, s.member.pk], "post", _by(runners=REDIRECT)),
    ("meeting_finalise", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
    ("minutes_correct", lambda s: [s.meeting.pk, s.item.pk], "get", _by(runners=CHAIR)),
    ("item_remove", lambda s: [s.meeting.pk, s.item.pk], "post", _by(runners=REDIRECT)),
    ("meeting_cancel", lambda s: [s.meeting.pk], "post", _by(runners=REDIRECT)),
]


def test_matrix_covers_every_meeting_url():
    from meetings.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {row[0] for row in MATRIX}


class Situation:
    def __init__(self, meeting, desk, partner_agency):
        self.meeting = meeting
        self.member = meeting.partner_member
        self.item = meeting.case_item
        self.role = services.role_assign(
            actor=desk, item=self.item, agency=partner_agency, task="自宅を訪問する"
        )
        self.external = services.external_attendee_add(
            actor=desk, meeting=meeting, name="民生 太郎", role="民生委員", acknowledged=True
        )
        self.attachment = meeting_attachment_add(
            actor=desk,
            meeting=meeting,
            uploaded=SimpleUploadedFile("会議資料.pdf", b"%PDF-1.4\n%%EOF\n"),
            content_type="application/pdf",
        )


@pytest.mark.parametrize("situation", ["support_meeting", "multilayer_meeting"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(request, client, monkeypatch, persona, situation, desk, partner_agency):
    # Who gets the PDF is the question here; its content is test_pdf.py's.
    monkeypatch.setattr("meetings.views.render_pdf", lambda *a, **k: b"%PDF-1.7 stub")
    meeting = request.getfixturevalue(situation)
    s = Situation(meeting, desk, partner_agency)
    for name in ("coordinator", "manager", "partner", "outsider", "municipal", "admin_user"):
        request.getfixturevalue(name)
    if persona != "anonymous":
        login_verified(client, request.getfixturevalue(persona))
    readers = (*RUNNERS, "partner")
    for url_name, args, method, expected in MATRIX:
        url = reverse(f"meetings:{url_name}", args=args(s))
        response = getattr(client, method)(url)
        want = expected[persona]
        if want == DECIDE:
            want = OK if situation == "multilayer_meeting" else REDIRECT
        if want == CHAIR:
            want = OK if request.getfixturevalue(persona) == meeting.chair else NOT_FOUND
        where = f"{persona} {method.upper()} {url_name}"
        if want == LOGIN:
            assert response.status_code == 302, where
            assert response["Location"].startswith(reverse("accounts:login")), where
            continue
        assert response.status_code == want, f"{where}: {response.status_code}"
        if want == REDIRECT:
            assert not response["Location"].startswith(reverse("accounts:login")), where
        if (
            method == "get"
            and persona not in readers
            and response.get("Content-Type", "").startswith("text/html")
        ):
            html = response.content.decode()
            assert SECRET_BRIEF not in html, where
            assert meeting.title not in html, where
