"""Time the lessons library's Japanese search (/library/?q=…) over 10,000 entries on SQLite or PostgreSQL.

    python scripts/bench_library.py                                   # SQLite in a temporary folder
    python scripts/bench_library.py --database postgresql+psycopg://postgres@127.0.0.1/tb_bench_library

Builds the schema with the migrations (the database named must be one of its own: entries are added to it
until there are ``--count``), adds ``--count`` entries of generated Japanese text (a few sentences each, from
a list of civil-engineering, sewerage and health phrases, so 「法面」 is in about a quarter of them), then
times searches of 1, 2, 3 and more characters, kana, two words, a word found nowhere and a word with
filters: the service call (count and first page with snippets) and the page through the Flask test client,
``--repeat`` times each after one untimed pass. Prints median and p95 per query, with the load average.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

BENCH_EMAIL = "bench.library@bench.example"
BENCH_PASSWORD = "quiet-harbour-7731"
PHRASES = (
    "台風の翌朝に市道の法面の崩落を確認した。", "大型土のうで応急対応をした。", "通行止めの判断を早めにした。",
    "下水処理場の長寿命化計画を見直した。", "ポンプ設備の更新を前倒しした。", "管路の点検記録を整理した。",
    "避難所の健康相談を担当した。", "保健師の応援で巡回を増やした。", "ほうめんの点検を地元に依頼した。",
    "公園の樹木の剪定計画を作った。", "橋梁の点検結果をまとめた。", "擁壁のひび割れを記録した。",
    "設計変更の協議に時間がかかった。", "ＡＢＣ工法の資料を共有した。", "ｶﾀｶﾅの帳票を直した。",
    "積算の根拠を説明できるようにした。", "住民説明会の資料を作った。", "工事監督の要点を引き継いだ。",
    "水道の漏水調査に立ち会った。", "道路台帳の更新を手伝った。", "がけ地の所有者と話し合った。",
)
QUERIES = (
    ("崩", {}), ("法面", {}), ("崩落", {}), ("法面の", {}), ("長寿命化", {}), ("ほうめん", {}),
    ("ポンプ 更新", {}), ("存在しない語句", {}), ("abc", {}), ("法面", {"kind": "after_action"}),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("TALENTBANK_DATABASE_URL"),
                        help="SQLAlchemy URL of a database of its own (default: SQLite in a temporary folder)")
    parser.add_argument("--count", type=int, default=10_000, help="library entries")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=18)
    return parser.parse_args()


def prepare(count: int, rng: random.Random) -> int:
    """Schema, cities, vocabularies, a coordinator and ``count`` entries; returns how many were added."""
    from flask_migrate import upgrade

    from talentbank.accounts.models import User
    from talentbank.accounts.services import create_user
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.extensions import db
    from talentbank.library.models import ENTRY_KINDS, LibraryEntry
    from talentbank.library.search import search_text
    from talentbank.vocabulary.models import Profession

    upgrade()
    cities = list(seed_cities().values())
    if db.session.scalar(select(User.id).where(User.email == BENCH_EMAIL)) is None:
        create_user(BENCH_EMAIL, BENCH_PASSWORD, "ベンチマーク 幹事", Role.COORDINATOR)
    db.session.commit()
    have = db.session.scalar(select(func.count(LibraryEntry.id))) or 0
    if have >= count:
        return 0
    professions = list(db.session.scalars(select(Profession.id)))
    started = time.perf_counter()
    rows = []
    for n in range(have, count):
        title = f"事例{n:05d} " + rng.choice(PHRASES)[:12]
        body = "".join(rng.choice(PHRASES) for _ in range(rng.randint(3, 8)))
        kind = rng.choice(ENTRY_KINDS)
        rows.append({"kind": kind, "status": "published", "title": title, "body": body,
                     "search_text": search_text(title, body), "is_shared": kind != "after_action" or rng.random() > 0.2,
                     "city_id": rng.choice(cities).id, "profession_id": rng.choice(professions) if professions else None})
        if len(rows) == 1000:
            db.session.execute(insert(LibraryEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(LibraryEntry), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE library_entries"))
        db.session.commit()
    print(f"added {count - have:,} entries in {time.perf_counter() - started:.1f} s")
    return count - have


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    database = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='bench-library-')}/bench.sqlite"
    from urllib.parse import urlencode

    from talentbank.app import create_app
    from talentbank.extensions import db
    from talentbank.library import services
    from talentbank.library.models import LibraryEntry

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SECRET_KEY": "bench"})
    with app.app_context():
        prepare(args.count, rng)
        engine = db.engine
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version()")).scalar() if engine.dialect.name == "postgresql" \
                else f"SQLite {connection.exec_driver_sql('select sqlite_version()').scalar()}"
        total = db.session.scalar(select(func.count(LibraryEntry.id)))
        from talentbank.accounts.models import User
        coordinator = db.session.scalar(select(User).where(User.email == BENCH_EMAIL))
        service_times: dict[str, list[float]] = {}
        hits: dict[str, int] = {}
        for query, filters in QUERIES:
            label = query + (f" {filters}" if filters else "")
            flt = services.SearchFilters(query=query, **filters)
            hits[label] = services.search_entries(coordinator, flt).page.total  # warm-up, untimed
            for _ in range(args.repeat):
                started = time.perf_counter()
                services.search_entries(coordinator, flt)
                service_times.setdefault(label, []).append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        db.session.remove()

    client = app.test_client()
    assert client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).status_code == 302
    page_times: dict[str, list[float]] = {}
    for query, filters in QUERIES:
        label = query + (f" {filters}" if filters else "")
        url = "/library/?" + urlencode({"q": query, **filters})
        assert client.get(url).status_code == 200
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            page_times.setdefault(label, []).append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200

    print(f"database: {engine.dialect.name} — {version}")
    print(f"entries: {total:,}; {args.repeat} timed runs per query; load average {os.getloadavg()[0]:.2f}")
    print(f"{'query':32} {'hits':>6}  {'service median':>14} {'p95':>7}  {'page median':>11} {'p95':>7}  (ms)")
    everything_service, everything_page = [], []
    for label in service_times:
        s, p = service_times[label], page_times[label]
        everything_service += s
        everything_page += p
        print(f"{label:32} {hits[label]:>6,}  {statistics.median(s):>14.1f} {_p95(s):>7.1f}  "
              f"{statistics.median(p):>11.1f} {_p95(p):>7.1f}")
    print(f"{'all queries':32} {'':>6}  {statistics.median(everything_service):>14.1f} {_p95(everything_service):>7.1f}  "
          f"{statistics.median(everything_page):>11.1f} {_p95(everything_page):>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
