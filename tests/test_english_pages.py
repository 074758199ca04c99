"""Every page each demo account can reach reads in English when English is chosen.

The demo data is loaded by ``flask seed-demo`` (what ``scripts/demo.sh`` runs). Each README account logs in,
switches to English and follows every same-site link from ``/`` (GET only, a few pages per URL pattern), plus one
page of each detail kind. A page must not fail, and once the data people typed in (names, notes, titles,
departments…) is taken out, no Japanese character may remain: vocabulary and city names have English names and
must be shown in them. Text marked ``lang="ja"`` is Japanese on purpose and is not counted: the language switch
(日本語), a term's Japanese name beside its English one on the vocabulary page, the literal headers and values of
the import file. The same crawl in Japanese must not fail either.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import String, Text, select

from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.extensions import db

JAPANESE = re.compile(r"[\u3000-\u303f\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                      r"\uff00-\uffef]+")

# Columns whose text the app itself writes, or which hold names that have an English form: these must never
# reach an English page, so they are not taken out before the check.
NOT_USER_TEXT = {
    ("cities", "name_ja"), ("cities", "prefecture"),
    ("professions", "name_ja"), ("licences", "name_ja"), ("experience_fields", "name_ja"),
    ("audit_entries", "summary"), ("audit_entries", "actor_label"),
}

ACCOUNTS = {
    "coordinator": "coordinator@demo.talentbank.example",
    "admin": "admin@demo.talentbank.example",
    "hr_zushi": "hr.zushi@demo.talentbank.example",          # the smallest city, and the coordinating one
    "hr_yokohama": "hr.yokohama@demo.talentbank.example",    # the largest
    "hr_kamakura": "hr.kamakura@demo.talentbank.example",
    "specialist": "specialist@demo.talentbank.example",      # the demo retiree
    "anonymous": None,
}

# Links not followed: they leave the page's language (downloads), end the session, or are not pages.
SKIPPED = re.compile(r"/logout|/lang/|\.csv$|\.xlsx$|/export|/document$|/static/|status\.json$|/healthz")
PER_PATTERN = 3
MOST_PAGES = 400


class _VisibleText(HTMLParser):
    """The text a person reads or hears on a page, and the links on it."""

    SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.links: list[str] = []
        self._search_form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: str | None = None
        self._japanese_element: str | None = None  # an element marked lang="ja" (the language switch)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag != "html" and attributes.get("lang") == "ja":
            self._japanese_element = tag
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        self._note_search_form(tag, attributes)
        for name in self.SPOKEN_ATTRIBUTES:
            if attributes.get(name):
                self.pieces.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.pieces.append(attributes["value"])
        if tag == "meta" and attributes.get("name") == "description":
            self.pieces.append(attributes.get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._japanese_element:
            self._japanese_element = None
        if tag == "form" and self._search_form is not None:
            action, fields = self._search_form
            self.links.append(action + "?" + urlencode(fields))
            # and once with a value no field accepts: the refusal must read in the page's language too
            self.links.append(action + "?" + urlencode([(name, "x?") for name, _value in fields]))
            self._search_form = None
        if tag == "select":
            self._select = None

    def _note_search_form(self, tag: str, attributes: dict[str, str | None]) -> None:
        """A filter form (method GET) becomes one more link: the form sent as it stands."""
        if tag == "form":
            is_get = (attributes.get("method") or "get").lower() == "get"
            self._search_form = (attributes.get("action") or "", []) if is_get else None
            return
        if self._search_form is None:
            return
        fields, name = self._search_form[1], attributes.get("name")
        if tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            fields.append((self._select, attributes.get("value") or ""))
        elif tag == "input" and name:
            kind = attributes.get("type") or "text"
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    fields.append((name, attributes.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                fields.append((name, attributes.get("value") or ""))

    def handle_data(self, data: str) -> None:
        if self._japanese_element is None:
            self.pieces.append(data)


def _user_texts() -> re.Pattern[str]:
    """Every piece of text people typed into the database, as one pattern (longest first: a note before a name)."""
    texts: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (table.name, column.name) in NOT_USER_TEXT:
                continue
            if isinstance(column.type, (String, Text)):
                for value in db.session.execute(select(column).distinct()).scalars():
                    if isinstance(value, str) and JAPANESE.search(value):
                        texts.add(value)
    pieces = set()
    for text in texts:
        pieces.add(text)
        pieces.update(line.strip() for line in text.splitlines() if line.strip())
    return re.compile("|".join(map(re.escape, sorted(pieces, key=len, reverse=True))) or "(?!)")


def _pattern(url: str) -> str:
    """The kind of page a URL is: numbers in the path and query values left out."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+", "/<n>", parts.path)
    keys = ",".join(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return f"{path}?{keys}"


def _detail_pages() -> list[str]:
    """One page of each detail kind in the demo data, whether or not a link on the crawled pages reaches it."""
    from talentbank.cities.models import City
    from talentbank.dispatches.models import Dispatch, Offer
    from talentbank.exchange.models import ExchangeOffer
    from talentbank.exchange.rings.models import ExchangeCycle
    from talentbank.matching.models import MatchingRound
    from talentbank.requests.models import StaffingRequest
    from talentbank.specialists.models import Specialist

    pages = []
    for model, template in ((StaffingRequest, "/requests/{}"), (StaffingRequest, "/requests/board/{}"),
                            (StaffingRequest, "/requests/{}/edit"), (Specialist, "/specialists/{}"),
                            (Specialist, "/specialists/{}/edit"), (Specialist, "/officers/{}/edit"),
                            (ExchangeOffer, "/exchange/{}"), (ExchangeOffer, "/exchange/{}/edit"),
                            (Dispatch, "/dispatches/{}"), (Offer, "/offers/{}"),
                            (ExchangeCycle, "/exchange-rings/{}"), (MatchingRound, "/matching/rounds/{}"),
                            (City, "/cities/{}/edit"), (City, "/matching/cities/{}"),
                            (City, "/officers/city/{}/new")):
        first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
        if first is not None:
            pages.append(template.format(first))
    for kind in ("professions", "licences", "fields"):
        pages.append(f"/vocabulary/{kind}/new")
    return pages


def _link_pages() -> list[str]:
    """The pages people open from an e-mail: invitation, claim, password reset and unlock links, good and stale."""
    from datetime import timedelta

    from talentbank.accounts import services as accounts, tokens
    from talentbank.accounts.models import User
    from talentbank.cities.models import City
    from talentbank.specialists.claims import create_claim_link
    from talentbank.specialists.models import Specialist

    coordinator = db.session.scalar(select(User).where(User.email == ACCOUNTS["coordinator"]))
    hr = db.session.scalar(select(User).where(User.email == ACCOUNTS["hr_zushi"]))
    zushi = db.session.scalar(select(City).where(City.code == "142085"))
    _invitation, invited = accounts.invite_user(coordinator, "new.officer@city.example.jp", "新任 人事担当", "city_hr",
                                                zushi.id)
    retiree = db.session.scalar(select(Specialist).where(Specialist.user_id.is_(None), Specialist.kind == "retired")
                                .order_by(Specialist.id).limit(1))
    claim = create_claim_link(coordinator, retiree.id)
    reset = tokens.issue(tokens.TokenPurpose.RESET_PASSWORD, hr.id, hr.email, timedelta(hours=1))
    unlock = tokens.issue(tokens.TokenPurpose.UNLOCK, hr.id, hr.email, timedelta(hours=1))
    db.session.commit()
    return [f"/invitations/{invited}", f"/claim/{claim}", f"/password/reset/{reset}", f"/account/unlock/{unlock}",
            "/invitations/stale", "/claim/stale", "/password/reset/stale", "/account/unlock/stale",
            "/signup/confirm/stale", "/no-such-page"]


def _crawl(client, start: list[str]) -> tuple[dict[str, str], list[str]]:
    """Visit the pages reachable from ``start``: {url: html} of the HTML pages, and the URLs that failed."""
    seen: set[str] = set()
    per_pattern: Counter[str] = Counter()
    queue = deque(start)
    pages: dict[str, str] = {}
    failures: list[str] = []
    while queue and len(seen) < MOST_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or SKIPPED.search(parts.path) or url in seen:
            continue
        pattern = _pattern(url)
        if per_pattern[pattern] >= PER_PATTERN:
            continue
        seen.add(url)
        per_pattern[pattern] += 1
        try:
            response = client.get(url)
        except Exception as error:  # the test app propagates errors: one page's fault is reported, the crawl goes on
            failures.append(f"{url}: raised {type(error).__name__}: {str(error)[:200]}")
            continue
        if response.status_code >= 500:
            failures.append(f"{url}: HTTP {response.status_code}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(urlsplit(response.headers["Location"])._replace(scheme="", netloc="").geturl())
            continue
        if response.mimetype != "text/html":
            continue
        pages[url] = response.text  # error pages (403, 404…) are read too
        if response.status_code != 200:
            continue
        parser = _VisibleText()
        parser.feed(response.text)
        for href in parser.links:
            target = urljoin(url, href.split("#")[0])
            if target:
                queue.append(urlsplit(target)._replace(scheme="", netloc="", fragment="").geturl())
    return pages, failures


def _japanese_left(html: str, user_texts: re.Pattern[str]) -> list[str]:
    """The Japanese a page shows that nobody typed in."""
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.pieces)
    if JAPANESE.search(text):
        text = user_texts.sub(" ", text)
    snippets: dict[str, str] = {}
    for match in JAPANESE.finditer(text):
        start, end = max(0, match.start() - 20), min(len(text), match.end() + 20)
        snippets.setdefault(match.group(), " ".join(text[start:end].split()))
    return [f"{run!r} in «{context}»" for run, context in snippets.items()]


def _log_in(client, account: str | None, language: str) -> None:
    if account is not None:
        response = client.post("/login", data={"email": account, "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303), f"demo log-in failed for {account}"
    client.post(f"/lang/{language}", data={"next": "/"})


def _first_round(app) -> None:
    """The first round of the README's walk-through: run, a few pairings and a ring approved, one offer accepted.

    The round runs in the request (as the tests of the round-to-dispatch story do). The demo retiree's own
    proposal, when there is one, is approved and left waiting for their answer; another retiree accepts theirs
    through the claim link the coordinating city sends, so a dispatch exists.
    """
    from talentbank.accounts.models import User
    from talentbank.dispatches.models import Offer
    from talentbank.exchange.rings.models import ExchangeCycle
    from talentbank.matching.models import MatchingRound, Proposal
    from talentbank.specialists.claims import claim_profile, create_claim_link
    from talentbank.specialists.models import Specialist

    client = app.test_client()
    _log_in(client, ACCOUNTS["coordinator"], "ja")
    assert client.post("/matching/rounds", data={"profession_code": ""}).status_code == 302
    rnd = db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()).limit(1))
    assert rnd is not None and rnd.status == "succeeded", rnd and rnd.error
    retirees = select(Proposal).join(Specialist, Specialist.id == Proposal.specialist_id).where(
        Proposal.round_id == rnd.id, Proposal.status == "proposed", Specialist.kind == "retired")
    own = db.session.scalar(retirees.where(Specialist.email == ACCOUNTS["specialist"]).limit(1))
    others = db.session.scalars(retirees.where(Specialist.user_id.is_(None)).order_by(
        Proposal.priority_position, Proposal.id).limit(2)).all()
    for proposal in [p for p in (own, *others) if p is not None]:
        client.post(f"/matching/proposals/{proposal.id}/approve", data={"round_id": rnd.id})
    ring = db.session.scalar(select(ExchangeCycle).where(ExchangeCycle.round_id == rnd.id,
                                                         ExchangeCycle.status == "proposed").limit(1))
    if ring is not None:
        client.post(f"/matching/cycles/{ring.id}/approve", data={"round_id": rnd.id})
    if others:
        offer = db.session.scalar(select(Offer).where(Offer.proposal_id == others[0].id))
        retiree = db.session.get(Specialist, others[0].specialist_id)
        coordinator = db.session.scalar(select(User).where(User.email == ACCOUNTS["coordinator"]))
        claim_profile(create_claim_link(coordinator, retiree.id), "mizu-no-michi-2027", True)
        answering = app.test_client()
        answering.post("/login", data={"email": retiree.email, "password": "mizu-no-michi-2027"})
        if offer is not None:
            answering.post(f"/offers/{offer.id}/accept", data={"confirmed": "y"})
    db.session.expire_all()


@pytest.fixture
def demo(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "inline")
    monkeypatch.setitem(app.config, "MATCHING_SOLVER", "inline")
    monkeypatch.setitem(app.config, "SOLVER_TIME_LIMIT_S", 10)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    _first_round(app)
    return app


def test_every_reachable_page_reads_in_english(demo):
    links = _link_pages()
    user_texts = _user_texts()
    failures, counts = [], {}
    for role, account in ACCOUNTS.items():
        client = demo.test_client()
        _log_in(client, account, "en")
        pages, failed = _crawl(client, ["/", *_detail_pages()] if account else
                               ["/", "/login", "/signup", "/password/forgot", *links])
        counts[role] = len(pages)
        assert len(pages) >= 3, f"{role}: only {len(pages)} pages reached"
        for url, html in pages.items():
            assert '<html lang="en">' in html, f"{url} is not in English mode"
            left = _japanese_left(html, user_texts)
            if left:
                failed.append(f"{url}: " + " | ".join(left))
        failures += [f"[{role}] {line}" for line in failed]
    assert not failures, f"pages read per role: {counts}; {len(failures)} show Japanese or fail:\n" + "\n".join(
        failures)


def test_every_reachable_page_answers_in_japanese(demo):
    links = _link_pages()
    failures = []
    for role, account in ACCOUNTS.items():
        client = demo.test_client()
        _log_in(client, account, "ja")
        pages, failed = _crawl(client, ["/", *_detail_pages()] if account else ["/", "/login", "/signup", *links])
        assert len(pages) >= 3, f"{role}: only {len(pages)} pages reached"
        assert all('<html lang="ja">' in html for html in pages.values())
        failures += [f"[{role}] {line}" for line in failed]
    assert not failures, "\n".join(failures)


@pytest.fixture
def seeded(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def test_candidate_cards_filters_and_board_counts_read_in_english(seeded):
    """The places the issue names: the profession filter and cards on /candidates/ and /specialists/, board counts;
    and the prefectures of the city list."""
    client = seeded.test_client()
    _log_in(client, ACCOUNTS["coordinator"], "en")
    for path in ("/candidates/", "/specialists/"):
        page = client.get(path).text
        assert ">Civil engineering</option>" in page and ">Professional Engineer (Construction)</option>" in page
        assert ">Disaster recovery</option>" in page and ">Kamakura</option>" in page
        assert "土木" not in page and "鎌倉市" not in page and "技術士" not in page
    cards = client.get("/candidates/").text
    assert re.search(r"(Roads|Bridges|Disaster recovery|Urban planning) \(\d+ years?\)", cards)
    assert re.search(r"\b1 day a week|\b[2-5] days a week", cards)
    assert "yrs" not in cards and "、" not in cards
    cities = client.get("/cities/").text
    assert "<td>Kanagawa</td>" in cities and "<td>Tokyo</td>" in cities and "神奈川県" not in cities
    board = client.get("/requests/board").text
    assert not re.search(r"\b1 requests\b", board) and "（" not in board
    assert re.search(r"\(\d+ requests?\)", board)


# Forms sent empty: each is refused with its messages, and nothing is saved.
EMPTY_FORMS = {
    "anonymous": ["/login", "/signup", "/password/forgot"],
    "hr_zushi": ["/requests/new", "/exchange/new", "/account/password"],
    "coordinator": ["/cities/new", "/vocabulary/professions/new", "/vocabulary/fields/new", "/users/invite",
                    "/cities/travel"],
}


def test_refused_forms_read_in_english(seeded):
    user_texts = _user_texts()
    failures = []
    for role, paths in EMPTY_FORMS.items():
        client = seeded.test_client()
        _log_in(client, ACCOUNTS[role], "en")
        for path in paths:
            response = client.post(path, data={})
            if response.status_code in (403, 404) or response.status_code >= 500 or response.mimetype != "text/html":
                failures.append(f"[{role}] POST {path}: HTTP {response.status_code}")
                continue
            if 'role="alert"' not in response.text:
                failures.append(f"[{role}] POST {path}: no message says what is wrong (HTTP {response.status_code})")
            left = _japanese_left(response.text, user_texts)
            if left:
                failures.append(f"[{role}] POST {path}: " + " | ".join(left))
    assert not failures, "\n".join(failures)
