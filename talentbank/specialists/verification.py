"""Verification before matching: a confirmed address, and professions and licences someone answerable has seen.

The rules, enforced here and read by the round's snapshot (matching/snapshot.py):

* **Identity.** A self sign-up counts once its owner followed the link sent to the address they gave
  (``email_confirmed_at``); a profile registered by staff (an HR officer for their own serving
  officer, the coordinating city's import, the demo) is vouched for by whoever registered it.
* **Licences.** Each declared licence carries its particulars (number, issuing body, date) and
  optionally a copy (evidence.py). The coordinating city marks it verified or rejected with a reason;
  only verified licences count for the solver's hard rules.
* **Professions.** A declared profession is usable when the coordinating city (or the officer's own
  city) verified it, or when the person holds a verified licence of that profession.
* **Experience.** Only verified years count for a proposal's quality.
* **Matchable** = active, consented, identity confirmed, and at least one usable profession.

Serving officers registered by their own city's HR officer are verified by that city (``employer``)
as they are entered. Every decision is audited and the person is told.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, union, update

from ..accounts import tokens
from ..accounts.models import User
from ..audit import services as audit
from ..core import permissions
from ..core.clock import today_tokyo, utcnow
from ..core.errors import N_, UserError, UserErrors
from ..core.permissions import Role
from ..extensions import db
from ..notifications.kinds import register_kind
from ..notifications.services import link_to, notify, notify_address
from ..vocabulary.models import Licence, Profession
from .cards import needs_reconfirmation
from .models import (
    CheckedBy,
    LicenceStatus,
    Specialist,
    SpecialistExperience,
    SpecialistKind,
    SpecialistLicence,
    SpecialistStatus,
    specialist_licences,
    specialist_professions,
)

MAX_REASON = 500

register_kind(
    "specialist.confirm_email",
    N_("【人材バンク】メールアドレスの確認のお願い"),
    N_("人材バンクへのご登録ありがとうございます。下のリンクを開いて、このメールアドレスを確認してください"
       "（%(hours)s時間有効・1回限り）。確認が済むまで、マッチングの対象になりません。"
       "お心当たりのない場合は、このメールを破棄してください。"),
    {"hours": 72},
)
register_kind(
    "specialist.signup_known_address",
    N_("【人材バンク】このメールアドレスでの登録申込みについて"),
    N_("このメールアドレスで人材バンクへの登録の申込みがありましたが、このアドレスは既に登録されています。"
       "ご本人であれば、ログイン画面からログインしてください。パスワードを忘れた場合は、ログイン画面から"
       "再設定できます。市の担当者が登録したためアカウントをお持ちでない場合は、幹事市にお問い合わせください。"
       "お心当たりのない場合は、このメールを破棄してください。登録内容は変更されていません。"),
    {},
)
register_kind(
    "specialist.verification_decided",
    N_("登録内容の確認結果のお知らせ"),
    N_("幹事市が登録内容を確認しました。\n確認済み: %(verified)s\n確認できなかったもの: %(rejected)s\n"
       "確認できなかった理由や、確認に必要なことは、マイページの「マッチングまでの準備」に表示しています。"),
    {"verified": "保健師免許", "rejected": "なし"},
)


# ---------------------------------------------------------------- the address

def confirmation_valid_hours() -> int:
    return int(current_app.config.get("EMAIL_CONFIRMATION_VALID_HOURS", 72))


def send_address_confirmation(specialist: Specialist) -> None:
    """E-mail a one-time link to the profile's address (in the caller's transaction)."""
    user = specialist.user
    if user is None or not specialist.email:
        return
    hours = confirmation_valid_hours()
    token = tokens.issue(tokens.TokenPurpose.CONFIRM_EMAIL, user.id, specialist.email, timedelta(hours=hours))
    notify_address(specialist.email, specialist.name_kanji or "", user.language, "specialist.confirm_email",
                   {"hours": hours}, link=link_to("specialists.confirm_email", token=token))


def resend_address_confirmation(actor: Any) -> None:
    """The signed-in specialist asks for a new link (the view limits how often)."""
    permissions.check(actor, "profile.own")
    specialist = db.session.scalar(select(Specialist).where(Specialist.user_id == actor.id))
    if specialist is None or specialist.is_withdrawn:
        raise UserError("登録が見つかりません。")
    if specialist.email_confirmed_at is not None:
        raise UserError("メールアドレスは確認済みです。")
    send_address_confirmation(specialist)
    db.session.commit()


def confirm_address(token: str) -> Specialist:
    """Follow the link: the profile's address is confirmed, if it is still the address the link went to."""
    row = tokens.find_open(tokens.TokenPurpose.CONFIRM_EMAIL, token)
    specialist = db.session.scalar(select(Specialist).where(Specialist.user_id == row.user_id))
    if specialist is None or specialist.is_withdrawn or (specialist.email or "") != row.email:
        raise UserError("このリンクは無効です。もう一度手続きをやり直してください。")
    tokens.use(tokens.TokenPurpose.CONFIRM_EMAIL, token)
    if specialist.email_confirmed_at is None:
        specialist.email_confirmed_at = utcnow()
        audit.record(specialist.user, "specialist.email_confirmed", "specialist", specialist.id,
                     city_id=specialist.home_city_id, summary=specialist.reference)
    db.session.commit()
    return specialist


