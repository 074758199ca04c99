"""The figures as labelled tables: one list of rows per table, shared by the pages, the charts and the workbooks.

A ``Table`` holds its caption, column headers and rows of plain values (numbers stay numbers; a rate is
a fraction, None where nothing was asked for), so the page's table, the chart beside it and the XLSX
sheet show exactly the same figures. Labels are translated when the table is built (the reader's language).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import figures
from .figures import FiscalRow, FiscalYear, Names, RoundFigures, SupplyDemand, TrendPoint

REASON_GROUP_LABELS = {
    "missing_licence": _l("必要な資格を持つ人がいない"),
    "untrained": _l("災害復旧に必要な研修を受けた人がいない"),
    "unavailable": _l("期間中に勤務できる人がいない"),
    "too_far": _l("遠すぎる（移動時間・勤務先の除外）"),
    "outranked": _l("より優先度の高い要請に配置された"),
    "no_candidates": _l("その職種の登録者がいない"),
    "other": _l("その他（勤務形態・自市職員・辞退済みなど）"),
}


@dataclass
class Table:
    """A captioned table: ``rows`` are (label, values...) with ``highlight`` marking the reader's own city."""

    key: str
    caption: str
    headers: list[str]
    rows: list[list[Any]]
    highlight: list[bool] = field(default_factory=list)
    percent_columns: frozenset[int] = frozenset()  # 0-based columns holding a rate (0..1 or None)
    decimal_columns: frozenset[int] = frozenset()  # columns with one decimal (person-days, medians)
    has_total_row: bool = False  # the last row sums the others: in the table, not among the chart's bars

    def column(self, index: int) -> list[Any]:
        return [row[index] for row in self.rows]

    @property
    def chart_rows(self) -> list[list[Any]]:
        """The rows drawn as bars (a total would dwarf them)."""
        return self.rows[:-1] if self.has_total_row else self.rows

    def text(self, index: int, value: Any) -> str:
        """A value as the page shows it: rates in %, one decimal where asked, thousands separated, "—" for none."""
        if value is None:
            return "—"
        if index in self.percent_columns:
            return f"{value * 100:.1f}%"
        if index in self.decimal_columns:
            return f"{value:,.1f}"
        if isinstance(value, (int, float)):
            return f"{value:,}"
        return str(value)

    def shown_rows(self) -> list[list[tuple[Any, str]]]:
        """Each row's cells as (value, text), formatted once in Python (a page has thousands of cells)."""
        return [[(v, self.text(i, v)) for i, v in enumerate(row)] for row in self.rows]

    @property
    def text_columns(self) -> frozenset[int]:
        """Columns holding labels rather than numbers (the first, and any other text column)."""
        first = self.rows[0] if self.rows else []
        return frozenset({0} | {i for i, v in enumerate(first) if isinstance(v, str)})


def city_label(names: Names, city_id: int | None, locale: str) -> str:
    if city_id is None:
        return _("連携市全体")
    return names.cities[city_id].display_name(locale)


def profession_label(names: Names, profession_id: int | None, locale: str) -> str:
    if profession_id is None:
        return _("職員交流・職種なし")
    return names.professions[profession_id].display_name(locale)


def _flags(ids: Sequence[Any], own: int | None) -> list[bool]:
    return [own is not None and i == own for i in ids]


# ---------------------------------------------------------------- the alliance picture

def supply_demand_table(items: list[SupplyDemand], names: Names, locale: str) -> Table:
    order = names.profession_order(i.profession_id for i in items)
    by_id = {i.profession_id: i for i in items}
    rows = [[profession_label(names, pid, locale), by_id[pid].available_people, by_id[pid].open_slots,
             by_id[pid].available_people - by_id[pid].open_slots] for pid in order]
    return Table("supply_demand", _("職種別の供給と需要"),
                 [_("職種"), _("確認済みで勤務可能な人数"), _("未充足の人数"), _("差（人数−未充足）")], rows)


def _round_rows(cells: dict[Any, figures.RoundCell], order: list[Any], label: Any) -> list[list[Any]]:
    return [[label(k), cells[k].asked, cells[k].filled, cells[k].empty, cells[k].fill_rate] for k in order]


