"""The eight cities of the alliance, with real populations and codes and sample indicators."""
from __future__ import annotations

import math
from decimal import Decimal

from sqlalchemy import select

from ..cities.models import City, TravelTime
from ..extensions import db

# code, ja, en, prefecture, population (2015 census), general staff*, allowance %*, fiscal index*,
# (lat, lon) of the city hall. *Sample values for the demo, marked as such on screen.
EIGHT_CITIES = [
    ("141003", "横浜市", "Yokohama", "神奈川県", 3724844, 9480, "16", "0.970", (35.4437, 139.6380)),
    ("141305", "川崎市", "Kawasaki", "神奈川県", 1475213, 5790, "16", "1.000", (35.5308, 139.7029)),
    ("142018", "横須賀市", "Yokosuka", "神奈川県", 406586, 1960, "10", "0.800", (35.2810, 139.6720)),
    ("142042", "鎌倉市", "Kamakura", "神奈川県", 173019, 1010, "12", "1.050", (35.3192, 139.5467)),
    ("142051", "藤沢市", "Fujisawa", "神奈川県", 423894, 1890, "15", "1.040", (35.3390, 139.4900)),
    ("142085", "逗子市", "Zushi", "神奈川県", 57425, 300, "10", "0.860", (35.2956, 139.5803)),
    ("142131", "大和市", "Yamato", "神奈川県", 232922, 1020, "15", "0.950", (35.4873, 139.4580)),
    ("132098", "町田市", "Machida", "東京都", 432348, 1880, "16", "0.940", (35.5466, 139.4386)),
]
COORDINATING_CITY = "142085"  # Zushi hosted the 2021 meeting that proposed the bank
INDICATORS_YEAR = 2020


def _minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    """A plausible door-to-door time by rail and bus: 15 minutes plus 2.5 per km."""
    dy = (a[0] - b[0]) * 111.0
    dx = (a[1] - b[1]) * 111.0 * math.cos(math.radians((a[0] + b[0]) / 2))
    return int(round(15 + 2.5 * math.hypot(dx, dy)))


def seed_cities() -> dict[str, City]:
    """Create or complete the eight cities and their travel matrix; existing edits are kept."""
    by_code = {c.code: c for c in db.session.scalars(select(City))}
    for code, ja, en, pref, population, staff, rate, fiscal, _pos in EIGHT_CITIES:
        if code in by_code:
            continue
        city = City(code=code, name_ja=ja, name_en=en, prefecture=pref, population=population,
                    general_staff=staff, allowance_rate=Decimal(rate), fiscal_index=Decimal(fiscal),
                    indicators_year=INDICATORS_YEAR, is_sample_indicators=True, is_member=True,
                    is_coordinating=(code == COORDINATING_CITY))
        db.session.add(city)
        by_code[code] = city
    db.session.flush()
    existing = {(t.from_city_id, t.to_city_id) for t in db.session.scalars(select(TravelTime))}
    positions = {row[0]: row[8] for row in EIGHT_CITIES}
    codes = [row[0] for row in EIGHT_CITIES]
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            ca, cb = by_code[a], by_code[b]
            low, high = sorted((ca.id, cb.id))
            if (low, high) not in existing:
                db.session.add(TravelTime(from_city_id=low, to_city_id=high,
                                          minutes=_minutes(positions[a], positions[b])))
    db.session.flush()
    return by_code
