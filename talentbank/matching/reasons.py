"""Why a slot stayed empty, in the plain Japanese an HR officer reads (from the solver's reason dicts).

The solver says ``no_eligible`` with a count per hard rule, or ``outranked`` naming the requests
that took every eligible specialist and the first priority criterion that put them ahead. Here
that becomes a headline ("技術士（建設部門）を持つ候補者がいません", "より優先度の高い逗子市の要請
（災害復旧）に配置されました") and one line per rule or per taker. Translated when called.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import N_
from ..requests.models import URGENCY_LABELS
from .text import translator

# The solver's hard rules in its order (docs/solver-format.md), each with the sentence for "n people fail it".
RULE_SENTENCES: dict[str, str] = {
    "profession": N_("%(n)s人は職種が異なります。"),
    "licences": N_("%(n)s人は必要な資格（%(licences)s）を持っていません。"),
    "availability": N_("%(n)s人は期間中に勤務できません。"),
    "busy": N_("%(n)s人は同じ期間に承認済みの職員交流があります。"),
    "days_per_week": N_("%(n)s人は勤務できる日数（週あたり）が足りません。"),
    "mode": N_("%(n)s人は勤務形態（現地・リモート）が合いません。"),
    "travel": N_("%(n)s人は移動時間が本人の上限を超えます。"),
    "excluded_city": N_("%(n)s人はこの市を勤務先から除外しています。"),
    "own_employer": N_("%(n)s人はこの市の現職職員です。"),
    "forbidden": N_("%(n)s人は以前に却下または辞退された組み合わせです。"),
    # counted last: these people pass every other rule and lack only the recent training
    "training": N_("%(n)s人は、他の条件は満たしていますが、災害復旧の要請に必要な研修（%(months)sか月以内の受講）を受けていません。"),
}
# An empty slot names at most this many requests that took its candidates (then "and N more").
MAX_TAKERS_SHOWN = 5
TAKER_SENTENCES: dict[str, str] = {
    "urgency": N_("より優先度の高い%(city)sの要請（%(urgency)s）に配置されました。"),
    "city_need": N_("優先順位の規則で必要度がより高い%(city)sの要請に配置されました（必要度の順位：%(city)s %(their)s位、この市 %(this)s位）。"),
    "carry_over": N_("前回までに充足されなかった%(city)sの要請（繰り越し%(their)s回）に配置されました。"),
    "earlier_posting": N_("先に掲載された%(city)sの要請に配置されました。"),
    "request_id": N_("優先度が同じで受付番号が先の%(city)sの要請に配置されました。"),
    "same_request": N_("この要請の他の枠に配置されました。"),
    "pinned": N_("承認済みの%(city)sの要請に配置されています。"),
    "lower_priority": N_("%(city)sの要請に配置されました。"),
    "exchange_priority": N_("職員交流（%(ring)s）に含まれました。優先順位の規則で、職員交流がこの要請より先に満たされます。"),
}
# Why a two-way exchange offer is in no ring of the round (the solver's ``unmatched_offers``).
UNMATCHED_OFFER_SENTENCES: dict[str, str] = {
    "officer_dispatched": N_("職員は、より優先度の高い%(city)sの派遣要請 No.%(request)s（%(urgency)s）に提案されました。"),
    "officer_busy": N_("職員は同じ期間に承認済みの職員交流または派遣があります。"),
    "no_ring": N_("条件の合う相手の提供がなく、交流の輪ができませんでした。"),
}


@dataclass(frozen=True)
class ReasonText:
    """A reason as shown: one headline and the lines behind it."""

    headline: str
    details: tuple[str, ...] = ()
    kind: str = ""


@dataclass
class ReasonContext:
    """Names the sentences need: cities by code, licences by code, urgency of each request in the round."""

    city_names: Mapping[str, str] = field(default_factory=dict)
    licence_names: Mapping[str, str] = field(default_factory=dict)
    request_urgency: Mapping[str, str] = field(default_factory=dict)
    t: Callable[..., str] = field(default_factory=translator)


def _urgency_label(urgency: str | None, t: Callable[..., str]) -> str:
    return t(URGENCY_LABELS[urgency]) if urgency in URGENCY_LABELS else (urgency or "")


def _joined(names: list[str], t: Callable[..., str]) -> str:
    return t(N_("・")).join(names)


def describe_no_eligible(reason: Mapping[str, Any], profession_name: str, licence_names: list[str],
                         ctx: ReasonContext) -> ReasonText:
    """Nobody passes the hard rules: say which rule stopped how many people."""
    _ = ctx.t
    total = int(reason.get("total", 0))
    ruled_out: Mapping[str, int] = reason.get("ruled_out", {})
    if total == 0:
        return ReasonText(_("マッチングの対象となる専門人材が登録されていません。"), (), "no_eligible")
    with_profession = total - int(ruled_out.get("profession", 0))
    months = reason.get("training_months") or ""
    details = tuple(
        _(sentence, n=ruled_out[rule], licences=_joined(licence_names, _), months=months)
        for rule, sentence in RULE_SENTENCES.items() if int(ruled_out.get(rule, 0)) > 0)
    if with_profession == 0:
        headline = _("%(profession)sの候補者がいません。", profession=profession_name)
    elif licence_names and int(ruled_out.get("licences", 0)) == with_profession:
        headline = _("%(licences)sを持つ候補者がいません。", licences=_joined(licence_names, _))
    elif int(ruled_out.get("training", 0)) == with_profession:
        headline = _("必要な研修（%(months)sか月以内の受講）を受けた候補者がいません。", months=months)
    else:
        headline = _("条件を満たす候補者がいません。")
    return ReasonText(headline, details, "no_eligible")


def describe_taker(taker: Mapping[str, Any], ctx: ReasonContext) -> str:
    """One request that took this request's candidates, and the criterion that put it first."""
    _ = ctx.t
    why = taker.get("why", "lower_priority")
    sentence = TAKER_SENTENCES.get(why, TAKER_SENTENCES["lower_priority"])
    if why == "exchange_priority" or "exchange_cycle" in taker:
        names = [ctx.city_names.get(str(code), str(code)) for code in taker.get("cities", [])]
        ring = " → ".join([*names, names[0]]) if names else ""
        count = len(taker.get("specialists", []))
        return _(TAKER_SENTENCES["exchange_priority"], ring=ring) + (_("（候補者%(n)s人）", n=count) if count else "")
    city = ctx.city_names.get(str(taker.get("city")), str(taker.get("city", "")))
    their, this = taker.get("their_value"), taker.get("this_value")
    if why == "city_need":  # need ranks count from 0 in the solver, from 1 on screen
        their = int(their) + 1 if their is not None else ""
        this = int(this) + 1 if this is not None else ""
    urgency = _urgency_label(ctx.request_urgency.get(str(taker.get("request")), their if why == "urgency" else None),
                             _)
    text = _(sentence, city=city, urgency=urgency, their=their if their is not None else "",
             this=this if this is not None else "")
    count = len(taker.get("specialists", []))
    return text + (_("（候補者%(n)s人）", n=count) if count else "")


