"""Scheduled work on exchange offers: expiring those whose period began with no exchange agreed.

The lifecycle rule is the exchange domain's (``expire_offer``); this job decides when it runs and
tells the offering city's HR officers, in the same transaction as the expiry.
"""
from __future__ import annotations

from sqlalchemy import select

from ..core.clock import today_tokyo
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..notifications.kinds import register_kind
from ..notifications.services import link_to, notify_users, users_with_role
from ..core.jobs import JobResult, RunContext, daily, scheduled_job
from .services import due_offer_ids, expire_offer

register_kind(
    "exchange_offer.expired",
    N_("交流職員の提供が期限切れになりました（No.%(id)s）"),
    N_("交流職員の提供 No.%(id)s（%(reference)s、%(start_date)s〜%(end_date)s）は、期間が始まるまでに交流が"
       "成立しなかったため期限切れになりました。必要な場合は新しい期間で提供を登録してください。"),
    {"id": 7, "reference": "TB-000318", "start_date": "2027-04-01", "end_date": "2028-03-31"},
)


@scheduled_job("exchange.expire_offers", trigger=daily(0, 15), title=N_("期間が始まった交流職員の提供の期限切れ"),
               schedule=N_("毎日 0:15"), misfire_grace_time=23 * 3600)
def expire_unmatched_offers(run: RunContext) -> JobResult:
    """Expire draft and open offers whose period began before today, and tell the offering city."""
    ids = due_offer_ids(today_tokyo())
    for offer_id in ids:
        offer = expire_offer(offer_id, None, commit=False)
        notify_users(users_with_role(Role.CITY_HR, city_id=offer.city_id), "exchange_offer.expired",
                     {"id": offer.id, "reference": offer.officer.reference if offer.officer else "",
                      "start_date": offer.start_date.isoformat(), "end_date": offer.end_date.isoformat()},
                     link=link_to("exchange.detail", offer_id=offer.id), dedupe_key=f"exchange_offer.expired:{offer.id}")
    db.session.commit()
    return JobResult(N_("%(count)s件の交流職員の提供を期限切れにしました。"), {"count": len(ids)})