ROUND_HEADERS = (lambda: [_("提案を求めた枠"), _("提案された枠"), _("空いた枠"), _("充足率")])


def round_city_table(fig: RoundFigures, names: Names, locale: str, own_city: int | None) -> Table:
    cells = fig.by_city()
    order = names.city_order(cells)
    rows = _round_rows(cells, order, lambda k: city_label(names, k, locale))
    return Table("round_by_city", _("市別の充足率（マッチング No.%(id)s）", id=fig.round_id),
                 [_("市"), *ROUND_HEADERS()], rows, _flags(order, own_city), frozenset({4}))


def round_profession_table(fig: RoundFigures, names: Names, locale: str) -> Table:
    cells = fig.by_profession()
    order = names.profession_order(cells)
    rows = _round_rows(cells, order, lambda k: profession_label(names, k, locale))
    return Table("round_by_profession", _("職種別の充足率（マッチング No.%(id)s）", id=fig.round_id),
                 [_("職種"), *ROUND_HEADERS()], rows, percent_columns=frozenset({4}))


def round_cell_table(fig: RoundFigures, names: Names, locale: str, own_city: int | None) -> Table:
    cells = {(c.city_id, c.profession_id): c for c in fig.cells}
    city_rank = {cid: n for n, cid in enumerate(names.city_order(c[0] for c in cells))}
    prof_rank = {pid: n for n, pid in enumerate(names.profession_order(c[1] for c in cells))}
    order = sorted(cells, key=lambda k: (city_rank[k[0]], prof_rank[k[1]]))
    rows = [[city_label(names, k[0], locale), profession_label(names, k[1], locale), cells[k].asked,
             cells[k].filled, cells[k].empty, cells[k].fill_rate] for k in order]
    return Table("round_by_city_profession", _("市・職種別の充足率（マッチング No.%(id)s）", id=fig.round_id),
                 [_("市"), _("職種"), *ROUND_HEADERS()], rows, _flags([k[0] for k in order], own_city),
                 frozenset({5}))


def reasons_table(fig: RoundFigures, locale: str, own_city: int | None, names: Names) -> Table:
    alliance = fig.reasons_by_group()
    headers = [_("理由"), _("空いた枠（連携市全体）")]
    own = fig.reasons_by_group(own_city) if own_city is not None else None
    if own is not None:
        headers.append(_("空いた枠（%(city)s）", city=city_label(names, own_city, locale)))
    rows = [[str(REASON_GROUP_LABELS[g]), alliance[g], *([own[g]] if own is not None else [])]
            for g in figures.REASON_GROUPS]
    return Table("reasons", _("枠が空いた理由（マッチング No.%(id)s）", id=fig.round_id), headers, rows)


def reasons_by_city_table(fig: RoundFigures, names: Names, locale: str, own_city: int | None) -> Table:
    order = names.city_order(c for c, _g in fig.reasons)
    rows = [[city_label(names, cid, locale), *(fig.reasons_by_group(cid)[g] for g in figures.REASON_GROUPS)]
            for cid in order]
    return Table("reasons_by_city", _("市別・理由別の空いた枠（マッチング No.%(id)s）", id=fig.round_id),
                 [_("市"), *(str(REASON_GROUP_LABELS[g]) for g in figures.REASON_GROUPS)], rows,
                 _flags(order, own_city))


def trend_table(points: list[TrendPoint], names: Names, locale: str, own_city: int | None) -> Table:
    headers = [_("マッチング"), _("実行日"), _("提案を求めた枠"), _("提案された枠"), _("充足率")]
    if own_city is not None:
        headers.append(_("充足率（%(city)s）", city=city_label(names, own_city, locale)))
    rows = []
    for p in points:
        total = p.total
        row = [_("No.%(id)s", id=p.round_id), figures.tokyo_date(p.finished_at) if p.finished_at else None,
               total.asked, total.filled, total.fill_rate]
        if own_city is not None:
            mine = p.by_city.get(own_city)
            row.append(mine.fill_rate if mine else None)
        rows.append(row)
    return Table("trend", _("過去のマッチングの充足率"), headers, rows,
                 percent_columns=frozenset({4, 5} if own_city is not None else {4}))