def describe_outranked(reason: Mapping[str, Any], ctx: ReasonContext) -> ReasonText:
    """Every eligible specialist went elsewhere: name where and why that came first (at most a few requests)."""
    _ = ctx.t
    takers = list(reason.get("taken_by", []))
    eligible = int(reason.get("eligible", 0))
    if takers and all(t.get("why") == "same_request" for t in takers):
        headline = _("条件を満たす候補者は%(n)s人だけで、全員がこの要請の他の枠に配置されています。", n=eligible)
        return ReasonText(headline, (), "outranked")
    if len(takers) == 1:
        return ReasonText(describe_taker(takers[0], ctx),
                          (_("条件を満たす候補者は%(n)s人いましたが、全員が配置済みです。", n=eligible),), "outranked")
    details = tuple(describe_taker(t, ctx) for t in takers[:MAX_TAKERS_SHOWN])
    if len(takers) > MAX_TAKERS_SHOWN:
        details += (_("ほか%(n)s件の要請に配置されました。", n=len(takers) - MAX_TAKERS_SHOWN),)
    headline = _("条件を満たす候補者%(n)s人は、全員がより優先度の高い要請に配置されました。", n=eligible)
    return ReasonText(headline, details, "outranked")


def describe_unmatched_offer(reason: Mapping[str, Any], ctx: ReasonContext) -> str:
    """Why an exchange offer joined no ring this round, as one sentence."""
    kind = str(reason.get("kind", "no_ring"))
    sentence = UNMATCHED_OFFER_SENTENCES.get(kind, UNMATCHED_OFFER_SENTENCES["no_ring"])
    city = ctx.city_names.get(str(reason.get("city")), str(reason.get("city", "")))
    return ctx.t(sentence, city=city, request=reason.get("request", ""),
                 urgency=_urgency_label(reason.get("urgency"), ctx.t))


