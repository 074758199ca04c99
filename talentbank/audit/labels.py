"""Names for audit actions and fields as people read them; each domain adds its own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "account.locked": _l("アカウントのロック"),
    "account.password_changed": _l("パスワード変更"),
    "user.invited": _l("職員の招待"),
    "user.invitation_accepted": _l("招待の受諾"),
    "user.enabled": _l("アカウントの有効化"),
    "user.disabled": _l("アカウントの無効化"),
    "city.created": _l("市町村の追加"),
    "city.updated": _l("市の指標の変更"),
    "travel.updated": _l("移動時間の変更"),
}

FIELD_LABELS = {
    "code": _l("団体コード"),
    "name_ja": _l("市名（日本語）"),
    "name_en": _l("市名（英語）"),
    "prefecture": _l("都道府県"),
    "population": _l("人口"),
    "general_staff": _l("一般行政職員数"),
    "allowance_rate": _l("地域手当支給率"),
    "fiscal_index": _l("財政力指数"),
    "indicators_year": _l("指標の年度"),
    "is_sample_indicators": _l("指標はサンプル値"),
    "is_member": _l("連携市（マッチングの対象）"),
    "is_enabled": _l("有効"),
    "email": _l("メールアドレス"),
    "role": _l("役割"),
}


def action_label(action: str) -> str:
    """The readable name of an action, or its code when none is registered."""
    return str(ACTION_LABELS.get(action, action))


def field_label(name: str) -> str:
    """The readable name of a changed field, or its code when none is registered."""
    return str(FIELD_LABELS.get(name, name))
