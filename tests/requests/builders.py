"""Form values for request tests: a valid request of Zushi's roads section, overridable per test."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from talentbank.core import clock
from talentbank.requests.services import RequestValues
from talentbank.vocabulary.models import ExperienceField, Licence, Profession


def request_values(make, **overrides: Any) -> RequestValues:
    """Two civil engineers with slope experience, three days a week, for a year from next month."""
    today = clock.today_tokyo()
    values: dict[str, Any] = dict(
        department="都市整備部",
        section="道路・法面整備課",
        profession_id=make.term(Profession, "civil").id,
        required_licence_ids=(make.term(Licence, "civil_works_manager_1").id,),
        desired_field_ids=(make.term(ExperienceField, "slopes").id,),
        people=2,
        start_date=today + timedelta(days=30),
        end_date=today + timedelta(days=395),
        days_per_week=3,
        work_mode="onsite",
        urgency="disaster",
        urgency_reason="令和7年の豪雨で市道の法面が崩落し、復旧設計が急務のため",
        description="法面崩落箇所の調査・復旧設計と工事監理",
        internal_notes="補正予算で人件費を確保済み",
    )
    values.update(overrides)
    return RequestValues(**values)


def form_data(make, **overrides: Any) -> dict[str, Any]:
    """The same request as posted by the browser form."""
    values = request_values(make)
    data: dict[str, Any] = {
        "department": values.department, "section": values.section,
        "profession_id": str(values.profession_id),
        "required_licence_ids": [str(i) for i in values.required_licence_ids],
        "desired_field_ids": [str(i) for i in values.desired_field_ids],
        "people": str(values.people), "start_date": values.start_date.isoformat(),
        "end_date": values.end_date.isoformat(), "days_per_week": str(values.days_per_week),
        "work_mode": values.work_mode, "urgency": values.urgency, "urgency_reason": values.urgency_reason,
        "description": values.description, "internal_notes": values.internal_notes,
    }
    data.update(overrides)
    return data
