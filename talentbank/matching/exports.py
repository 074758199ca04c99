"""A round's result as files: XLSX (proposals, empty slots, exchange rings) and CSV (one table).

Headers and labels are Japanese whatever the screen language, as for the demand board: the files
go to Japanese HR offices. Specialists appear by their reference number only (no names).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core import spreadsheets
from ..core.spreadsheets import safe_text
from ..exchange.rings.models import CYCLE_STATUS_LABELS
from ..i18n import show_time
from ..requests.models import URGENCY_LABELS
from .labels import SCORE_PART_LABELS, SCORE_PARTS
from .models import PROPOSAL_STATUS_LABELS
from .reasons import ReasonText
from .review import RoundReview

PROPOSAL_HEADERS = ["マッチング番号", "団体コード", "市", "要請番号", "部署", "課・係", "職種", "緊急度", "優先順位",
                    "候補者番号", "種別", "合計点", *[SCORE_PART_LABELS[p] for p in SCORE_PARTS], "状態",
                    "判断日時", "判断の理由"]
UNFILLED_HEADERS = ["マッチング番号", "団体コード", "市", "要請番号", "部署", "課・係", "職種", "緊急度", "優先順位",
                    "空いた枠", "理由", "理由の詳細"]
CYCLE_HEADERS = ["マッチング番号", "輪の番号", "状態", "市の輪", "交流職員の提供（番号）", "候補者番号"]
CSV_HEADERS = ["区分", "マッチング番号", "団体コード", "市", "要請番号", "部署", "課・係", "職種", "緊急度", "優先順位",
               "候補者番号", "合計点", *[SCORE_PART_LABELS[p] for p in SCORE_PARTS], "状態", "空いた枠", "理由"]




def _request_cells(review: RoundReview, city: Any, group: Any, text: Any) -> list[Any]:
    req = group.request
    position = group.priority_position + 1 if group.priority_position is not None else ""
    return [review.round.id, city.code, city.name_ja, req.id, text(req.department), text(req.section),
            req.profession.name_ja, URGENCY_LABELS.get(req.urgency, req.urgency), position]


def _reason_text(reason: ReasonText | None) -> tuple[str, str]:
    if reason is None:
        return "", ""
    return reason.headline, " ".join(reason.details)


def proposal_rows(review: RoundReview, text: Any = safe_text) -> Iterator[list[Any]]:
    """Proposals and kept pairings, city by city in priority order, as cells under ``PROPOSAL_HEADERS``."""
    for cg in review.cities:
        for group in cg.requests:
            base = _request_cells(review, cg.city, group, text)
            for kept in group.kept:
                status = (PROPOSAL_STATUS_LABELS[kept.proposal.status] if kept.proposal else "派遣中")
                yield [*base, kept.card.reference if kept.card else kept.specialist_id, "承認済み（固定）",
                       kept.score.get("total", ""), *[kept.score.get(p, "") for p in SCORE_PARTS], status,
                       show_time(kept.proposal.decided_at) if kept.proposal else "", ""]
            for row in group.proposals:
                p = row.proposal
                yield [*base, row.card.reference if row.card else p.specialist_id, "新規の提案",
                       p.score.get("total", ""), *[p.score.get(part, "") for part in SCORE_PARTS],
                       PROPOSAL_STATUS_LABELS[p.status], show_time(p.decided_at), text(p.decision_reason or "")]


def unfilled_rows(review: RoundReview, text: Any = safe_text) -> Iterator[list[Any]]:
    """Requests with empty slots and why, as cells under ``UNFILLED_HEADERS``."""
    for cg in review.cities:
        for group in cg.requests:
            if group.unfilled is None:
                continue
            headline, details = _reason_text(group.reason)
            yield [*_request_cells(review, cg.city, group, text), group.unfilled.slots, headline, details]


def cycle_rows(review: RoundReview) -> Iterator[list[Any]]:
    """Exchange rings as cells under ``CYCLE_HEADERS``."""
    for view in review.cycles:
        ring = " → ".join(step["from_city"].name_ja for step in view.steps if step["from_city"])
        if view.steps and view.steps[0]["from_city"]:
            ring += " → " + view.steps[0]["from_city"].name_ja
        yield [review.round.id, view.cycle.position + 1, CYCLE_STATUS_LABELS[view.cycle.status], ring,
               ", ".join(str(o) for o in view.cycle.offers),
               ", ".join(step["card"].reference for step in view.steps if step["card"])]


def csv_rows(review: RoundReview) -> Iterator[list[Any]]:
    """The round as one table's rows: proposals (kept first), then empty slots."""
    no_parts = [""] * len(SCORE_PARTS)
    for cg in review.cities:
        for group in cg.requests:
            base = _request_cells(review, cg.city, group, safe_text)
            for kept in group.kept:
                status = PROPOSAL_STATUS_LABELS[kept.proposal.status] if kept.proposal else "派遣中"
                yield ["承認済み（固定）", *base, kept.card.reference if kept.card else kept.specialist_id,
                       kept.score.get("total", ""), *[kept.score.get(p, "") for p in SCORE_PARTS], status, "", ""]
            for row in group.proposals:
                p = row.proposal
                yield ["新規の提案", *base, row.card.reference if row.card else p.specialist_id,
                       p.score.get("total", ""), *[p.score.get(part, "") for part in SCORE_PARTS],
                       PROPOSAL_STATUS_LABELS[p.status], "", safe_text(p.decision_reason or "")]
    for cg in review.cities:
        for group in cg.requests:
            if group.unfilled is None:
                continue
            headline, details = _reason_text(group.reason)
            yield ["空いた枠", *_request_cells(review, cg.city, group, safe_text), "", "", *no_parts, "",
                   group.unfilled.slots, " ".join(x for x in (headline, details) if x)]


def csv_text(review: RoundReview) -> str:
    """The round as one CSV table (UTF-8 with BOM so Excel reads it): proposals, then empty slots."""
    return spreadsheets.csv_text(CSV_HEADERS, csv_rows(review))


def xlsx_bytes(review: RoundReview) -> bytes:
    """The round as an Excel workbook: one sheet each for proposals, empty slots and exchange rings."""
    return spreadsheets.xlsx_bytes(
        spreadsheets.Sheet("提案", PROPOSAL_HEADERS, proposal_rows(review, text=str),
                           {3: 10, 5: 18, 6: 18, 7: 12, 10: 12, 11: 16}),
        spreadsheets.Sheet("空いた枠", UNFILLED_HEADERS, unfilled_rows(review, text=str),
                           {3: 10, 5: 18, 6: 18, 11: 50, 12: 80}),
        spreadsheets.Sheet("交流の輪", CYCLE_HEADERS, cycle_rows(review), {4: 40, 5: 24, 6: 30}),
    )


def export_filename(review: RoundReview, extension: str) -> str:
    """``matching-round-12-20261129.xlsx``: ASCII, so every browser keeps it."""
    finished = review.round.finished_at or review.round.created_at
    stamp = show_time(finished, "date").replace("-", "")
    return f"matching-round-{review.round.id}-{stamp}.{extension}"
