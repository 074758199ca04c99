"""Matching screens: rounds and their progress, the review by city and by request, decisions,
re-solve and what-if, exports, a city's own results, and the rule-set editor."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..cities.models import City
from ..core.bounds import parse_id
from ..core.errors import N_, UserError
from ..core.forms import attach_errors
from ..core.permissions import may, requires
from ..core.query_args import page_arg
from ..exchange.rings.models import CYCLE_STATUS_LABELS
from ..extensions import db
from ..requests.models import StaffingRequest
from ..scheduler.services import scheduler_state
from ..vocabulary.models import Profession
from . import exports, review, services
from .forms import ConfirmForm, ReasonForm, RejectForm, RuleSetForm, StartRoundForm, WhatIfForm
from .labels import SCORE_PART_LABELS, SCORE_PARTS, page_labels, priority_explainer
from .models import (
    EXCHANGE_PRIORITY_LABELS,
    INDICATOR_LABELS,
    INDICATORS,
    PROPOSAL_STATUS_LABELS,
    PROPOSAL_STATUSES,
    ROUND_KIND_LABELS,
    ROUND_PHASE_LABELS,
    ROUND_STATUS_LABELS,
    RULE_SET_METHOD_LABELS,
    Proposal,
    RuleSetVersion,
)
from .reasons import PROPOSAL_REJECTION_REASONS, RING_REJECTION_REASONS, reason_for_display
from .text import current_locale, translator

bp = Blueprint("matching", __name__, url_prefix="/matching")
PLACEHOLDER_ID = 999999999  # link patterns built once per page; the template puts each row's id in
ERROR_KIND_LABELS = {
    "timeout": N_("ソルバーが制限時間内に終わりませんでした。"),
    "invalid_input": N_("入力データに誤りがあり、ソルバーが受け付けませんでした。"),
    "crashed": N_("ソルバーが異常終了しました。"),
    "internal": N_("システムエラーでマッチングを完了できませんでした。"),
    "interrupted": N_("マッチングを実行していたプロセスが途中で停止しました。"),
    "not_started": N_("スケジューラーが動いていなかったため、マッチングは開始されませんでした。もう一度実行してください。"),
}


@bp.app_context_processor
def labels() -> dict[str, Any]:
    return {"proposal_status_labels": PROPOSAL_STATUS_LABELS, "round_status_labels": ROUND_STATUS_LABELS,
            "round_kind_labels": ROUND_KIND_LABELS, "cycle_status_labels": CYCLE_STATUS_LABELS,
            "exchange_priority_labels": EXCHANGE_PRIORITY_LABELS,
            "indicator_labels": INDICATOR_LABELS, "rule_set_method_labels": RULE_SET_METHOD_LABELS,
            "score_part_names": SCORE_PARTS, "score_part_labels": SCORE_PART_LABELS,
            "round_phase_labels": ROUND_PHASE_LABELS, "reason_for_display": reason_for_display}


def _error_label(kind: str | None) -> str:
    return _(ERROR_KIND_LABELS.get(kind or "", N_("マッチングを完了できませんでした。")))


def _rule_set_choices(exclude_id: int | None = None) -> list[tuple[int, str]]:
    return [(r.id, _("第%(version)s版", version=r.version) + (_("（公開中）") if r.is_published else ""))
            for r in db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()))
            if r.id != exclude_id]


def _profession_choices() -> list[tuple[str, str]]:
    return [("", _("すべての職種（通常のマッチング）"))] + [
        (p.code, p.display_name(str(current_user.language or "ja")))
        for p in db.session.scalars(select(Profession).where(Profession.is_active.is_(True))
                                    .order_by(Profession.sort_order, Profession.id))]


# ----------------------------------------------------------------------------- rounds


@bp.route("/")
@requires("round.review")
def index():
    page = review.list_rounds(current_user, page_arg(), current_app.config.get("PAGE_SIZE", 50))
    form = StartRoundForm()
    form.profession_code.choices = _profession_choices()
    active = services.active_round()
    waiting_without_scheduler = (active is not None and active.status == "queued"
                                 and not scheduler_state().is_alive)
    return render_template("matching/index.html", page=page, form=form, L=_round_list_labels(),
                           outlook=review.next_round_outlook(current_user), active=active,
                           waiting_without_scheduler=waiting_without_scheduler,
                           rule_set=services.current_rule_set(), can_run=may(current_user, "round.run"))


def _round_list_labels() -> dict[str, Any]:
    """The round list's words, translated once per page (the rows format them)."""
    return {"kind": {k: _(v) for k, v in ROUND_KIND_LABELS.items()},
            "status": {k: _(v) for k, v in ROUND_STATUS_LABELS.items()},
            "from_round": _("（No.%(id)sから）"), "cut_short": _("制限時間で打ち切り"),
            "version": _("第%(version)s版"), "seconds": _("%(s)s秒"), "system": _("システム")}


