"""The words of the review screens: score parts, the labels every row repeats, a candidate's one-line card.

The review of a round shows 2,000 rows; each label is translated once per page here and the rows
only format it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.errors import N_
from ..requests.models import URGENCY_LABELS
from ..specialists.cards import CandidateCard
from .models import PROPOSAL_STATUS_LABELS
from .text import current_locale, translator

SCORE_PARTS = ("experience", "extra_licences", "travel", "preferred_city", "continuity")
SCORE_PART_LABELS = {"experience": N_("経験年数"), "extra_licences": N_("追加の資格"), "travel": N_("移動時間"),
                     "preferred_city": N_("希望の市"), "continuity": N_("継続性")}


def score_parts_text(score: dict[str, Any], dot: str = "・") -> str:
    """The score parts as the review list prints them, in the order of its legend (``dot``: the reader's
    separator, ``t(N_("・"))``)."""
    return "(" + dot.join(str(score.get(part, 0)) for part in SCORE_PARTS) + ")"


def priority_explainer() -> Callable[[dict[str, Any]], str]:
    """``explain(info)``: why a request stands where it does in the priority order, in the reader's words."""
    t = translator()

    def explain(info: dict[str, Any]) -> str:
        if not info:
            return ""
        parts = [t(URGENCY_LABELS.get(info.get("urgency"), "通常"))]
        if info.get("city_need_rank") is not None:
            parts.append(t(N_("市の必要度 %(rank)s位"), rank=int(info["city_need_rank"]) + 1))
        if info.get("carry_over"):
            parts.append(t(N_("繰り越し%(n)s回"), n=info["carry_over"]))
        return t(N_("・")).join(parts)

    return explain


def page_labels() -> dict[str, Any]:
    """Every label the rows of a review repeat, translated once per page (2,000 rows, no lookups inside)."""
    t = translator()
    return {
        "status": {k: t(v) for k, v in PROPOSAL_STATUS_LABELS.items()},
        "urgency": {k: t(v) for k, v in URGENCY_LABELS.items()},
        "score_legend": t(N_("合計（%(parts)s）"), parts=t(N_("・")).join(t(SCORE_PART_LABELS[part]) for part in SCORE_PARTS)),
        "kind": {"retired": t(N_("退職専門人材")), "serving": t(N_("現職職員"))},
        "remote_served": t(N_("リモート勤務")), "prefers": t(N_("貴市での勤務を希望")),
        "request_no": t(N_("派遣要請 No.%(id)s")), "people": t(N_("%(n)s人")), "days": t(N_("週%(n)s日")),
        "position": t(N_("優先順位 %(pos)s位（全%(total)s件中）")), "kept": t(N_("承認済み（固定）")),
        "dispatched": t(N_("派遣中")), "empty": t(N_("空いた枠 %(n)s人")), "approve": t(N_("承認")),
        "reject": t(N_("却下…")), "candidate": t(N_("候補者")), "score": t(N_("点数の内訳")), "state": t(N_("状態")),
        "decision": t(N_("審査")), "choose": t(N_("選択")),
        "city_counts": t(N_("要請 %(r)s件・新規の提案 %(p)s件・空いた枠 %(u)s人")),
        "choose_named": t(N_("%(ref)s（派遣要請 No.%(request)s）を選ぶ")),
        "approve_named": t(N_("%(ref)s を派遣要請 No.%(request)s に承認")),
        "reject_named": t(N_("%(ref)s の派遣要請 No.%(request)s への提案を却下")),
        "change_new": t(N_("前回から：新しい組み合わせ")),
        "change_person": t(N_("前回から：人が変わった（前回 %(refs)s）")),
        "newly_empty": t(N_("前回から：新たに空いた枠")),
        # Punctuation in the reader's language, through the catalogue as on every other page.
        "sep": t(N_("、")), "dot": t(N_("・")), "colon": t(N_("：")), "range": t(N_("%(start)s 〜 %(end)s")),
    }


@dataclass(frozen=True)
class CardSummary:
    """A candidate card (specialists/cards.py) as one line of the review list: the same facts, as text."""

    specialist_id: int
    reference: str
    kind: str
    professions: str
    licences: str
    details: str
    prefers_viewer_city: bool
    slash: str = "／"  # between professions and licences, in the reader's language

    @property
    def qualifications(self) -> str:
        """Professions, then licences: the card's first line."""
        return f"{self.professions} {self.slash} {self.licences}" if self.licences else self.professions


def card_summaries(cards: dict[int, CandidateCard]) -> dict[int, CardSummary]:
    """The cards as the review list prints them, in the reader's language (labels translated once)."""
    locale, t = current_locale(), translator()
    sep, dot, slash, brackets = t(N_("、")), t(N_("・")), t(N_("／")), t(N_("（%(text)s）"))
    years_label, days = t(N_("%(field)s %(years)s年")), t(N_("週%(n)s日"))
    onsite, remote = t(N_("現地")), t(N_("在宅"))
    travel, no_limit, employer = t(N_("片道%(minutes)s分まで")), t(N_("移動時間の制限なし")), t(N_("所属: %(city)s"))
    summaries = {}
    for sid, card in cards.items():
        where = card.home_city.display_name(locale)
        if card.employer_city is not None:
            where += brackets % {"text": employer % {"city": card.employer_city.display_name(locale)}}
        parts = [sep.join(years_label % {"field": field.display_name(locale), "years": years}
                           for field, years in card.experiences)] if card.experiences else []
        parts += [where, days % {"n": card.days_per_week}]
        if card.can_work_onsite:
            parts.append(onsite + " " + (travel % {"minutes": card.max_travel_minutes}
                                         if card.max_travel_minutes is not None else no_limit))
        if card.can_work_remote:
            parts.append(remote)
        summaries[sid] = CardSummary(
            specialist_id=sid, reference=card.reference, kind=card.kind,
            professions=dot.join(p.display_name(locale) for p in card.professions),
            licences=sep.join(lic.display_name(locale) for lic in card.licences),
            details=f" {dot} ".join(parts), prefers_viewer_city=card.prefers_viewer_city, slash=slash)
    return summaries
