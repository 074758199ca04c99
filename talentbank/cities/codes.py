"""団体コード (local government code) validation, pure and reusable."""
from __future__ import annotations

from ..core.errors import N_

CHECK_WEIGHTS = (6, 5, 4, 3, 2)


def expected_check_digit(first_five: str) -> int:
    """The check digit: last digit of 11 − (weighted sum mod 11), weights 6,5,4,3,2."""
    total = sum(int(d) * w for d, w in zip(first_five, CHECK_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def municipality_code_error(code: str) -> tuple[str, dict[str, str]] | None:
    """Why ``code`` is not a valid 団体コード, as (message id, params); ``None`` when valid."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return (N_("団体コードは6桁の半角数字で入力してください（例: 142085）。"), {})
    expected = expected_check_digit(code[:5])
    if int(code[5]) != expected:
        return (
            N_("団体コード %(code)s の検査数字が正しくありません。先頭5桁 %(head)s の検査数字は %(digit)s です。"),
            {"code": code, "head": code[:5], "digit": str(expected)},
        )
    return None


def is_valid_municipality_code(code: str) -> bool:
    """True when ``code`` is six digits with the right check digit."""
    return municipality_code_error(code) is None
