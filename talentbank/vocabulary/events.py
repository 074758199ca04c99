"""What the vocabulary domain asks the domains that use its terms."""
from __future__ import annotations

from ..core.events import collect, signals

term_usage_wanted = signals.signal("term-usage-wanted", doc="""
Sent with a vocabulary model (Profession, Licence or ExperienceField); each subscriber answers
{term_id: count} of the records that use each term, so the coordinator retires rather than misreads.""")


def usage_counts(model: type) -> dict[int, int]:
    """How many records use each term, summed over every domain that answers."""
    total: dict[int, int] = {}
    for answer in collect(term_usage_wanted, model):
        for term_id, count in answer.items():
            total[int(term_id)] = total.get(int(term_id), 0) + int(count)
    return total