@bp.route("/rounds", methods=["POST"])
@requires("round.run")
def start():
    form = StartRoundForm()
    form.profession_code.choices = _profession_choices()
    if not form.validate_on_submit():
        flash(_("入力内容を確認してください。"), "error")
        return redirect(url_for("matching.index"))
    profession = form.profession_code.data or None
    try:
        rnd = services.start_round(current_user, "fast_track" if profession else "manual", profession_code=profession)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("matching.index"))
    return redirect(url_for("matching.progress", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>")
@requires("round.review")
def show(round_id: int):
    try:
        rnd = review.get_round(current_user, round_id)
    except UserError:
        abort(404)
    if not rnd.is_finished:
        return redirect(url_for("matching.progress", round_id=rnd.id))
    if rnd.status == "failed":
        return render_template("matching/failed.html", rnd=rnd,
                               error_label=_error_label((rnd.stats or {}).get("error_kind")))
    if rnd.kind == "what_if":
        return redirect(url_for("matching.compare", what_if_id=rnd.id))
    cities = list(db.session.scalars(select(City).order_by(City.code)))
    professions = list(db.session.scalars(select(Profession).order_by(Profession.sort_order, Profession.id)))
    filters, filter_errors = review.parse_filters(request.args, cities, {p.code for p in professions})
    city_id = None
    if request.args.get("city_id"):
        city_id = parse_id(request.args.get("city_id"))
        if city_id not in {c.id for c in cities}:
            filter_errors.insert(0, _("市の選択肢が正しくありません。選び直してください。"))
            city_id = None
    data = review.review_round(current_user, round_id, city_id, page=None if city_id else page_arg(),
                               filters=filters)
    what_if_form = WhatIfForm()
    what_if_form.rule_set_version_id.choices = _rule_set_choices(exclude_id=rnd.rule_set_version_id)
    can_decide = may(current_user, "proposal.decide")
    rows = _render_groups(rnd, data.cities, data.priority_total, can_decide=can_decide, show_city_heading=True,
                          link_requests=True)
    reject_form = RejectForm(PROPOSAL_REJECTION_REASONS, formdata=None)
    ring_reject_form = RejectForm(RING_REJECTION_REASONS, formdata=None)
    reject_form.next.data = ring_reject_form.next.data = request.full_path.rstrip("?")
    return render_template("matching/review.html", review=data, rnd=rnd, what_if_form=what_if_form,
                           confirm_form=ConfirmForm(), reject_form=reject_form, ring_reject_form=ring_reject_form,
                           can_decide=can_decide, can_run=may(current_user, "round.run"),
                           can_edit_rules=may(current_user, "ruleset.edit"), groups_html=rows,
                           filters=data.filters, filter_errors=filter_errors, professions=professions,
                           statuses=PROPOSAL_STATUSES, filter_args=data.filters.query_args(),
                           reason_text=lambda stored: reason_for_display(stored, translator()),
                           city_id=city_id)


def _render_groups(rnd: Any, groups: list[Any], total: int, **flags: Any) -> Markup:
    """The proposal list on its own: rendered flat, then placed in the page (thousands of rows render
    far faster outside the page's layout, whose every output piece would pass through each level)."""
    return Markup(render_template("matching/_groups.html", groups=groups, rnd=rnd, total=total,
                                  **_list_context(rnd), **flags))


def _list_context(rnd: Any) -> dict[str, Any]:
    """What the proposal list needs, computed once per page: labels, the language, link patterns."""
    t = translator()
    return {"L": page_labels(), "locale": current_locale(), "priority_text": priority_explainer(),
            "reason_text": lambda stored: reason_for_display(stored, t),
            "detail_url": url_for("specialists.detail", specialist_id=PLACEHOLDER_ID),
            "request_url": url_for("matching.by_request", round_id=rnd.id, request_id=PLACEHOLDER_ID)}


@bp.route("/rounds/<int:round_id>/progress")
@requires("round.review")
def progress(round_id: int):
    try:
        status = review.status_of(current_user, round_id)
    except UserError:
        abort(404)
    rnd = review.get_round(current_user, round_id)
    return render_template("matching/progress.html", status=status, rnd=rnd,
                           error_label=_error_label(status.get("error_kind")))


@bp.route("/rounds/<int:round_id>/status.json")
@requires("round.review")
def status(round_id: int):
    try:
        data = review.status_of(current_user, round_id)
    except UserError:
        abort(404)
    if data["is_finished"]:
        target = ("matching.compare" if data["kind"] == "what_if" and data["status"] == "succeeded"
                  else "matching.show")
        data["next_url"] = url_for(target, round_id=round_id) if target == "matching.show" else \
            url_for(target, what_if_id=round_id)
    if data.get("error_kind"):
        data["error_label"] = _error_label(data["error_kind"])
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/requests/<int:request_id>")
@requires("round.review")
def by_request(round_id: int, request_id: int):
    try:
        data, group = review.review_request(current_user, round_id, request_id)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("matching.index"))
    req = db.session.get(StaffingRequest, request_id)
    history = review.pair_history(current_user, request_id)
    return render_template("matching/by_request.html", review=data, rnd=data.round, group=group, req=req,
                           history=history, confirm_form=ConfirmForm(),
                           can_decide=may(current_user, "proposal.decide"), priority_text=priority_explainer())


# ----------------------------------------------------------------------------- decisions
# Each decision works as a plain form (it redirects back to the same list, filters, page and row) and, from
# review.js, as fetch() asking for JSON (the row is updated in place). The services decide; nothing here does.


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _safe_next(target: str) -> str | None:
    """A review page to go back to (paths under /matching/ only: never another site)."""
    target = target.split("#", 1)[0]
    if (target.startswith("/matching/") and "//" not in target and "\\" not in target
            and target.isprintable() and len(target) <= 2000):
        return target
    return None


def _next_target(round_id: int | None) -> str:
    target = _safe_next(request.form.get("next", "") or request.args.get("next", ""))
    if target:
        return target
    return url_for("matching.show", round_id=round_id) if round_id else url_for("matching.index")


def _back_to_review(round_id: int | None, anchor: str = "", decided: int | None = None) -> Response:
    """Back to the page the decision was made on, at the row it was made on. A page filtered by status or by
    change would no longer list the row just decided: ``decided`` keeps it shown there."""
    target = _next_target(round_id)
    if decided is not None:
        path, _sep, query = target.partition("?")
        args = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "decided"]
        if any(k in ("status", "changed") and v for k, v in args):
            target = path + "?" + urlencode([*args, ("decided", str(decided))])
    return redirect(target + (f"#{anchor}" if anchor else ""))