def tell_known_address(email: str, language: str) -> None:
    """Someone signed up with an address already registered: tell that address, not the screen."""
    notify_address(email, "", language, "specialist.signup_known_address", {}, link=link_to("accounts.login"))
    db.session.commit()


# ---------------------------------------------------------------- what counts

def usable_profession_ids(specialist: Specialist) -> set[int]:
    """Declared professions that count in a round (verified, or backed by a verified licence)."""
    return usable_professions_by_specialist([specialist.id]).get(specialist.id, set())


def usable_professions_by_specialist(specialist_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """For many profiles at once, with two queries: specialist id -> usable profession ids."""
    sp, sl = specialist_professions, specialist_licences
    ids = None if specialist_ids is None else sorted(set(specialist_ids))
    declared = select(sp.c.specialist_id, sp.c.profession_id, sp.c.verified_at.is_not(None))
    backed = (select(sl.c.specialist_id, Licence.profession_id).join(Licence, Licence.id == sl.c.licence_id)
              .where(sl.c.status == LicenceStatus.VERIFIED.value, Licence.profession_id.is_not(None)))
    if ids is not None:
        declared = declared.where(sp.c.specialist_id.in_(ids))
        backed = backed.where(sl.c.specialist_id.in_(ids))
    by_licence: dict[int, set[int]] = defaultdict(set)
    for specialist_id, profession_id in db.session.execute(backed):
        by_licence[specialist_id].add(profession_id)
    usable: dict[int, set[int]] = defaultdict(set)
    for specialist_id, profession_id, verified in db.session.execute(declared):
        if verified or profession_id in by_licence.get(specialist_id, ()):
            usable[specialist_id].add(profession_id)
    return dict(usable)


def verified_profession_ids(specialist_id: int) -> set[int]:
    sp = specialist_professions
    return set(db.session.scalars(select(sp.c.profession_id).where(sp.c.specialist_id == specialist_id,
                                                                    sp.c.verified_at.is_not(None))))


def identity_confirmed_clause() -> Any:
    return or_(Specialist.email_confirmed_at.is_not(None), Specialist.registration_source != "self")


def usable_profession_clause(per_row: bool = False) -> Any:
    """SQL: the profile has at least one usable profession.

    ``per_row``: the same rule as one EXISTS whose inner OR the database probes person by person, for
    queries that read a few rows in an indexed order (a page of the candidate search: a few ms instead
    of hashing every verified profession first, about 15 ms at 50,000 people); the two EXISTS joined by
    OR suit whole-registry reads (the snapshot, counts)."""
    sp, sl = specialist_professions, specialist_licences
    if per_row:
        backing = exists().where(sl.c.specialist_id == Specialist.id, sl.c.status == LicenceStatus.VERIFIED.value,
                                 Licence.id == sl.c.licence_id, Licence.profession_id == sp.c.profession_id
                                 ).correlate_except(sl, Licence)  # the person and the profession come from outside
        return exists().where(sp.c.specialist_id == Specialist.id, or_(sp.c.verified_at.is_not(None), backing))
    verified_profession = exists().where(sp.c.specialist_id == Specialist.id, sp.c.verified_at.is_not(None))
    backed = exists().where(sp.c.specialist_id == Specialist.id, sl.c.specialist_id == Specialist.id,
                            sl.c.status == LicenceStatus.VERIFIED.value, Licence.id == sl.c.licence_id,
                            Licence.profession_id == sp.c.profession_id)
    return or_(verified_profession, backed)


def matchable_clause(per_row: bool = False) -> Any:
    """SQL: everything a round may propose (the same rule as ``is_matchable``); ``per_row``: see
    ``usable_profession_clause``."""
    return and_(Specialist.status == SpecialistStatus.ACTIVE.value, Specialist.consented_at.is_not(None),
                identity_confirmed_clause(), usable_profession_clause(per_row))


def is_matchable(specialist: Specialist) -> bool:
    return (specialist.status == SpecialistStatus.ACTIVE and specialist.consented_at is not None
            and specialist.identity_confirmed and bool(usable_profession_ids(specialist)))


# ---------------------------------------------------------------- readiness, for the person

@dataclass(frozen=True)
class ReadinessItem:
    """One line of the checklist on the specialist's own page."""

    code: str
    done: bool
    message: str  # a message id, translated by the template with ``params``
    params: dict[str, Any] = field(default_factory=dict)
    blocking: bool = True  # False: a to-do that does not stop matching (yet)
    action: str | None = None  # what the page offers: "resend", "licences", "edit", "confirm", "resume"


def readiness(specialist: Specialist, today: date | None = None) -> list[ReadinessItem]:
    """Why the person can or cannot be matched yet, in plain words, each with what to do."""
    today = today or today_tokyo()
    items: list[ReadinessItem] = []
    if specialist.status == SpecialistStatus.PAUSED:
        items.append(ReadinessItem("paused", False, N_("登録を一時停止しています。再開するまでマッチングの対象になりません。"),
                                   action="resume"))
    if specialist.identity_confirmed:
        items.append(ReadinessItem("email", True, N_("メールアドレスを確認しました。")))
    else:
        items.append(ReadinessItem(
            "email", False, N_("メールアドレスが未確認です。%(email)s に送ったメールのリンクを開いてください。"
                               "届いていない場合は、確認メールを再送できます。"),
            {"email": specialist.email or ""}, action="resend"))
    usable = usable_profession_ids(specialist)
    records = sorted(specialist.licence_records, key=lambda r: (r.licence.sort_order, r.licence_id))
    if usable:
        items.append(ReadinessItem("profession", True, N_("職種の確認が済んでいます。")))
    elif not specialist.professions:
        items.append(ReadinessItem("profession", False, N_("職種が登録されていません。登録内容の変更から選んでください。"),
                                   action="edit"))
    else:
        items.append(ReadinessItem(
            "profession", False, N_("職種の確認が済んでいません。資格があれば番号・発行者・取得日（できれば写し）を"
                                    "登録してください。幹事市が確認すると、マッチングの対象になります。"),
            action="licences"))
    for record in records:
        name = {"ja": record.licence.name_ja, "en": record.licence.name_en}
        if record.status == LicenceStatus.VERIFIED:
            items.append(ReadinessItem("licence", True, N_("%(licence)s: 確認済みです。"), {"licence": name},
                                       blocking=False))
        elif record.status == LicenceStatus.REJECTED:
            items.append(ReadinessItem(
                "licence", False, N_("%(licence)s: 確認できませんでした（理由: %(reason)s）。内容を直して、もう一度登録してください。"),
                {"licence": name, "reason": record.review_reason or "—"}, blocking=False, action="licences"))
        elif not record.has_particulars:
            items.append(ReadinessItem(
                "licence", False, N_("%(licence)s: 番号・発行者・取得日が未入力です。入力すると幹事市が確認します。"),
                {"licence": name}, blocking=False, action="licences"))
        else:
            items.append(ReadinessItem("licence", False, N_("%(licence)s: 幹事市の確認待ちです。"), {"licence": name},
                                       blocking=False))
    if not (specialist.can_work_onsite or specialist.can_work_remote):
        items.append(ReadinessItem("mode", False, N_("勤務の形（現地・在宅）が選ばれていません。"), action="edit"))
    if not any(w.end_date >= today for w in specialist.availability_windows):
        items.append(ReadinessItem(
            "window", False, N_("今後の勤務可能期間が登録されていません。登録内容の変更から期間を追加してください。"),
            action="edit"))
    else:
        items.append(ReadinessItem("window", True, N_("勤務可能期間が登録されています。")))
    if needs_reconfirmation(specialist):
        items.append(ReadinessItem(
            "reconfirm", False, N_("活動条件の確認期限を過ぎています。内容が今も正しいか確認してください。"
                                   "確認がないまま続くと、登録が一時停止されます。"),
            blocking=False, action="confirm"))
    return items


def blocking_items(items: list[ReadinessItem]) -> list[ReadinessItem]:
    return [i for i in items if i.blocking and not i.done]


# ---------------------------------------------------------------- particulars, entered by the person

@dataclass(frozen=True)
class Particulars:
    licence_id: int
    number: str
    issuer: str
    issued_on: date | None


def _bad_text(value: str, limit: int) -> bool:
    return len(value) > limit or any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or "<" in value


def _check_particulars(p: Particulars, today: date) -> list[UserError]:
    problems: list[UserError] = []
    prefix = f"licence-{p.licence_id}"
    if not p.number:
        problems.append(UserError("免許・登録番号を入力してください。", field=f"{prefix}-number"))
    elif _bad_text(p.number, 50):
        problems.append(UserError("免許・登録番号は50文字以内で、記号 < や改行を含めずに入力してください。",
                                  field=f"{prefix}-number"))
    if not p.issuer:
        problems.append(UserError("発行者（例: 厚生労働大臣、国土交通大臣）を入力してください。", field=f"{prefix}-issuer"))
    elif _bad_text(p.issuer, 100):
        problems.append(UserError("発行者は100文字以内で、記号 < や改行を含めずに入力してください。",
                                  field=f"{prefix}-issuer"))
    if p.issued_on is None:
        problems.append(UserError("取得日を入力してください。", field=f"{prefix}-issued_on"))
    elif p.issued_on > today or p.issued_on.year < 1940:
        problems.append(UserError("取得日は1940年から今日までの日付で入力してください。", field=f"{prefix}-issued_on"))
    return problems


def save_particulars(actor: Any, specialist_id: int, particulars: list[Particulars],
                     documents: dict[int, Any] | None = None) -> int:
    """The person (or the coordinating city) enters a licence's particulars and copy; returns rows changed.

    A changed licence goes back to the coordinating city's queue: a verified or rejected check no
    longer stands once what was checked has changed. All rows are checked before any is saved.
    """
    from . import evidence
    from .profiles import get_for_edit

    specialist = get_for_edit(actor, specialist_id)
    records = {r.licence_id: r for r in db.session.scalars(
        select(SpecialistLicence).where(SpecialistLicence.specialist_id == specialist.id))}
    documents = documents or {}
    problems: list[UserError] = []
    today = today_tokyo()
    given = [p for p in particulars if p.licence_id in records and (p.number or p.issuer or p.issued_on
                                                                    or p.licence_id in documents)]
    for p in given:
        problems.extend(_check_particulars(p, today))
    stored: dict[int, Any] = {}
    for licence_id, upload in documents.items():
        if licence_id not in records:
            continue
        try:
            stored[licence_id] = evidence.check_upload(upload)
        except UserError as exc:
            exc.field = f"licence-{licence_id}-document"
            problems.append(exc)
    if problems:
        raise UserErrors(problems)
    changed = 0
    now = utcnow()
    replaced_keys: list[str] = []
    for p in given:
        record = records[p.licence_id]
        before = (record.number, record.issuer, record.issued_on, record.document_key)
        record.number, record.issuer, record.issued_on = p.number, p.issuer, p.issued_on
        if p.licence_id in stored:
            if record.document_key:
                replaced_keys.append(record.document_key)
            record.document_key, record.document_name, record.document_type, record.document_size = \
                evidence.store(stored[p.licence_id])
        if before != (record.number, record.issuer, record.issued_on, record.document_key):
            changed += 1
            record.details_updated_at = now
            previous_status = record.status
            if record.status != LicenceStatus.PENDING:
                record.status, record.checked_by = LicenceStatus.PENDING.value, None
                record.reviewed_by_id, record.reviewed_at, record.review_reason = None, None, None
            audit.record(actor, "specialist.licence_particulars", "specialist", specialist.id,
                         city_id=specialist.home_city_id, summary=f"{specialist.reference} {record.licence.code}",
                         changes={"licence": [None, record.licence.code],
                                  "status": [previous_status, record.status],
                                  "document": [bool(before[3]), bool(record.document_key)]})
    db.session.commit()
    for key in replaced_keys:
        evidence.erase(key)
    return changed


def forget_particulars(specialist: Specialist) -> list[str]:
    """Withdrawal: licence numbers, issuers, dates and copies go (the licence held stays, anonymously);
    returns the stored copies to delete once the erasure is committed. One-time links die too."""
    sl = specialist_licences
    keys = [k for k in db.session.scalars(select(sl.c.document_key).where(
        sl.c.specialist_id == specialist.id, sl.c.document_key.is_not(None)))]
    db.session.execute(update(sl).where(sl.c.specialist_id == specialist.id).values(
        number=None, issuer=None, issued_on=None, review_reason=None, document_key=None, document_name=None,
        document_type=None, document_size=None))
    if specialist.user_id is not None:  # one-time links name the address: they go too
        db.session.execute(delete(tokens.AccountToken).where(tokens.AccountToken.user_id == specialist.user_id))
    return keys


# ---------------------------------------------------------------- decisions of the coordinating city

@dataclass(frozen=True)
class Decision:
    """One item decided on the verification screen."""

    kind: str  # "licence" | "profession" | "experience"
    item_id: int  # licence id, profession id, or experience row id
    verdict: str  # "verify" | "reject" | "undo"
    reason: str = ""


def _person_label(specialist: Specialist) -> str:
    return specialist.reference


def decide(actor: Any, specialist_id: int, decisions: list[Decision]) -> dict[str, list[str]]:
    """Apply the coordinating city's decisions on one person; all or nothing; the person is told once."""
    permissions.check(actor, "specialist.verify")
    specialist = db.session.get(Specialist, specialist_id)
    if specialist is None or specialist.is_withdrawn:
        raise UserError("この登録は見つからないか、退会済みです。")
    problems: list[UserError] = []
    for d in decisions:
        if d.verdict not in ("verify", "reject", "undo") or d.kind not in ("licence", "profession", "experience"):
            problems.append(UserError("判断の内容が正しくありません。"))
        elif d.verdict == "reject" and not d.reason.strip():
            problems.append(UserError("確認できない理由を入力してください（本人に伝わります）。",
                                      field=f"{d.kind}-{d.item_id}-reason"))
        elif len(d.reason) > MAX_REASON:
            problems.append(UserError("理由は%(limit)s文字以内で入力してください。", field=f"{d.kind}-{d.item_id}-reason",
                                      limit=MAX_REASON))
    if problems:
        raise UserErrors(problems)
    now = utcnow()
    told: dict[str, list[Any]] = {"verified": [], "rejected": []}
    for d in decisions:
        if d.kind == "licence":
            record = db.session.get(SpecialistLicence, (specialist.id, d.item_id))
            if record is None:
                raise UserError("この資格は登録されていません。画面を読み込み直してください。")
            status = {"verify": LicenceStatus.VERIFIED, "reject": LicenceStatus.REJECTED,
                      "undo": LicenceStatus.PENDING}[d.verdict].value
            if record.status == status:
                continue
            before = record.status
            record.status = status
            record.checked_by = None if status == LicenceStatus.PENDING else CheckedBy.COORDINATOR.value
            record.reviewed_by_id = None if status == LicenceStatus.PENDING else actor.id
            record.reviewed_at = None if status == LicenceStatus.PENDING else now
            record.review_reason = d.reason.strip() or None if d.verdict == "reject" else None
            term = record.licence
            label = f"licence:{term.code}"
        elif d.kind == "profession":
            sp = specialist_professions
            row = db.session.execute(select(sp.c.verified_at).where(
                sp.c.specialist_id == specialist.id, sp.c.profession_id == d.item_id)).first()
            if row is None:
                raise UserError("この職種は登録されていません。画面を読み込み直してください。")
            verified = d.verdict == "verify"
            if (row[0] is not None) == verified and d.verdict != "reject":
                continue
            before = "verified" if row[0] is not None else "pending"
            status = "verified" if verified else ("rejected" if d.verdict == "reject" else "pending")
            db.session.execute(update(sp).where(sp.c.specialist_id == specialist.id, sp.c.profession_id == d.item_id)
                               .values(verified_at=now if verified else None,
                                       verified_by_id=actor.id if verified else None,
                                       checked_by=CheckedBy.COORDINATOR.value if verified else None))
            term = db.session.get(Profession, d.item_id)
            label = f"profession:{term.code}"
        else:
            experience = db.session.get(SpecialistExperience, d.item_id)
            if experience is None or experience.specialist_id != specialist.id:
                raise UserError("この経験は登録されていません。画面を読み込み直してください。")
            verified = d.verdict == "verify"
            if (experience.verified_at is not None) == verified and d.verdict != "reject":
                continue
            before = "verified" if experience.verified_at is not None else "pending"
            status = "verified" if verified else ("rejected" if d.verdict == "reject" else "pending")
            experience.verified_at = now if verified else None
            experience.verified_by_id = actor.id if verified else None
            experience.checked_by = CheckedBy.COORDINATOR.value if verified else None
            term = experience.field
            label = f"experience:{term.code}:{experience.years}"
        audit.record(actor, f"specialist.{d.kind}_{'verified' if status == 'verified' else status}", "specialist",
                     specialist.id, city_id=specialist.home_city_id, changes={label: [before, status]},
                     reason=d.reason.strip() or None, summary=specialist.reference)
        if status in ("verified", "rejected"):
            name = term.name_ja if d.kind != "experience" else f"{term.name_ja} {experience.years}年"
            name_en = term.name_en if d.kind != "experience" else f"{term.name_en} {experience.years} yrs"
            told[status].append((name, name_en, d.reason.strip()))
    if told["verified"] or told["rejected"]:
        _tell_person(specialist, told)
    db.session.commit()
    return {k: [v[0] for v in vs] for k, vs in told.items()}


def _tell_person(specialist: Specialist, told: dict[str, list[Any]]) -> None:
    def listed(entries: list[Any], lang: str) -> str:
        if not entries:
            return "なし" if lang == "ja" else "none"
        parts = []
        for ja, en, reason in entries:
            name = ja if lang == "ja" else en
            parts.append(f"{name}（{reason}）" if reason and lang == "ja" else f"{name} ({reason})" if reason else name)
        return "、".join(parts) if lang == "ja" else "; ".join(parts)

    params = {key: {"ja": listed(told[key], "ja"), "en": listed(told[key], "en")} for key in ("verified", "rejected")}
    if specialist.user is not None and specialist.user.is_enabled:
        notify(specialist.user, "specialist.verification_decided", params, link=link_to("specialists.me"))
    elif specialist.email:
        notify_address(specialist.email, specialist.name_kanji or "", "ja", "specialist.verification_decided", params)


def vouch_as_employer(actor: Any, specialist: Specialist) -> None:
    """Staff registering or editing a serving officer answer for what they enter: the officer's own city
    (its HR officer holds the personnel record), or the coordinating city acting for it."""
    if specialist.kind != SpecialistKind.SERVING:
        return
    role = getattr(actor, "role", None)
    if role == Role.CITY_HR and actor.city_id == specialist.employer_city_id:
        vouch(actor, specialist, CheckedBy.EMPLOYER)
    elif role in (Role.COORDINATOR, Role.ADMIN):
        vouch(actor, specialist, CheckedBy.COORDINATOR)


def vouch(actor: Any, specialist: Specialist, checked_by: CheckedBy) -> int:
    """Mark every unchecked profession, licence and experience of the profile verified by ``checked_by``."""
    db.session.flush()
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    sp, sl = specialist_professions, specialist_licences
    changed = db.session.execute(
        update(sp).where(sp.c.specialist_id == specialist.id, sp.c.verified_at.is_(None))
        .values(verified_at=now, verified_by_id=actor_id, checked_by=checked_by.value)).rowcount or 0
    changed += db.session.execute(
        update(sl).where(sl.c.specialist_id == specialist.id, sl.c.status == LicenceStatus.PENDING.value)
        .values(status=LicenceStatus.VERIFIED.value, checked_by=checked_by.value, reviewed_by_id=actor_id,
                reviewed_at=now)).rowcount or 0
    changed += db.session.execute(
        update(SpecialistExperience).where(SpecialistExperience.specialist_id == specialist.id,
                                           SpecialistExperience.verified_at.is_(None))
        .values(verified_at=now, verified_by_id=actor_id, checked_by=checked_by.value)).rowcount or 0
    db.session.expire(specialist)
    return changed


# ---------------------------------------------------------------- the coordinating city's queue

def _waiting_clause() -> Any:
    """SQL: the profile has something for the coordinating city to check."""
    sp, sl = specialist_professions, specialist_licences
    # IN (a union read from the partial indexes of waiting rows), not three EXISTS joined by OR: the database
    # starts from the few waiting rows instead of testing all 50,000 profiles (30 ms on every coordinator page).
    waiting = union(
        select(sl.c.specialist_id).where(sl.c.status == LicenceStatus.PENDING.value),
        select(sp.c.specialist_id).where(sp.c.verified_at.is_(None)),
        select(SpecialistExperience.specialist_id).where(SpecialistExperience.verified_at.is_(None)))
    return and_(Specialist.status != SpecialistStatus.WITHDRAWN.value, Specialist.id.in_(waiting))


def waiting_since() -> Any:
    return func.coalesce(Specialist.email_confirmed_at, Specialist.created_at)


def queue_count() -> int:
    """People whose address is confirmed and who wait for the coordinating city (the menu's count)."""
    return db.session.scalar(select(func.count()).select_from(Specialist).where(
        _waiting_clause(), identity_confirmed_clause())) or 0


@dataclass(frozen=True)
class QueueEntry:
    specialist: Specialist
    waiting_since: datetime
    pending_licences: int
    with_particulars: int
    with_document: int
    unverified_professions: int
    unverified_experiences: int
    matchable: bool


def queue(actor: Any, page: int = 1, per_page: int = 50, unconfirmed: bool = False) -> tuple[list[QueueEntry], int]:
    """Oldest first: the people waiting for a check, with what each one waits on; and the total."""
    permissions.check(actor, "specialist.verify")
    condition = and_(_waiting_clause(), ~identity_confirmed_clause() if unconfirmed else identity_confirmed_clause())
    total = db.session.scalar(select(func.count()).select_from(Specialist).where(condition)) or 0
    page = max(1, min(page, max(1, (total + per_page - 1) // per_page)))
    people = list(db.session.scalars(select(Specialist).where(condition)
                                     .order_by(waiting_since(), Specialist.id)
                                     .offset((page - 1) * per_page).limit(per_page)))
    ids = [s.id for s in people]
    sl, sp = specialist_licences, specialist_professions
    licence_counts: dict[int, tuple[int, int, int]] = {}
    if ids:
        for sid, pending, particulars, documents in db.session.execute(
                select(sl.c.specialist_id, func.count(),
                       func.count().filter(and_(sl.c.number.is_not(None), sl.c.issuer.is_not(None),
                                                sl.c.issued_on.is_not(None))),
                       func.count().filter(sl.c.document_key.is_not(None)))
                .where(sl.c.specialist_id.in_(ids), sl.c.status == LicenceStatus.PENDING.value)
                .group_by(sl.c.specialist_id)):
            licence_counts[sid] = (pending, particulars, documents)
    professions = dict(db.session.execute(
        select(sp.c.specialist_id, func.count()).where(sp.c.specialist_id.in_(ids), sp.c.verified_at.is_(None))
        .group_by(sp.c.specialist_id)).all()) if ids else {}
    experiences = dict(db.session.execute(
        select(SpecialistExperience.specialist_id, func.count())
        .where(SpecialistExperience.specialist_id.in_(ids), SpecialistExperience.verified_at.is_(None))
        .group_by(SpecialistExperience.specialist_id)).all()) if ids else {}
    usable = usable_professions_by_specialist(ids)
    entries = []
    for s in people:
        pending, particulars, documents = licence_counts.get(s.id, (0, 0, 0))
        entries.append(QueueEntry(
            s, s.email_confirmed_at or s.created_at, pending, particulars, documents, professions.get(s.id, 0),
            experiences.get(s.id, 0),
            s.status == SpecialistStatus.ACTIVE and s.identity_confirmed and bool(usable.get(s.id))))
    return entries, total


def verify_all_checked(actor: Any, specialist_ids: list[int], reason: str) -> int:
    """Bulk: for each chosen person, verify the licences whose particulars are complete and the professions
    those licences belong to. Nothing without particulars is verified; returns the people changed."""
    permissions.check(actor, "specialist.verify")
    if not reason.strip():
        raise UserError("一括で確認した根拠（照合した名簿など）を入力してください。", field="reason")
    if len(reason) > MAX_REASON:
        raise UserError("理由は%(limit)s文字以内で入力してください。", field="reason", limit=MAX_REASON)
    changed = 0
    for specialist_id in sorted(set(specialist_ids))[:200]:
        specialist = db.session.get(Specialist, specialist_id)
        if specialist is None or specialist.is_withdrawn:
            continue
        decisions = [Decision("licence", r.licence_id, "verify", "") for r in specialist.licence_records
                     if r.status == LicenceStatus.PENDING and r.has_particulars]
        if not decisions:
            continue
        told = decide(actor, specialist.id, decisions)
        if told["verified"]:
            changed += 1
            audit.record(actor, "specialist.bulk_verified", "specialist", specialist.id,
                         city_id=specialist.home_city_id, reason=reason.strip(), summary=specialist.reference)
            db.session.commit()
    return changed


def reviewer_of(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None
