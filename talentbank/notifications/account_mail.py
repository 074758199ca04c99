"""The e-mails that carry an account's one-time links: a forgotten password, an unlock after a lock-out.

The accounts domain announces the link (accounts/events.py) inside the transaction that issued it; these
subscribers put the e-mail in the outbox in that same transaction. The link's full address needs
``TALENTBANK_PUBLIC_BASE_URL`` (a link built from the request's Host header could be pointed elsewhere by
whoever sends the request), so without it the mail cannot carry the link and an error is logged.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from ..core.errors import N_
from .kinds import register_kind
from .services import link_to, notify_address

log = logging.getLogger(__name__)

register_kind(
    "account.password_reset",
    N_("パスワードの再設定"),
    N_("パスワードの再設定のお申し込みを受け付けました。次のリンクを開き、%(minutes)s分以内に新しいパスワードを"
       "設定してください（1回限り有効）。お心当たりがない場合は、このメールを破棄してください。パスワードは変わりません。"),
    {"minutes": 60},
)
register_kind(
    "account.locked",
    N_("ログインの失敗が続いたため、アカウントを一時的にロックしました"),
    N_("あなたのアカウントで、パスワードの誤りが%(failures)s回続いたため、ログインを%(minutes)s分間停止しました。"
       "ご本人の場合は、次のリンクを開いてパスワードを入力すると、すぐにロックを解除してログインできます"
       "（%(hours)s時間有効・1回限り）。お心当たりがない場合は、第三者がログインを試みた可能性があります。"
       "推測されにくいパスワードか確認し、必要ならログイン画面の「パスワードをお忘れの方」から再設定してください。"),
    {"failures": 5, "minutes": 15, "hours": 24},
)


def _warn_without_base_url(kind: str) -> None:
    if not current_app.config.get("PUBLIC_BASE_URL"):
        log.error("%s: TALENTBANK_PUBLIC_BASE_URL is not set, so the e-mail cannot carry its link", kind)


def send_password_reset(user: Any, token: str, valid_minutes: int) -> None:
    """``password_reset_requested``: e-mail the link to set a new password, in the caller's transaction."""
    _warn_without_base_url("account.password_reset")
    notify_address(user.email, user.display_name, user.language, "account.password_reset",
                   {"minutes": valid_minutes}, link=link_to("accounts.reset_password", token=token))


def send_unlock_link(user: Any, unlock_token: str, minutes: int, failures: int, valid_hours: int) -> None:
    """``account_locked``: tell the owner, with a link that unlocks the account, in the caller's transaction."""
    _warn_without_base_url("account.locked")
    notify_address(user.email, user.display_name, user.language, "account.locked",
                   {"failures": failures, "minutes": minutes, "hours": valid_hours},
                   link=link_to("accounts.unlock", token=unlock_token))