def _proposal_done(proposal: Any, message: str) -> Response:
    if _wants_json():
        return jsonify(ok=True, message=message, target=f"proposal-{proposal.id}", status=proposal.status,
                       status_label=_(PROPOSAL_STATUS_LABELS[proposal.status]),
                       reason=reason_for_display(proposal.decision_reason))
    flash(message, "success")
    return _back_to_review(proposal.round_id, f"proposal-{proposal.id}", decided=proposal.id)


def _cycle_done(cycle: Any, message: str) -> Response:
    if _wants_json():
        return jsonify(ok=True, message=message, target=f"cycle-{cycle.id}", status=cycle.status,
                       status_label=_(CYCLE_STATUS_LABELS[cycle.status]),
                       reason=reason_for_display(cycle.decision_reason))
    flash(message, "success")
    return _back_to_review(cycle.round_id, f"cycle-{cycle.id}")


def _refused(exc: UserError, round_id: int | None, anchor: str) -> Response:
    if _wants_json():
        return jsonify(ok=False, message=exc.translated(), target=anchor), 409
    flash(exc.translated(), "error")
    return _back_to_review(round_id, anchor)


def _round_of(proposal_id: int) -> int | None:
    """The round a refused decision goes back to (the form's, else the proposal's)."""
    return request.form.get("round_id", type=parse_id) or db.session.scalar(
        select(Proposal.round_id).where(Proposal.id == proposal_id))


def _check_csrf() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@requires("proposal.decide")
def approve(proposal_id: int):
    _check_csrf()
    try:
        proposal = services.approve_proposal(current_user, proposal_id)
    except UserError as exc:
        return _refused(exc, _round_of(proposal_id), f"proposal-{proposal_id}")
    return _proposal_done(proposal, _("提案を承認しました。本人に打診されます。"))


