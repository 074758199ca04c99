"""A person's own data: everything held about them as a download, and its erasure when they withdraw."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from ..accounts.models import User
from ..accounts.services import new_session_token
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import UserError
from ..core.permissions import Role
from ..extensions import db
from . import events, evidence, verification
from .models import Specialist, SpecialistStatus
from .privacy import PERSONAL_FIELDS, REDACTED, get_specialist, record_full_view
from .profiles import get_for_edit


# ---------------------------------------------------------------- export

def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(actor: Any, specialist_id: int) -> dict[str, Any]:
    """Everything held about a person, for them to download (JSON-safe)."""
    specialist = get_specialist(specialist_id)
    if actor.role == Role.SPECIALIST:
        permissions.check(actor, "profile.own")
        if specialist.user_id != actor.id:
            raise permissions.PermissionDenied("profile.own")
    else:
        permissions.check(actor, "specialist.view_full")
        record_full_view(actor, specialist, "export")
    history = audit.entity_history(("specialist", specialist.id))
    staff = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in history if e.actor_id}))).all()} if history else {}

    def who(entry: AuditEntry) -> dict[str, Any]:
        user = staff.get(entry.actor_id) if entry.actor_id else None
        if user is None:
            return {"role": "system"}
        if user.id == specialist.user_id:
            return {"role": "self"}
        return {"role": user.role, "city": user.city.name_ja if user.city else None}

    user = specialist.user
    data = {
        "format": "talentbank-personal-data/1",
        "exported_at": _iso(utcnow()),
        "reference": specialist.reference,
        "profile": {
            "kind": specialist.kind,
            "status": specialist.status,
            "name_kanji": specialist.name_kanji,
            "name_kana": specialist.name_kana,
            "email": specialist.email,
            "phone": specialist.phone,
            "home_city": {"code": specialist.home_city.code, "name": specialist.home_city.name_ja},
            "employer_city": ({"code": specialist.employer_city.code, "name": specialist.employer_city.name_ja}
                              if specialist.employer_city else None),
            "former_employer": specialist.former_employer,
            "retirement_year": specialist.retirement_year,
            "professions": [{"code": p.code, "name": p.name_ja} for p in specialist.professions],
            "licences": [{"code": r.licence.code, "name": r.licence.name_ja, "number": r.number, "issuer": r.issuer,
                          "issued_on": _iso(r.issued_on), "status": r.status, "review_reason": r.review_reason,
                          "copy": r.document_name}
                         for r in sorted(specialist.licence_records, key=lambda r: r.licence.sort_order)],
            "experiences": [{"code": e.field.code, "name": e.field.name_ja, "years": e.years,
                             "verified": e.verified_at is not None}
                            for e in specialist.experiences],
            "availability_windows": [{"start": _iso(w.start_date), "end": _iso(w.end_date)}
                                     for w in specialist.availability_windows],
            "days_per_week": specialist.days_per_week,
            "can_work_onsite": specialist.can_work_onsite,
            "can_work_remote": specialist.can_work_remote,
            "max_travel_minutes": specialist.max_travel_minutes,
            "excluded_cities": [{"code": c.code, "name": c.name_ja} for c in specialist.excluded_cities],
            "preferred_cities": [{"code": c.code, "name": c.name_ja} for c in specialist.preferred_cities],
            "notes": specialist.notes,
        },
        "consent": {"version": specialist.consent_version, "given_at": _iso(specialist.consented_at)},
        "availability_confirmed_at": _iso(specialist.availability_confirmed_at),
        "registered_at": _iso(specialist.created_at),
        "registration_source": specialist.registration_source,
        "paused_at": _iso(specialist.paused_at),
        "account": ({"email": user.email, "language": user.language, "created_at": _iso(user.created_at),
                     "last_login_at": _iso(user.last_login_at)} if user else None),
        # Who did what with this profile, staff named by role and city only.
        "history": [{"at": _iso(e.at), "action": e.action, "by": who(e), "fields": sorted(e.changes or {})}
                    for e in history],
    }
    if actor.role == Role.SPECIALIST:
        audit.record(actor, "specialist.exported", "specialist", specialist.id, city_id=specialist.home_city_id,
                     summary=specialist.reference)
    db.session.commit()
    return data


# ---------------------------------------------------------------- withdrawal

def withdraw_specialist(actor: Any, specialist_id: int, reason: str = "") -> Specialist:
    """Withdraw: cancel what is pending, erase personal data, keep the anonymous facts for statistics."""
    specialist = get_for_edit(actor, specialist_id)
    if actor.role != Role.SPECIALIST and not (reason or "").strip():
        raise UserError("退会の理由（本人からの申出の日付など）を入力してください。", field="reason")
    events.specialist_withdrawing.send(specialist, actor=actor)
    before_status = specialist.status
    for f in PERSONAL_FIELDS:
        setattr(specialist, f, None)
    specialist.experiences = []
    specialist.availability_windows = []
    specialist.excluded_cities = []
    specialist.preferred_cities = []
    specialist.max_travel_minutes = None
    specialist.claim_token_hash = None
    specialist.claim_expires_at = None
    specialist.status = SpecialistStatus.WITHDRAWN.value
    specialist.withdrawn_at = utcnow()
    specialist.paused_at = None
    _erase_profile_history(specialist)
    copies = verification.forget_particulars(specialist)
    if specialist.user is not None:
        _erase_account(specialist.user, specialist)
    audit.record(actor, "specialist.withdrawn", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"status": [before_status, "withdrawn"]}, reason=reason or None,
                 summary=specialist.reference)
    db.session.commit()
    for key in copies:  # the files go once the erasure is committed
        evidence.erase(key)
    return specialist


# Changes of a profile whose values say nothing about the person (the rest are masked at withdrawal).
NEUTRAL_CHANGES = frozenset({"status", "kind", "consent_version", "registration_source"})


def _erase_profile_history(specialist: Specialist) -> None:
    """The profile's audit trail keeps what changed and when, not the values (licences, windows, cities...)."""
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "specialist",
                                                             AuditEntry.entity_id == str(specialist.id))):
        changes = entry.changes or {}
        masked = {k: (v if k in NEUTRAL_CHANGES else [REDACTED, REDACTED]) for k, v in changes.items()}
        if masked != changes:
            entry.changes = masked


def _erase_account(user: User, specialist: Specialist) -> None:
    """The account stays as an empty shell (others' records point at it) with nothing personal in it."""
    label = f"{specialist.reference} (withdrawn specialist)"
    user.email = f"withdrawn-{user.id}@withdrawn.invalid"
    user.display_name = specialist.reference
    user.password_hash = None
    user.is_enabled = False
    user.session_token = new_session_token()
    # The log keeps what was done; only the name and address it was done under are replaced.
    # What they wrote as a reason (declining an offer, pausing) is theirs and goes too.
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_label=label))
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id, AuditEntry.reason.is_not(None))
                       .values(reason=None))


def verify_password(user: User, password: str) -> bool:
    """Ask for the password again before something that cannot be undone (withdrawal)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")
