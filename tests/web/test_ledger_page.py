"""The ledger page: filtered by survey, recipient, purpose, action and days, paged newest first."""
import hashlib
import html
import re
import secrets
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from models import ledger, ledger_pages
from models.ledger import LedgerEntry, RespondentsDigest
from surveys import db


def add(app, action="export", survey="s1", recipient="", purpose="", at=None, count=1) -> None:
    """Entries as the ledger holds them, appended in order (a disclosure's or an event's shape)."""
    with app.app_context():
        session = db.session()
        for _ in range(count):
            ledger.append(session, LedgerEntry(
                actor="tester", action=action, survey=survey, recipient=recipient, purpose=purpose,
                purpose_relation="other" if purpose else "", format="", fields=[], withheld={}, respondent_count=0,
                respondents_digest=RespondentsDigest().hexdigest(), payload_digest=hashlib.sha256(b"").hexdigest(),
                note="", batch=secrets.token_hex(16), at=at))
        db.commit()


def shown(page) -> list[int]:
    """The seqs of the entries on the page, in order."""
    return [int(seq) for seq in re.findall(r'<p class="entry-head"><strong>#(\d+) ', page.get_data(as_text=True))]


def entries(app, **where) -> list[int]:
    with app.app_context():
        query = select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc())
        for name, value in where.items():
            query = query.where(getattr(LedgerEntry, name) == value)
        return list(db.session().scalars(query))


def link(page, text: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)">{text}</a>', page.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


@pytest.fixture
def mixed(app, make_recipient):
    make_recipient("Acme", purposes=("research",))
    add(app, "export", "s1", "Acme", "research")
    add(app, "api_page", "s1", "Acme", "care-quality")
    add(app, "export", "s2", "internal", "care-quality")
    add(app, "aggregate", "s2", "Acme", "research")
    add(app, "erasure", "s1")


def test_each_filter_narrows_the_entries_to_those_that_match(app, client, login, mixed):
    login("admin")
    everything = shown(client.get("/researcher/ledger"))
    assert everything == entries(app) and len(everything) >= 5
    for name, value in [("survey", "s2"), ("recipient", "Acme"), ("purpose", "research"), ("action", "erasure"),
                        ("action", "api_page")]:
        page = client.get("/researcher/ledger", query_string={name: value})
        assert page.status_code == 200
        assert shown(page) == entries(app, **{name: value}) and 0 < len(shown(page)) < len(everything), name
    both = client.get("/researcher/ledger", query_string={"survey": "s1", "recipient": "Acme", "purpose": "research"})
    assert shown(both) == entries(app, survey="s1", recipient="Acme", purpose="research") and len(shown(both)) == 1
    none = client.get("/researcher/ledger", query_string={"survey": "s2", "action": "erasure"})
    assert shown(none) == [] and "No entry matches." in none.get_data(as_text=True)


def test_the_filter_form_shows_the_filters_in_use(client, login, mixed):
    login("admin")
    text = client.get("/researcher/ledger", query_string={"recipient": "Acme", "purpose": "research"}).get_data(
        as_text=True)
    assert '<option selected value="Acme">Acme</option>' in text
    assert re.search(r'<input id="purpose" maxlength="64" name="purpose" type="text" value="research">', text)
    assert '<a href="/researcher/ledger">Show everything</a>' in text


def test_days_narrow_the_entries_to_those_recorded_from_the_first_to_the_last_day(app, client, login):
    # Later than anything already recorded: the ledger's times grow with its entries.
    first = date.today() + timedelta(days=2)
    for offset in range(4):
        add(app, "export", "days", "Acme", "research", count=2,
            at=datetime.combine(first + timedelta(days=offset), time(12), tzinfo=timezone.utc))
    login("admin")
    with app.app_context():
        on = {seq: (at.date() - first).days for seq, at in db.session().execute(
            select(LedgerEntry.seq, LedgerEntry.at).where(LedgerEntry.survey == "days"))}

    def days(**query):
        query = {name: (first + timedelta(days=value)).isoformat() for name, value in query.items()}
        return [on[seq] for seq in shown(client.get("/researcher/ledger", query_string={"survey": "days", **query}))]
    assert days(since=1, until=2) == [2, 2, 1, 1]
    assert days(since=3) == [3, 3] and days(until=0) == [0, 0] and days(since=2, until=2) == [2, 2]
    assert days(since=4) == [] and days(until=-1) == []
    page = client.get("/researcher/ledger", query_string={"survey": "days", "since": "0001-01-01",
                                                          "until": "9999-12-31"})
    assert len(shown(page)) == 8  # the ends of the calendar are days too


@pytest.mark.parametrize("query, field, message", [
    ({"since": "2026-02-30"}, "since", "Not a date: write it as YYYY-MM-DD"),
    ({"until": "yesterday"}, "until", "Not a date: write it as YYYY-MM-DD"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "until", "This day is before the first one."),
    ({"action": "Drop table"}, "action", "Not an action."),
    ({"survey": "Not A Slug!"}, "survey", "Not a survey slug."),
    ({"recipient": "!nobody"}, "recipient", "Not a name."),
    ({"purpose": "p" * 65}, "purpose", "Field cannot be longer than 64 characters."),
])
def test_a_bad_filter_is_an_error_at_its_field_and_shows_nothing(client, login, mixed, query, field, message):
    login("admin")
    page = client.get("/researcher/ledger", query_string=query)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and shown(page) == []
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', text)
    assert "Nothing is shown until the filters above are corrected." in text


def test_older_entries_and_newest_keep_the_filters(app, client, login):
    add(app, "export", "paged", "Acme", "research", count=130)
    add(app, "export", "other", "Acme", "research", count=5)
    add(app, "export", "paged", "Acme", "research", count=20)
    login("admin")
    wanted = entries(app, survey="paged")
    first = client.get("/researcher/ledger", query_string={"survey": "paged", "recipient": "Acme"})
    assert shown(first) == wanted[:100] and link(first, "Newest") is None
    older = link(first, "Older entries")
    assert parse_qs(urlsplit(older).query) == {"survey": ["paged"], "recipient": ["Acme"],
                                               "before": [str(wanted[99])]}
    second = client.get(older)
    assert shown(second) == wanted[100:] and link(second, "Older entries") is None
    newest = link(second, "Newest")
    assert parse_qs(urlsplit(newest).query) == {"survey": ["paged"], "recipient": ["Acme"]}
    assert shown(client.get(newest)) == wanted[:100]


def test_a_filtered_page_looks_at_a_bounded_number_of_entries_and_says_how_far(app, client, login, monkeypatch):
    add(app, "erasure", "rare")
    add(app, "export", "common", "Acme", "research", count=30)
    monkeypatch.setattr(ledger_pages, "WINDOW", 10)
    login("admin")
    seen, url, pages = [], "/researcher/ledger?survey=rare", 0
    while url and pages < 20:
        page = client.get(url)
        seen += shown(page)
        if not shown(page):
            assert re.search(r"Entries #\d+ to #\d+ looked at:\s+0 match\.", page.get_data(as_text=True))
        url, pages = link(page, "Older entries"), pages + 1
    assert seen == entries(app, survey="rare") and pages > 3  # found, though only after several bounded pages
