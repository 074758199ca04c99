"""Header values are one line by construction; a message the mail library refuses fails alone, the batch goes on."""
from __future__ import annotations

from datetime import datetime

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.mail import deliver_due_messages
from talentbank.notifications.services import notify

from .test_delivery import outbox

T0 = datetime(2026, 12, 7, 0, 0)
EXPIRED = {"department": "都市整備部\r\n道路\x0b課", "section": "道路課", "people": 2,
           "profession": {"ja": "土木職", "en": "Civil engineer"}, "start_date": "2026-12-01", "end_date": "2027-03-31"}


def test_a_department_with_a_line_break_gives_a_one_line_subject(make, smtp_server):
    clock.freeze(T0)
    user = make.user(Role.CITY_HR, city=make.city(), display_name="横須賀\n花子")
    notify(user, "request.expired", EXPIRED)
    db.session.commit()
    assert deliver_due_messages().sent == 1
    (mail,) = smtp_server.mailbox.to(user.email)
    assert mail["Subject"] == "[専門人材バンク] 派遣要請が期限切れになりました（都市整備部 道路 課 道路課）"
    assert "横須賀 花子 様" in mail.get_content()


def test_an_unsendable_message_is_marked_failed_and_the_others_are_delivered(make, smtp_server):
    clock.freeze(T0)
    users = [make.user(Role.COORDINATOR) for _ in range(3)]
    for user in users:
        notify(user, "mail.test", {})
    db.session.commit()
    broken = outbox()[0]
    broken.to_address = "evil@example.jp\nBcc: victim@example.jp"  # the mail library refuses such a header
    db.session.commit()
    report = deliver_due_messages()
    assert (report.sent, report.failed) == (2, 1)
    stored = {m.id: m for m in outbox()}
    assert stored[broken.id].status == "failed" and "cannot be built" in stored[broken.id].last_error
    assert [m.status for i, m in stored.items() if i != broken.id] == ["sent", "sent"]
    assert len(smtp_server.mailbox.received) == 2
