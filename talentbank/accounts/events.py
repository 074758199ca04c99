"""What happens to an account that other domains react to: the one-time links its owner must be sent.

Both are sent with ``signal.send`` inside the transaction that issued the link, before its commit, so
the e-mail is queued exactly when the link exists (notifications.account_mail writes it to the outbox).
The plain token travels only in the event; the database keeps its hash.
"""
from __future__ import annotations

from ..core.events import signals

password_reset_requested = signals.signal("password-reset-requested", doc="""
Sent with the user who asked for a forgotten-password link (``token=``, ``valid_minutes=``), inside the
transaction that issued it. Only for a real, enabled account: the page says the same either way.""")

account_locked = signals.signal("account-locked", doc="""
Sent with the user whose account has just been locked after failed log-ins (``unlock_token=``,
``minutes=`` locked, ``failures=`` in a row, ``valid_hours=`` of the link), inside the transaction
that locked it. Not sent again while an earlier unlock link is still open.""")
