"""The password policy refuses short, common and guessable passwords, and says why."""
from __future__ import annotations

import pytest

from talentbank.accounts import passwords
from talentbank.accounts.services import create_user, password_problem
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role


@pytest.mark.parametrize("password, reason", [
    ("short-1", passwords.TOO_SHORT),
    ("x" * 201, passwords.TOO_LONG),
    ("password12", passwords.COMMON),  # accepted before this policy
    ("1234567890", passwords.COMMON),
    ("qwertyuiop", passwords.COMMON),
    ("iloveyou1234", passwords.COMMON),
    ("aaaaaaaaaaaa", passwords.WEAK_BY_PATTERN["repeat"]),
    ("abcdefghijkl", passwords.WEAK_BY_PATTERN["sequence"]),
    ("Password123!", passwords.WEAK),
])
def test_weak_passwords_are_refused_with_their_reason(password, reason):
    assert password_problem(password) == reason


@pytest.mark.parametrize("password", ["correct-horse-42", "umi-to-yama-2027", "Tr0ub4dor&3x", "talentbank-demo-2026"])
def test_good_passwords_pass(password):
    assert password_problem(password) is None


def test_the_address_and_the_name_may_not_be_in_the_password():
    assert password_problem("hanako.kawasaki-1", email="hanako.kawasaki@city.example.jp") == passwords.HAS_EMAIL
    assert password_problem("yama-KAWASAKI-77", email="hanako.kawasaki@city.example.jp") == passwords.HAS_EMAIL
    assert password_problem("yama-kawasaki-77", name="Kawasaki Hanako") == passwords.HAS_NAME
    assert password_problem("専門太郎のパスワード2026", name="専門 太郎") == passwords.HAS_NAME
    assert password_problem("umi-to-yama-2027", email="hr@city.example.jp", name="逗子 花子") is None


def test_the_message_of_every_refusal_is_a_full_sentence_with_its_reason():
    every = [passwords.TOO_SHORT, passwords.TOO_LONG, passwords.HAS_EMAIL, passwords.HAS_NAME, passwords.COMMON,
             passwords.WEAK, *passwords.WEAK_BY_PATTERN.values()]
    assert all(m.endswith("。") and len(m) > 15 for m in every)


def test_accounts_are_made_only_with_acceptable_passwords(app_ctx):
    with pytest.raises(UserError) as refused:
        create_user("sato.ichiro@test.example", "sato.ichiro-99", "佐藤 一郎", Role.COORDINATOR)
    assert refused.value.field == "password" and refused.value.message_id == passwords.HAS_EMAIL
    with pytest.raises(UserError):
        create_user("a@test.example", "password12", "A", Role.COORDINATOR)