def _reject_form(vocabulary: dict[str, str], legacy_field: str = "") -> RejectForm:
    """The reason form from the request; a reason typed in the older per-row field counts too."""
    formdata = None
    if request.method == "POST":
        formdata = request.form.copy()
        if legacy_field and not formdata.get("reason") and formdata.get(legacy_field):
            formdata["reason"] = formdata[legacy_field]
    return RejectForm(vocabulary, formdata=formdata)


def _reason_refused(form: RejectForm, render_page: Any) -> Response:
    """Reason missing or not valid: say so (JSON for the dialog, the reason page otherwise), save nothing."""
    if "csrf_token" in form.errors:
        abort(400)
    if _wants_json():
        errors = {name: [str(e) for e in messages] for name, messages in form.errors.items()}
        first = next(iter(errors.values()))[0]
        return jsonify(ok=False, message=first, errors=errors), 422
    return render_page(form), 422


def _reject_view(vocabulary: dict[str, str], legacy_field: str, kind: str, target_of: Any, action: str,
                 anchor: str, do_reject: Any, round_on_error: Any, done: Any) -> Any:
    """A proposal's or a ring's rejection: GET the reason page (the dialog's page without
    JavaScript), POST reject with the reason; a missing or invalid reason saves nothing."""
    form = _reject_form(vocabulary, legacy_field)
    if not form.next.data:
        form.next.data = _safe_next(request.args.get("next", "")) or ""

    def page(f: RejectForm) -> str:
        try:
            target = target_of(current_user)
        except UserError:
            abort(404)
        return render_template("matching/reject.html", form=f, target=target, kind=kind, action=action,
                               back=(_safe_next(f.next.data or "") or url_for(
                                   "matching.show", round_id=target.round_id)) + f"#{anchor}")

    if request.method == "GET":
        return page(form)
    if not form.validate():
        return _reason_refused(form, page)
    try:
        decided = do_reject(form.stored_reason())
    except UserError as exc:
        return _refused(exc, round_on_error(), anchor)
    return done(decided)


@bp.route("/proposals/<int:proposal_id>/reject", methods=["GET", "POST"])
@requires("proposal.decide")
def reject(proposal_id: int):
    """GET: the reason page (the dialog's page without JavaScript); POST: reject with the reason."""
    return _reject_view(
        PROPOSAL_REJECTION_REASONS, f"reason_{proposal_id}", "proposal",
        lambda user: review.decision_target(user, proposal_id),
        url_for("matching.reject", proposal_id=proposal_id), f"proposal-{proposal_id}",
        lambda reason: services.reject_proposal(current_user, proposal_id, reason),
        lambda: _round_of(proposal_id),
        lambda proposal: _proposal_done(proposal, _("提案を却下しました。この組み合わせは今後提案されません。")))


def _selected_ids() -> list[int]:
    return [i for i in map(parse_id, request.form.getlist("proposal_id")[:10_000]) if i is not None]


@bp.route("/rounds/<int:round_id>/decide", methods=["POST"])
@requires("proposal.decide")
def decide(round_id: int):
    """The review list's form: one row's 承認 or 却下, or a bulk decision (confirmed on its own page first)."""
    _check_csrf()
    single_approve, single_reject = parse_id(request.form.get("approve_one")), parse_id(request.form.get("reject_one"))
    if single_approve:
        try:
            proposal = services.approve_proposal(current_user, single_approve)
        except UserError as exc:
            return _refused(exc, round_id, f"proposal-{single_approve}")
        return _proposal_done(proposal, _("提案を承認しました。本人に打診されます。"))
    if single_reject:  # the reason is asked on its own page (review.js opens the dialog instead)
        return redirect(url_for("matching.reject", proposal_id=single_reject, next=_next_target(round_id)), 303)
    action = request.form.get("action")
    if action not in ("approve", "reject"):
        abort(400)
    ids = _selected_ids()
    if not ids:
        flash(_("提案を1件以上選んでください。"), "error")
        return _back_to_review(round_id, "decide-form")
    def page(f: RejectForm) -> str:
        try:
            chosen = review.selection(current_user, round_id, ids)
        except UserError:
            abort(404)
        f.next.data = _next_target(round_id)
        return render_template("matching/confirm_bulk.html", selection=chosen, action=action, form=f,
                               next=_next_target(round_id), rnd=chosen.round)

    if request.form.get("confirmed") != "1":  # the first press: say how many and which cities, save nothing
        return page(RejectForm(PROPOSAL_REJECTION_REASONS, formdata=None))
    form = RejectForm(PROPOSAL_REJECTION_REASONS)
    try:
        if action == "approve":
            outcome = services.approve_proposals(current_user, ids)
            done = _("%(n)s件の提案を承認しました。", n=len(outcome.done))
        else:
            if not form.validate():
                return _reason_refused(form, page)
            outcome = services.reject_proposals(current_user, ids, form.stored_reason())
            done = _("%(n)s件の提案を却下しました。", n=len(outcome.done))
    except UserError as exc:
        flash(exc.translated(), "error")
        return _back_to_review(round_id, "decide-form")
    if outcome.done:
        flash(done, "success")
    for proposal_id, error in outcome.refused:
        flash(_("提案 No.%(id)s：%(message)s", id=proposal_id, message=error.translated()), "error")
    return _back_to_review(round_id, "decide-form")


