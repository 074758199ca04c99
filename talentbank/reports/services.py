"""What each report page holds, for the acting user: the alliance picture, a round's report, a fiscal year's.

Every staff member sees the alliance's figures (they are counts, never people); an HR officer's own city
is marked in every table and chart. Specialists have no reports (``report.view``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..core.pagination import paginate
from ..core.permissions import Role, check
from ..extensions import db
from ..matching.models import MatchingRound
from . import figures, tables
from .tables import Table


class ReportNotFound(LookupError):
    """No such report: an unknown round, a round without figures, a fiscal year out of range."""


def own_city_of(actor: Any) -> int | None:
    """The city an HR officer's pages highlight; None for the coordinating city and administrators."""
    return actor.city_id if actor.role == Role.CITY_HR else None


@dataclass
class AlliancePicture:
    own_city_id: int | None
    latest_round: MatchingRound | None
    supply_demand: Table
    round_by_city: Table | None
    round_by_profession: Table | None
    round_by_city_profession: Table | None
    reasons: Table | None
    trend: Table
    trend_by_city: Table
    trend_by_profession: Table
    activity: Table
    confirmed_rings: int
    names: figures.Names

    def tables(self) -> list[Table]:
        return [t for t in (self.supply_demand, self.round_by_city, self.round_by_profession,
                            self.round_by_city_profession, self.reasons, self.trend, self.trend_by_city,
                            self.trend_by_profession, self.activity) if t is not None]


def alliance_picture(actor: Any, locale: str) -> AlliancePicture:
    """Supply and demand, the latest round's fill and empty-slot reasons, the trend, dispatches and exchanges."""
    check(actor, "report.view")
    names = figures.load_names()
    own = own_city_of(actor)
    latest_id = figures.latest_round_id()
    latest = db.session.get(MatchingRound, latest_id) if latest_id is not None else None
    round_tables: list[Table | None] = [None, None, None, None]
    if latest_id is not None:
        fig = figures.round_figures(latest_id)
        round_tables = [tables.round_city_table(fig, names, locale, own),
                        tables.round_profession_table(fig, names, locale),
                        tables.round_cell_table(fig, names, locale, own),
                        tables.reasons_table(fig, locale, own, names)]
    trend = figures.fill_trend()
    return AlliancePicture(
        own, latest, tables.supply_demand_table(figures.supply_and_demand(), names, locale), *round_tables,
        trend=tables.trend_table(trend, names, locale, own),
        trend_by_city=tables.trend_city_table(trend, names, locale, own),
        trend_by_profession=tables.trend_profession_table(trend, names, locale),
        activity=tables.activity_table(figures.city_activity(), names, locale, own),
        confirmed_rings=figures.confirmed_ring_count(), names=names)


@dataclass
class RoundReport:
    round: MatchingRound
    own_city_id: int | None
    by_city: Table
    by_profession: Table
    by_city_profession: Table
    reasons: Table
    reasons_by_city: Table
    decisions: dict[str, int]
    total: figures.RoundCell

    def tables(self) -> list[Table]:
        return [self.by_city, self.by_profession, self.by_city_profession, self.reasons, self.reasons_by_city]


def round_report(actor: Any, round_id: int, locale: str) -> RoundReport:
    """The report of one succeeded round whose proposals people decide on (not a what-if)."""
    check(actor, "report.view")
    if db.session.scalar(figures.reviewable_rounds_query().where(MatchingRound.id == round_id)) is None:
        raise ReportNotFound(round_id)
    rnd = db.session.get(MatchingRound, round_id)
    names = figures.load_names()
    own = own_city_of(actor)
    fig = figures.round_figures(round_id)
    return RoundReport(rnd, own, tables.round_city_table(fig, names, locale, own),
                       tables.round_profession_table(fig, names, locale),
                       tables.round_cell_table(fig, names, locale, own),
                       tables.reasons_table(fig, locale, own, names),
                       tables.reasons_by_city_table(fig, names, locale, own), fig.decisions, fig.total())


@dataclass
class FiscalReport:
    year: int
    own_city_id: int | None
    figures: figures.FiscalYear
    by_city: Table
    by_profession: Table
    by_city_profession: Table

    def tables(self) -> list[Table]:
        return [self.by_city, self.by_profession, self.by_city_profession]


def fiscal_report(actor: Any, year: int, locale: str) -> FiscalReport:
    """The report of fiscal year ``year`` (April ``year`` to March ``year + 1``)."""
    check(actor, "report.view")
    if not figures.is_reportable_year(year):
        raise ReportNotFound(year)
    names = figures.load_names()
    own = own_city_of(actor)
    fy = figures.fiscal_year(year)
    return FiscalReport(year, own, fy, tables.fiscal_city_table(fy, names, locale, own),
                        tables.fiscal_profession_table(fy, names, locale),
                        tables.fiscal_cell_table(fy, names, locale, own))


@dataclass
class ReportList:
    fiscal_years: list[int]
    rounds: Any  # a page of MatchingRound (core.pagination)


def report_list(actor: Any, page: int = 1, per_page: int = 50) -> ReportList:
    """The fiscal years with data and one page of the rounds with figures (newest first)."""
    check(actor, "report.view")
    rounds = paginate(select(MatchingRound).where(MatchingRound.id.in_(figures.reviewable_rounds_query()))
                      .order_by(MatchingRound.id.desc()), page, per_page)
    return ReportList(figures.fiscal_years_with_data(), rounds)
