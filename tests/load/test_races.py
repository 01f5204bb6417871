import csv
import io
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from models.crypto import KeyRing
from models.recipient import INTERNAL, Recipient
from surveys import catalogue, db, disclosures, submissions
from surveys.exports import export_stream
from surveys.notices import Notice
from tests.conftest import PANEL_SURVEY as SURVEY


def test_a_withdrawal_racing_an_export_is_wholly_in_it_or_wholly_out(app, make_survey, client):
    make_survey(SURVEY)
    ring = KeyRing.load(app.config["KEYRING_FILE"])
    receipts = {}
    with app.app_context():
        session = db.session()
        survey = catalogue.get_survey(session, "panel")
        for i in range(1500):
            submitted = submissions.submit(session, ring, survey, {"tag": f"t{i}", "name": f"n{i}", "condition": f"c{i}"},
                                        {"participate": True, "age_confirmed": True, "spi_disclosure": True},
                                        source="api", notice=Notice("v", "text"))
            receipts[f"t{i}"] = submitted.receipt
        db.commit()
        d = disclosures.prepare(survey, session.scalar(select(Recipient).where(Recipient.kind == INTERNAL)), "care-quality", "tester",
                                spi_clearance=True)
        stream = export_stream(app.extensions["surveys.sessions"], ring, d, "csv", "blank")
        chunks = [next(stream), next(stream)]  # the export is under way: about 500 rows out

        racing = [f"t{i}" for i in range(1000, 1500, 25)] + ["t3"]  # not yet streamed, and already streamed
        withdrawn = []

        def withdraw():
            writer = app.test_client()
            for tag in racing:
                assert writer.delete("/api/v1/me", headers={"X-Receipt": receipts[tag]}).status_code == 204
                withdrawn.append(tag)

        thread = threading.Thread(target=withdraw)
        thread.start()
        thread.join(timeout=60)
        assert withdrawn == racing, "the withdrawals waited on the export"
        chunks.extend(stream)

    rows = {row["tag"]: row for row in csv.DictReader(io.StringIO(b"".join(chunks).decode()))}
    for tag in racing:
        if tag in rows:  # wholly in: every answer of theirs, as given
            number = tag[1:]
            assert (rows[tag]["name"], rows[tag]["condition"]) == (f"n{number}", f"c{number}")
    assert all(row["name"] and row["condition"] for row in rows.values())  # no half rows anywhere
    assert len(rows) == 1500  # the export read one consistent snapshot, taken before they withdrew
    later = export_stream(app.extensions["surveys.sessions"], ring, d, "csv", "blank")
    after = {row["tag"] for row in csv.DictReader(io.StringIO(b"".join(later).decode()))}
    assert not after & set(racing) and len(after) == 1500 - len(racing)  # and wholly out of the next one


def _call(live_server, method: str, path: str, receipt: str, body: dict | None = None) -> int:
    request = urllib.request.Request(live_server.url + path, method=method, headers={
        "X-Receipt": receipt, "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_corrections_racing_withdrawals_of_the_same_receipt_never_answer_500(live_server):
    """Two workers, the same receipt: each PATCH either lands before the erasure or finds it gone."""
    receipts = [live_server.post("/api/v1/surveys/wellbeing-demo/responses", {
        "answers": {"wellbeing": "good", "full_name": f"P{i}"},
        "consent": {"participate": True, "age_confirmed": True}})[1]["receipt"] for i in range(40)]
    calls = []
    for receipt in receipts:
        calls += [("PATCH", receipt, {"answers": {"full_name": "Changed"}, "consent": {"spi_disclosure": True}})] * 3
        calls += [("DELETE", receipt, None)] * 2
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda call: (call[0], _call(live_server, call[0], "/api/v1/me", call[1], call[2])),
                                 calls))
    assert all(status < 500 for _, status in statuses), sorted(set(statuses))
    deletes = [status for method, status in statuses if method == "DELETE"]
    assert deletes.count(204) == len(receipts)  # each response erased exactly once
    assert {status for method, status in statuses if method == "PATCH"} <= {200, 401, 409}
    assert all(_call(live_server, "GET", "/api/v1/me", receipt) == 401 for receipt in receipts)
