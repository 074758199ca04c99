"""What happens to a staffing request that other domains react to, and what they are asked about it."""
from __future__ import annotations

from ..core.events import signals

request_opened = signals.signal("request-opened", doc="""
Sent with the request after it opened (or was reopened) and the change was committed, e.g. for a
disaster-recovery fast-track round. Sent with ``announce``: a failure is logged, never undoes it.""")

request_withdrawing = signals.signal("request-withdrawing", doc="""
Sent with the request inside the withdrawing transaction, before the commit (pending proposals and
offers are taken back). An exception aborts the withdrawal.""")

request_frozen = signals.signal("request-frozen", doc="""
Sent with a request id; a subscriber answers True when something is proposed or placed for it: the
requesting city may then no longer change or withdraw it.""")
