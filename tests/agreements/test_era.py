"""Era dates at every boundary, 元年, and yen with separators (talentbank.core.era)."""
from __future__ import annotations

from datetime import date

import pytest

from talentbank.core.era import era_of, wareki, wareki_year, yen


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 1), "令和8年4月1日"),
        # Heisei → Reiwa: the abdication day is still Heisei 31.
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 12, 31), "令和元年12月31日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        # Showa → Heisei.
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1990, 1, 1), "平成2年1月1日"),
        # Taisho → Showa.
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1927, 1, 1), "昭和2年1月1日"),
        # Meiji → Taisho.
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        # Meiji's first day.
        (date(1868, 10, 23), "明治元年10月23日"),
    ],
)
def test_wareki_at_each_era_boundary(day, expected):
    assert wareki(day) == expected


def test_first_year_is_gannen_and_second_is_numbered():
    assert wareki_year(date(2019, 5, 1)) == "令和元年"
    assert wareki_year(date(2020, 5, 1)) == "令和2年"
    assert era_of(date(2019, 5, 1)) == ("令和", 1)


def test_before_meiji_is_refused():
    with pytest.raises(ValueError):
        wareki(date(1868, 10, 22))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(123456, "123,456円"), (0, "0円"), (999, "999円"), (1000, "1,000円"), (12345678, "12,345,678円"),
     (-5000, "-5,000円"), (1234.5, "1,235円"), (None, "")],
)
def test_yen_has_thousands_separators(amount, expected):
    assert yen(amount) == expected
