"""Names for audit actions and fields as people read them; each domain adds its own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "account.locked": _l("アカウントのロック"),
    "account.password_changed": _l("パスワード変更"),
    "account.reset_link_sent": _l("パスワード再設定リンクの送信"),
    "account.password_reset": _l("パスワードの再設定"),
    "account.unlocked": _l("アカウントのロック解除"),
    "user.invited": _l("職員の招待"),
    "user.invitation_accepted": _l("招待の受諾"),
    "user.created_from_shell": _l("職員アカウントの作成（サーバーのコマンド）"),
    "user.enabled": _l("アカウントの有効化"),
    "user.disabled": _l("アカウントの無効化"),
    "city.created": _l("市町村の追加"),
    "city.updated": _l("市の指標の変更"),
    "travel.updated": _l("移動時間の変更"),
    "request.created": _l("派遣要請の作成"),
    "request.updated": _l("派遣要請の変更"),
    "request.corrected": _l("派遣要請の訂正（幹事市）"),
    "request.opened": _l("派遣要請の公開"),
    "request.withdrawn": _l("派遣要請の取り下げ"),
    "request.reopened": _l("派遣要請の再公開"),
    "request.fill_changed": _l("派遣要請の充足状況の変更"),
    "request.expired": _l("派遣要請の期限切れ"),
    "offer.created": _l("交流職員の提供の作成"),
    "offer.updated": _l("交流職員の提供の変更"),
    "offer.corrected": _l("交流職員の提供の訂正（幹事市）"),
    "offer.opened": _l("交流職員の提供の公開"),
    "offer.withdrawn": _l("交流職員の提供の取り下げ"),
    "offer.reopened": _l("交流職員の提供の再公開"),
    "offer.matched": _l("交流の成立"),
    "offer.released": _l("交流の成立の取り消し"),
    "offer.expired": _l("交流職員の提供の期限切れ"),
}

FIELD_LABELS = {
    "code": _l("団体コード"),
    "name_ja": _l("市名（日本語）"),
    "name_en": _l("市名（英語）"),
    "prefecture": _l("都道府県"),
    "population": _l("人口"),
    "general_staff": _l("一般行政職員数"),
    "allowance_rate": _l("地域手当支給率"),
    "fiscal_index": _l("財政力指数"),
    "indicators_year": _l("指標の年度"),
    "is_sample_indicators": _l("指標はサンプル値"),
    "is_member": _l("連携市（マッチングの対象）"),
    "is_enabled": _l("有効"),
    "email": _l("メールアドレス"),
    "role": _l("役割"),
    "department": _l("部署"),
    "section": _l("課・係"),
    "profession": _l("職種"),
    "required_licences": _l("必要な資格"),
    "desired_fields": _l("望ましい経験分野"),
    "people": _l("人数"),
    "start_date": _l("開始日"),
    "end_date": _l("終了日"),
    "days_per_week": _l("週あたりの勤務日数"),
    "disaster_training_months": _l("災害復旧の要請で求める研修の受講（か月以内）"),
    "work_mode": _l("勤務形態"),
    "urgency": _l("緊急度"),
    "urgency_reason": _l("緊急度の理由"),
    "description": _l("業務内容"),
    "internal_notes": _l("内部メモ"),
    "status": _l("状態"),
    "filled_count": _l("充足人数"),
    "officer": _l("提供する職員"),
    "is_one_way": _l("片道の派遣（見返りなし）"),
    "wants_profession": _l("見返りに求める職種"),
    "wants_licences": _l("見返りに求める資格"),
    "notes": _l("メモ"),
}


# The talent registry.
ACTION_LABELS.update({
    "specialist.registered": _l("専門人材の登録"),
    "specialist.updated": _l("専門人材の登録内容の変更"),
    "specialist.viewed": _l("専門人材の個人情報の閲覧"),
    "specialist.listed": _l("専門人材の一覧の閲覧"),
    "specialist.exported": _l("本人による登録情報のダウンロード"),
    "specialist.availability_confirmed": _l("勤務可能期間の確認"),
    "specialist.paused": _l("専門人材の登録の一時停止"),
    "specialist.resumed": _l("専門人材の登録の再開"),
    "specialist.withdrawn": _l("専門人材の退会（個人情報の消去）"),
    "specialist.claim_link_created": _l("本人用アカウント作成リンクの発行"),
    "specialist.claimed": _l("本人用アカウントの作成"),
    "specialist.imported": _l("専門人材の一括登録"),
    "vocabulary.created": _l("語彙の追加"),
    "vocabulary.updated": _l("語彙の変更"),
})
for _name, _label in {
    "name_kanji": _l("氏名"), "name_kana": _l("ふりがな"), "phone": _l("電話番号"),
    "former_employer": _l("元の勤務先"), "retirement_year": _l("退職年"), "home_city_id": _l("居住地"),
    "employer_city_id": _l("所属市"), "kind": _l("区分"), "can_work_onsite": _l("現地で勤務できる"),
    "can_work_remote": _l("在宅（リモート）で勤務できる"), "max_travel_minutes": _l("片道の移動時間の上限（分）"),
    "professions": _l("職種"), "licences": _l("資格・免許"), "experiences": _l("経験分野と年数"),
    "availability": _l("勤務可能期間"), "excluded_cities": _l("派遣を希望しない市"),
    "preferred_cities": _l("派遣を希望する市"), "consent_version": _l("同意文の版"),
    "registration_source": _l("登録の経路"), "shown": _l("表示した登録番号"), "created": _l("登録した人数"),
    "skipped": _l("重複で取り込まなかった行"), "sort_order": _l("表示順"), "is_active": _l("使用中"),
    "profession_id": _l("主な職種"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)


# Matching rounds and their review.
ACTION_LABELS.update({
    "round.started": _l("マッチングの開始"),
    "round.succeeded": _l("マッチングの完了"),
    "round.failed": _l("マッチングの失敗"),
    "proposal.approved": _l("提案の承認"),
    "proposal.rejected": _l("提案の却下"),
    "proposal.offered": _l("本人への打診"),
    "proposal.accepted": _l("本人の受諾"),
    "proposal.declined": _l("本人の辞退"),
    "proposal.lapsed": _l("回答期限切れ"),
    "proposal.superseded": _l("提案の取り消し"),
    "cycle.approved": _l("交流の輪の承認"),
    "cycle.rejected": _l("交流の輪の却下"),
    "cycle.superseded": _l("新しいマッチングによる交流の輪の置換"),
    "cycle.released": _l("幹事市による交流の輪の解除"),
    "cycle.leg_released": _l("交流の輪の一部の派遣の中止（その職員は次のマッチングの対象に戻る）"),
    "ruleset.created": _l("優先順位の規則の新しい版"),
    "ruleset.published": _l("優先順位の規則の公開"),
})
for _name, _label in {
    "rule_set_version": _l("規則の版"), "parent_round": _l("元のマッチング"), "version": _l("版"),
    "method": _l("比較方法"), "criteria": _l("指標と重み"), "max_cycle_length": _l("交流の輪の最大の長さ"),
    "exchange_priority": _l("職員交流を優先する順位"),
    "published_version": _l("公開中の版"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)


# Offers to specialists, dispatches and exchange-ring confirmation.
ACTION_LABELS.update({
    "dispatch_offer.made": _l("派遣の打診"),
    "dispatch_offer.accepted": _l("打診の承諾"),
    "dispatch_offer.declined": _l("打診の辞退"),
    "dispatch_offer.lapsed": _l("打診の期限切れ"),
    "dispatch_offer.cancelled": _l("打診の取消し"),
    "dispatch.created": _l("派遣の成立"),
    "dispatch.started": _l("派遣の開始"),
    "dispatch.completed": _l("派遣の終了"),
    "dispatch.cancelled": _l("派遣の中止"),
    "dispatch.extended": _l("派遣の延長"),
    "dispatch.evaluated": _l("派遣の評価"),
    "dispatch.roster_exported": _l("派遣一覧の出力"),
    "cycle.city_confirmed": _l("交流の輪の市による確認"),
    "cycle.confirmed": _l("交流の成立"),
    "cycle.refused": _l("交流の輪の市による辞退"),
})
for _name, _label in {
    "deadline_at": _l("回答期限"), "rating": _l("評価"), "comment": _l("コメント"),
    "released_officer": _l("交流の輪から外れた職員"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)

def action_label(action: str) -> str:
    """The readable name of an action, or its code when none is registered."""
    return str(ACTION_LABELS.get(action, action))


def field_label(name: str) -> str:
    """The readable name of a changed field, or its code when none is registered."""
    return str(FIELD_LABELS.get(name, name))


# A dispatch's arrival details (dispatches/arrival.py).
ACTION_LABELS.update({
    "dispatch.arrival_entered": _l("初日の案内の登録"),
    "dispatch.arrival_changed": _l("初日の案内の変更"),
})
for _name, _label in {
    "contact_name": _l("担当者の氏名"), "contact_phone": _l("担当者の電話番号"),
    "contact_email": _l("担当者のメールアドレス"), "place": _l("初日に行く場所"), "first_day_on": _l("初日"),
    "meeting_time": _l("集合時刻"), "what_to_bring": _l("持ち物・服装など"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)


# Checks of a profile's particulars, imports and the outbox (their values read through audit.history).
for _name, _label in {
    "licence": _l("資格・免許"), "document": _l("証明書類の写し"), "verified_at_import": _l("取り込み時に確認済み"),
    "last_error": _l("直前の送信エラー"), "ids": _l("対象のメッセージ"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)


# The schedule, the scheduler, the outbox and the checks of a profile's particulars.
ACTION_LABELS.update({
    "schedule.updated": _l("マッチングの日程の変更"),
    "job.run_requested": _l("定期処理の手動実行"),
    "outbox.retried": _l("メールの再送"),
    "outbox.test_queued": _l("テストメールの送信"),
    "specialist.email_confirmed": _l("メールアドレスの確認"),
    "specialist.licence_particulars": _l("資格の内容の変更"),
    "specialist.licence_document_viewed": _l("資格の証明書類の閲覧"),
    "specialist.bulk_verified": _l("一括確認"),
    "specialist.licence_verified": _l("資格の確認"),
    "specialist.licence_rejected": _l("資格を確認できないと判断"),
    "specialist.licence_pending": _l("資格の確認の取り消し"),
    "specialist.profession_verified": _l("職種の確認"),
    "specialist.profession_rejected": _l("職種を確認できないと判断"),
    "specialist.profession_pending": _l("職種の確認の取り消し"),
    "specialist.experience_verified": _l("経験の確認"),
    "specialist.experience_rejected": _l("経験を確認できないと判断"),
    "specialist.experience_pending": _l("経験の確認の取り消し"),
})
for _name, _label in {
    "is_regular_enabled": _l("定期マッチングを自動で実行する"), "week_of_month": _l("実行する週"), "weekday": _l("曜日"),
    "hour": _l("時"), "minute": _l("分"),
    "is_fast_track_enabled": _l("災害復旧の派遣要請が公開されたら緊急マッチングを自動で実行する"),
    "fast_track_delay_minutes": _l("緊急マッチングまでの待ち時間（分）"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)


# Know-how sharing: training across cities and the lessons library (consultations keep theirs in consultations/labels.py).
ACTION_LABELS.update({
    "training.post": _l("研修の登録"),
    "training.edit": _l("研修の変更"),
    "training.cancel": _l("研修の中止"),
    "training.register": _l("研修への申込み"),
    "training.unregister": _l("研修の申込みの取り消し"),
    "training.promote": _l("キャンセル待ちからの繰り上げ"),
    "training.attendance": _l("研修の出欠の記録"),
    "training.remind": _l("研修の前日のお知らせ"),
    "library.published": _l("事例・ノウハウの掲載"),
    "library.updated": _l("事例・ノウハウの更新"),
    "library.edited": _l("事例・ノウハウの修正"),
    "library.withdrawn": _l("事例・ノウハウの取り下げ"),
    "library.downloaded": _l("事例・ノウハウのファイルの閲覧"),
})