def describe_unfilled(reason: Mapping[str, Any], profession_name: str, licence_codes: list[str],
                      ctx: ReasonContext) -> ReasonText:
    """The reason a request's slots stayed empty, as a headline and detail lines."""
    kind = reason.get("kind")
    if kind == "no_eligible":
        names = [ctx.licence_names.get(code, code) for code in licence_codes]
        return describe_no_eligible(reason, profession_name, names, ctx)
    if kind == "outranked":
        return describe_outranked(reason, ctx)
    return ReasonText(ctx.t("候補者を配置できませんでした（理由の種類：%(kind)s）。", kind=str(kind)), (), str(kind))


# ----------------------------------------------------------------------------- why people reject

# The reasons a coordinator picks when rejecting a proposal or a ring (a fixed vocabulary, with free text).
# The stored reason is the Japanese sentence (the records go to Japanese offices) followed by the free text;
# ``reason_for_display`` turns the sentence back into the reader's language.
OTHER_REASON = "other"
PROPOSAL_REJECTION_REASONS: dict[str, str] = {
    "travel": N_("勤務地までの移動が本人の負担になる"),
    "skills": N_("経験・技能が要請の業務に合わない"),
    "schedule": N_("勤務できる期間・日数が要請に合わない"),
    "city_wishes": N_("要請元の市の意向に合わない"),
    "conflict": N_("利害関係・兼業の制約がある"),
    "next_round": N_("次回のマッチングでより適した候補を待つ"),
    OTHER_REASON: N_("その他（下に理由を記入）"),
}
RING_REJECTION_REASONS: dict[str, str] = {
    "timing": N_("交流の時期が各市の人員計画に合わない"),
    "transfer": N_("対象職員の異動・退職の予定がある"),
    "balance": N_("各市の職種・経験の釣り合いがとれない"),
    "city_wishes": N_("関係する市の意向に合わない"),
    OTHER_REASON: N_("その他（下に理由を記入）"),
}
REASON_SEPARATOR = "："


def rejection_reason(vocabulary: Mapping[str, str], code: str | None, detail: str | None) -> str:
    """The reason as stored: the picked sentence (Japanese), then the free text; "" when neither is given.

    "Other" is no reason by itself: it needs the free text."""
    detail = (detail or "").strip()
    sentence = vocabulary.get(code or "") if code != OTHER_REASON else None
    if sentence and detail:
        return f"{sentence}{REASON_SEPARATOR}{detail}"
    return sentence or detail


def reason_for_display(stored: str | None, t: Callable[..., str] | None = None) -> str:
    """A stored reason in the reader's language: a sentence of the vocabulary is translated, free text kept."""
    if not stored:
        return ""
    t = t or translator()
    for sentence in (*PROPOSAL_REJECTION_REASONS.values(), *RING_REJECTION_REASONS.values()):
        if stored == sentence:
            return t(sentence)
        if stored.startswith(sentence + REASON_SEPARATOR):
            return t(N_("%(reason)s：%(detail)s"), reason=t(sentence),
                     detail=stored[len(sentence) + len(REASON_SEPARATOR):])
    return stored
