"""What the library tells people: an after-action note is asked for when a dispatch ends, and reminded once.

Registered beside the code that sends them (notifications/kinds.py). A notice to a city names no person.
"""
from __future__ import annotations

from ..core.errors import N_
from ..notifications.kinds import register_kind

_CITY = {"ja": "逗子市", "en": "Zushi"}

register_kind(
    "library.note_requested",
    N_("派遣の振り返りのお願い（%(city)s、%(start_date)s〜%(end_date)s）"),
    N_("%(city)s での派遣（%(start_date)s〜%(end_date)s）が終わりました。うまくいったこと、他の市と共有したいことを"
       "短い振り返りとして書いてください。「共有する」を選んだ振り返りは、連携市の事例・ノウハウとして検索できるように"
       "なります。選ばなければ、派遣の当事者と幹事市だけが読めます。"),
    {"city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30"},
)
register_kind(
    "library.note_reminder",
    N_("【再通知】派遣の振り返りのお願い（%(city)s、%(start_date)s〜%(end_date)s）"),
    N_("%(city)s での派遣（%(start_date)s〜%(end_date)s）の振り返りがまだありません。数行で構いませんので、"
       "うまくいったこと、共有したいことを書いてください。再通知はこの1回だけです。"),
    {"city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30"},
)