@bp.route("/cycles/<int:cycle_id>/approve", methods=["POST"])
@requires("proposal.decide")
def approve_cycle(cycle_id: int):
    _check_csrf()
    try:
        cycle = services.approve_cycle(current_user, cycle_id)
    except UserError as exc:
        return _refused(exc, request.form.get("round_id", type=parse_id), f"cycle-{cycle_id}")
    return _cycle_done(cycle, _("交流の輪を承認しました。各市の人事担当者に確認を依頼します。"))


@bp.route("/cycles/<int:cycle_id>/reject", methods=["GET", "POST"])
@requires("proposal.decide")
def reject_cycle(cycle_id: int):
    """GET: the reason page for a ring; POST: reject the ring with the reason."""
    return _reject_view(
        RING_REJECTION_REASONS, "", "cycle",
        lambda user: review.ring_target(user, cycle_id),
        url_for("matching.reject_cycle", cycle_id=cycle_id), f"cycle-{cycle_id}",
        lambda reason: services.reject_cycle(current_user, cycle_id, reason),
        lambda: request.form.get("round_id", type=parse_id),
        lambda cycle: _cycle_done(cycle, _("交流の輪を却下しました。")))


@bp.route("/rounds/<int:round_id>/resolve", methods=["POST"])
@requires("round.run")
def resolve(round_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        rnd = services.resolve(current_user, round_id)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("matching.show", round_id=round_id))
    return redirect(url_for("matching.progress", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/what-if", methods=["POST"])
@requires("round.run")
def what_if(round_id: int):
    form = WhatIfForm()
    form.rule_set_version_id.choices = _rule_set_choices()
    if not form.validate_on_submit():
        flash(_("比較する規則の版を選んでください。"), "error")
        return redirect(url_for("matching.show", round_id=round_id))
    try:
        rnd = services.what_if(current_user, round_id, form.rule_set_version_id.data)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("matching.show", round_id=round_id))
    return redirect(url_for("matching.progress", round_id=rnd.id))


@bp.route("/what-if/<int:what_if_id>")
@requires("round.review")
def compare(what_if_id: int):
    try:
        comparison = review.compare_rounds(current_user, what_if_id)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("matching.index"))
    return render_template("matching/compare.html", c=comparison, publish_form=ReasonForm(),
                           can_publish=may(current_user, "ruleset.edit"))