def trend_city_table(points: list[TrendPoint], names: Names, locale: str, own_city: int | None) -> Table:
    """Each city's fill rate in each of the past rounds (a city a round did not concern: empty)."""
    order = names.city_order(cid for p in points for cid in p.by_city)
    rows = [[city_label(names, cid, locale),
             *((p.by_city[cid].fill_rate if cid in p.by_city else None) for p in points)] for cid in order]
    return Table("trend_by_city", _("市別の充足率の推移"), [_("市"), *(_("No.%(id)s", id=p.round_id) for p in points)],
                 rows, _flags(order, own_city), frozenset(range(1, len(points) + 1)))


def trend_profession_table(points: list[TrendPoint], names: Names, locale: str) -> Table:
    """Each profession's fill rate in each of the past rounds."""
    order = names.profession_order(pid for p in points for pid in p.by_profession)
    rows = [[profession_label(names, pid, locale),
             *((p.by_profession[pid].fill_rate if pid in p.by_profession else None) for p in points)]
            for pid in order]
    return Table("trend_by_profession", _("職種別の充足率の推移"),
                 [_("職種"), *(_("No.%(id)s", id=p.round_id) for p in points)], rows,
                 percent_columns=frozenset(range(1, len(points) + 1)))


def activity_table(activity: dict[int, figures.CityActivity], names: Names, locale: str,
                   own_city: int | None) -> Table:
    order = names.city_order(activity)
    rows = [[city_label(names, cid, locale), activity[cid].scheduled, activity[cid].active, activity[cid].rings]
            for cid in order]
    return Table("activity", _("市別の派遣と職員交流（受け入れ）"),
                 [_("市"), _("派遣予定"), _("派遣中"), _("合意した職員交流")], rows, _flags(order, own_city))


# ---------------------------------------------------------------- the fiscal year

FISCAL_HEADERS = (lambda: [_("要請された枠"), _("充足した枠"), _("充足率"), _("派遣人日"), _("合意した職員交流"),
                           _("登録者数"), _("要請から合意までの日数（中央値）")])


def _fiscal_values(row: FiscalRow) -> list[Any]:
    return [row.requested, row.filled, row.fill_rate, round(row.person_days, 1), row.exchanges,
            row.registrations, row.median_days]


def fiscal_cell_table(fy: FiscalYear, names: Names, locale: str, own_city: int | None) -> Table:
    city_rank = {cid: n for n, cid in enumerate(names.city_order(c for c, _p in fy.rows if c is not None))}
    prof_rank = {pid: n for n, pid in enumerate(names.profession_order(p for _c, p in fy.rows))}
    order = sorted(fy.rows, key=lambda k: (city_rank.get(k[0], -1), prof_rank[k[1]]))
    rows = [[city_label(names, k[0], locale), profession_label(names, k[1], locale), *_fiscal_values(fy.rows[k])]
            for k in order]
    return Table("fiscal_by_city_profession", _("市・職種別（%(year)s年度）", year=fy.year),
                 [_("市"), _("職種"), *FISCAL_HEADERS()], rows, _flags([k[0] for k in order], own_city),
                 frozenset({4}), frozenset({5, 8}))


def fiscal_city_table(fy: FiscalYear, names: Names, locale: str, own_city: int | None) -> Table:
    cities = fy.by_city()
    order = names.city_order(c for c in cities if c is not None)
    rows = [[city_label(names, cid, locale), *_fiscal_values(cities[cid])] for cid in order]
    rows.append([_("連携市全体"), *_fiscal_values(fy.total())])
    return Table("fiscal_by_city", _("市別（%(year)s年度）", year=fy.year), [_("市"), *FISCAL_HEADERS()], rows,
                 [*_flags(order, own_city), False], frozenset({3}), frozenset({4, 7}), has_total_row=True)


def fiscal_profession_table(fy: FiscalYear, names: Names, locale: str) -> Table:
    professions = fy.by_profession()
    order = names.profession_order(professions)
    rows = [[profession_label(names, pid, locale), *_fiscal_values(professions[pid])] for pid in order]
    return Table("fiscal_by_profession", _("職種別（%(year)s年度）", year=fy.year), [_("職種"), *FISCAL_HEADERS()],
                 rows, percent_columns=frozenset({3}), decimal_columns=frozenset({4, 7}))
