"""What cannot be undone is asked twice: the first post shows what will happen, only the confirmation acts."""
import html
import re

from sqlalchemy import func, select

from models.ledger import LedgerEntry
from models.recipient import ApiToken
from surveys import db
from tests.conftest import DEMO, bearer, csrf_token, recipient_id


def confirmation(page) -> tuple[str, dict[str, str], str]:
    """The confirmation page's form as a browser would send it: its action, its fields, and the Cancel link."""
    text = page.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" class="actions">(.*?)</form>', text, re.S)
    assert form, "the page asks for no confirmation"
    fields = {html.unescape(name): html.unescape(value) for name, value in
              re.findall(r'<input name="([^"]+)" type="hidden" value="([^"]*)">', form.group(2))}
    fields |= {html.unescape(name): html.unescape(value) for name, value in
               re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))}
    cancel = re.search(r'<a href="([^"]+)">Cancel</a>', form.group(2)).group(1)
    return html.unescape(form.group(1)), fields, html.unescape(cancel)


def erasures(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "erasure"))


def ask_to_erase(client, public_id: str):
    page = client.get("/researcher/erase")
    return client.post("/researcher/erase", data={"csrf_token": csrf_token(page.data), "public_id": public_id,
                                                  "reason": "staff"})


def test_the_first_post_of_an_erasure_erases_nothing_and_says_exactly_what_will_happen(
        app, client, login, submit, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    login("admin")
    asked = ask_to_erase(client, public_id)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<h1>Erase this response?</h1>" in text
    assert f"<dt>Response id</dt><dd>{public_id}</dd>" in text
    assert "<dt>Survey</dt><dd>Patient wellbeing survey (demo) (wellbeing-demo)</dd>" in text
    assert "<dt>Why</dt><dd>A deletion request the respondent made to us</dd>" in text
    assert "This cannot be undone." in text and "Erase the response</button>" in text
    assert count_rows("responses") == 1 and erasures(app) == 0
    action, fields, cancel = confirmation(asked)
    assert (action, cancel) == ("/researcher/erase", "/researcher/erase")
    assert fields["public_id"] == public_id and fields["reason"] == "staff" and fields["confirm"] == "yes"
    assert fields["csrf_token"]


def test_the_confirmation_erases_and_records_it_once(app, client, login, submit, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    login("admin")
    action, fields, _ = confirmation(ask_to_erase(client, public_id))
    done = client.post(action, data=fields)
    assert f"Erased {public_id}" in done.get_data(as_text=True)
    assert count_rows("responses") == 0 and erasures(app) == 1
    again = client.post(action, data=fields)  # the confirmation sent twice: the response is gone
    assert "already be erased" in again.get_data(as_text=True) and erasures(app) == 1


def test_cancelling_an_erasure_leaves_the_response(app, client, login, submit, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    login("admin")
    _, _, cancel = confirmation(ask_to_erase(client, public_id))
    back = client.get(cancel)
    assert back.status_code == 200 and "<h1>Erase a response</h1>" in back.get_data(as_text=True)
    assert count_rows("responses") == 1 and erasures(app) == 0


def test_a_confirmation_without_its_csrf_token_erases_nothing(app, client, login, submit, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    login("admin")
    action, fields, _ = confirmation(ask_to_erase(client, public_id))
    client.post(action, data={**fields, "csrf_token": "forged"})
    assert count_rows("responses") == 1 and erasures(app) == 0


def tokens_page(app, client, make_recipient):
    token = make_recipient("Acme")
    with app.app_context():
        token_id = db.session().scalar(select(ApiToken.id))
    return token, token_id, client.get(f"/researcher/recipients/{recipient_id(app, 'Acme')}")


def works(client, token: str) -> bool:
    return client.get("/api/v1/surveys", headers=bearer(token)).status_code == 200


def test_the_first_post_of_a_revocation_revokes_nothing_and_names_the_token(app, client, login, make_recipient):
    login("admin")
    token, token_id, detail = tokens_page(app, client, make_recipient)
    asked = client.post(f"/researcher/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(detail.data)})
    text = asked.get_data(as_text=True)
    assert "<h1>Revoke this token of Acme?</h1>" in text and f"<dd>{token[:10]}…</dd>" in text
    assert "This cannot be undone" in text and "Revoke the token</button>" in text
    assert works(client, token)
    action, fields, cancel = confirmation(asked)
    assert action == f"/researcher/tokens/{token_id}/revoke" and fields["confirm"] == "yes"
    assert cancel == f"/researcher/recipients/{recipient_id(app, 'Acme')}"


def test_the_confirmation_revokes_the_token(app, client, login, make_recipient):
    login("admin")
    token, token_id, detail = tokens_page(app, client, make_recipient)
    action, fields, _ = confirmation(client.post(f"/researcher/tokens/{token_id}/revoke",
                                                 data={"csrf_token": csrf_token(detail.data)}))
    done = client.post(action, data=fields)
    assert done.status_code == 302 and not works(client, token)
    assert "revoked" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_cancelling_a_revocation_leaves_the_token_working(app, client, login, make_recipient):
    login("admin")
    token, token_id, detail = tokens_page(app, client, make_recipient)
    _, _, cancel = confirmation(client.post(f"/researcher/tokens/{token_id}/revoke",
                                            data={"csrf_token": csrf_token(detail.data)}))
    assert ">live<" in client.get(cancel).get_data(as_text=True) and works(client, token)


def test_a_revocation_confirmed_without_its_csrf_token_revokes_nothing(app, client, login, make_recipient):
    login("admin")
    token, token_id, detail = tokens_page(app, client, make_recipient)
    response = client.post(f"/researcher/tokens/{token_id}/revoke", data={"confirm": "yes"})
    assert response.status_code in (302, 400) and works(client, token)


def test_the_confirmation_page_is_for_admins_only(app, client, login, make_recipient, submit, count_rows):
    public_id = submit(DEMO, {"wellbeing": "good"}).get_json()["id"]
    token = make_recipient("Acme")
    login("researcher")
    page = client.get("/researcher/export")
    assert client.post("/researcher/erase", data={"csrf_token": csrf_token(page.data), "public_id": public_id,
                                                  "reason": "staff", "confirm": "yes"}).status_code == 403
    with app.app_context():
        token_id = db.session().scalar(select(ApiToken.id))
    assert client.post(f"/researcher/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(page.data),
                                                                      "confirm": "yes"}).status_code == 403
    assert count_rows("responses") == 1 and works(client, token)
