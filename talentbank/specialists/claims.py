"""Accounts for profiles registered by others: a one-time link lets an imported retiree take over their profile."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import create_user, normalise_email, password_problem
from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import UserError
from ..core.permissions import Role
from ..extensions import db
from .consent import CONSENT_VERSION
from .models import Specialist, SpecialistKind, SpecialistStatus
from .privacy import get_specialist

CLAIM_LINK_VALID_DAYS = 14


def _claim_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_claim_link(actor: Any, specialist_id: int) -> str:
    """A one-time token letting an imported retiree set a password and manage their own profile."""
    permissions.check(actor, "specialist.manage")
    specialist = get_specialist(specialist_id)
    if specialist.status == SpecialistStatus.WITHDRAWN:
        raise UserError("この登録は退会済みのため変更できません。")
    if specialist.user_id is not None:
        raise UserError("この専門人材は既にアカウントを持っています。")
    if specialist.kind != SpecialistKind.RETIRED:
        raise UserError("現職職員の登録は所属市の人事担当者が管理します。")
    token = secrets.token_urlsafe(32)
    specialist.claim_token_hash = _claim_hash(token)
    specialist.claim_expires_at = utcnow() + timedelta(days=CLAIM_LINK_VALID_DAYS)
    audit.record(actor, "specialist.claim_link_created", "specialist", specialist.id,
                 city_id=specialist.home_city_id, summary=specialist.reference)
    db.session.commit()
    return token


def find_claimable(token: str) -> Specialist:
    """The profile behind a claim link, or a clear error when the link is unknown or expired."""
    specialist = db.session.scalar(select(Specialist).where(Specialist.claim_token_hash == _claim_hash(token)))
    if specialist is None or specialist.user_id is not None:
        raise UserError("このリンクは無効です。幹事市に新しいリンクを依頼してください。")
    if specialist.claim_expires_at is None or specialist.claim_expires_at <= utcnow():
        raise UserError("このリンクは有効期限が切れています。幹事市に新しいリンクを依頼してください。")
    return specialist


def claim_profile(token: str, password: str, has_consented: bool) -> User:
    """Create the account of an imported specialist, who confirms their consent in their own name."""
    specialist = find_claimable(token)
    if not has_consented:
        raise UserError("登録には、上記の情報の取扱いへの同意が必要です。", field="consent")
    problem = password_problem(password or "")
    if problem:
        raise UserError(problem, field="password")
    if db.session.scalar(select(User.id).where(User.email == normalise_email(specialist.email or ""))):
        raise UserError("このメールアドレスは既に別のアカウントで使われています。幹事市にお問い合わせください。")
    user = create_user(specialist.email or "", password, specialist.name_kanji or specialist.reference,
                       Role.SPECIALIST)
    specialist.user = user
    specialist.claim_token_hash = None
    specialist.claim_expires_at = None
    specialist.consent_version = CONSENT_VERSION
    specialist.consented_at = utcnow()
    audit.record(user, "specialist.claimed", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"consent_version": [None, CONSENT_VERSION]}, summary=specialist.reference)
    db.session.commit()
    return user