@bp.route("/rounds/<int:round_id>/export.xlsx")
@requires("round.review")
def export_xlsx(round_id: int):
    with force_locale("ja"):  # the files go to Japanese offices whatever the screen language
        try:
            data = review.review_round(current_user, round_id)
        except UserError:
            abort(404)
        body = exports.xlsx_bytes(data)
    return Response(body,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={exports.export_filename(data, 'xlsx')}"})


@bp.route("/rounds/<int:round_id>/export.csv")
@requires("round.review")
def export_csv(round_id: int):
    with force_locale("ja"):
        try:
            data = review.review_round(current_user, round_id)
        except UserError:
            abort(404)
        body = exports.csv_text(data).encode("utf-8")
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={exports.export_filename(data, 'csv')}"})


# ----------------------------------------------------------------------------- a city's results


@bp.route("/results")
@requires("round.results")
def results():
    if current_user.city_id is None:
        abort(404)
    return _city_page(current_user.city_id)


@bp.route("/cities/<int:city_id>")
@requires("round.view_own_city")
def city_results(city_id: int):
    return _city_page(city_id)


def _city_page(city_id: int):
    try:
        view = review.city_results(current_user, city_id, request.args.get("round_id", type=parse_id))
    except UserError:
        abort(404)
    rows = _render_groups(view.round, [view.group], view.priority_total, can_decide=False,
                          show_city_heading=False, link_requests=False) if view.group else Markup("")
    return render_template("matching/city.html", view=view, groups_html=rows)


# ----------------------------------------------------------------------------- rule sets


def _criteria_from(form: RuleSetForm) -> list[dict[str, Any]]:
    chosen = []
    for indicator, order, weight in form.indicator_fields():
        if order.data:
            chosen.append((int(order.data), indicator, float(weight.data if weight.data is not None else 1)))
    orders = [o for o, _i, _w in chosen]
    if len(set(orders)) != len(orders):
        raise UserError("指標の順番が重なっています。第1・第2・第3指標をそれぞれ1つずつ選んでください。",
                        field="staff_per_10k_order")
    return [{"indicator": i, "weight": w} for _o, i, w in sorted(chosen)]


def _fill_from(form: RuleSetForm, rule_set: RuleSetVersion) -> None:
    form.method.data = rule_set.method
    form.max_cycle_length.data = rule_set.max_cycle_length
    form.exchange_priority.data = rule_set.exchange_priority
    orders = {c["indicator"]: (n, c.get("weight", 1.0)) for n, c in enumerate(rule_set.criteria, start=1)}
    for indicator in INDICATORS:
        n, weight = orders.get(indicator, ("", 1.0))
        getattr(form, f"{indicator}_order").data = str(n)
        getattr(form, f"{indicator}_weight").data = Decimal(str(weight))


@bp.route("/rule-sets")
@requires("ruleset.view")
def rule_sets():
    versions = services.list_rule_sets(current_user)
    rankings = {r.id: services.city_ranking(r) for r in versions[:12]}
    return render_template("matching/rule_sets.html", versions=versions, rankings=rankings,
                           can_edit=may(current_user, "ruleset.edit"), publish_form=ReasonForm())


@bp.route("/rule-sets/new", methods=["GET", "POST"])
@requires("ruleset.edit")
def edit_rule_set():
    form = RuleSetForm()
    base = None
    if request.method == "GET":
        base_id = request.args.get("from", type=parse_id)
        base = db.session.get(RuleSetVersion, base_id) if base_id else services.current_rule_set()
        if base is not None:
            _fill_from(form, base)
    if form.validate_on_submit():
        try:
            values = services.RuleSetValues(method=form.method.data, criteria=_criteria_from(form),
                                            max_cycle_length=form.max_cycle_length.data, note=form.note.data,
                                            is_published=form.is_published.data,
                                            exchange_priority=form.exchange_priority.data)
            rule_set = services.save_rule_set(current_user, values)
        except UserError as exc:
            attach_errors(form, _map_fields(exc))
        else:
            if rule_set.is_published:
                flash(_("優先順位の規則を第%(version)s版として保存し、公開しました。", version=rule_set.version), "success")
            else:
                flash(_("優先順位の規則を第%(version)s版として保存しました（未公開）。試算で結果を比べてから公開できます。",
                        version=rule_set.version), "success")
            return redirect(url_for("matching.rule_sets"))
    return render_template("matching/rule_set_form.html", form=form, base=base,
                           current=services.current_rule_set())


def _map_fields(exc: UserError) -> UserError:
    """Service errors name ``criteria``; on the form that is the first indicator's order."""
    for error in getattr(exc, "errors", [exc]):
        if error.field == "criteria":
            error.field = "staff_per_10k_order"
    return exc


@bp.route("/rule-sets/<int:version_id>/publish", methods=["POST"])
@requires("ruleset.edit")
def publish_rule_set(version_id: int):
    form = ReasonForm()
    if not form.validate_on_submit():
        for error in form.reason.errors or [_("公開する理由を入力してください。")]:
            flash(error, "error")
        return redirect(url_for("matching.rule_sets"))
    try:
        rule_set = services.publish_rule_set(current_user, version_id, form.reason.data)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(_("第%(version)s版を公開しました。次のマッチングから使われます。", version=rule_set.version), "success")
    return redirect(url_for("matching.rule_sets"))

