"""When what the service stands on fails, it says so (503, Retry-After) instead of a 500, and it
recovers without a restart; a request that loses a race answers 409."""
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from models.response import Response
from surveys import rights, self_service
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, csrf_token

DEMO = "wellbeing-demo"
NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:9/surveys?connect_timeout=2"


def test_with_the_database_unreachable_the_api_answers_503_with_retry_after(app, make_app):
    down = make_app(DATABASE_URL=NOBODY_LISTENS).test_client()
    for response in (down.get("/api/v1/surveys", headers={"Authorization": "Bearer svy_x"}),
                     down.post(f"/api/v1/surveys/{DEMO}/responses", json={"answers": {}, "consent": {}}),
                     down.get("/api/v1/me", headers={"X-Receipt": "AAAA"})):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.get_json()["error"] == "unavailable"
        assert int(response.headers["Retry-After"]) > 0


def test_with_the_database_unreachable_pages_say_try_again(app, make_app):
    down = make_app(DATABASE_URL=NOBODY_LISTENS).test_client()
    for path in (f"/s/{DEMO}", "/", f"/s/{DEMO}/receipt"):
        response = down.get(path)
        assert response.status_code == 503 and "try again" in response.get_data(as_text=True)
        assert response.headers["Retry-After"]


def test_a_key_ring_gone_while_running_is_a_503_and_its_return_needs_no_restart(app, client, submit):
    code = submit(DEMO, {"wellbeing": "good", "full_name": "Ann"}).get_json()["receipt"]
    ring = Path(app.config["KEYRING_FILE"])
    kept = ring.read_bytes()
    ring.unlink()
    try:
        response = client.get("/api/v1/me", headers={"X-Receipt": code})
        assert response.status_code == 503 and response.headers["Retry-After"]
    finally:
        ring.write_bytes(kept)
    assert client.get("/api/v1/me", headers={"X-Receipt": code}).get_json()["answers"]["full_name"] == "Ann"


class Cable:
    """A TCP relay between the app and PostgreSQL that can be cut and mended, like a network."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.sockets, self.listener = target, [], None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.mend()

    def mend(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                near, _ = listener.accept()
            except OSError:
                return
            far = socket.create_connection(self.target)
            self.sockets += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        except OSError:
            pass
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self.sockets = []


@pytest.mark.skipif(not ON_POSTGRES, reason="cuts a network connection to PostgreSQL")
def test_a_database_outage_is_a_503_and_service_returns_by_itself_when_it_ends(app, make_app, submit):
    real = make_url(TEST_DATABASE_URL)
    cable = Cable((real.host or "127.0.0.1", real.port or 5432))
    try:
        served = make_app(DATABASE_URL=real.set(host="127.0.0.1", port=cable.port).render_as_string(
            hide_password=False)).test_client()
        assert served.get(f"/s/{DEMO}").status_code == 200
        cable.cut()
        assert served.get(f"/s/{DEMO}").status_code == 503
        assert served.post(f"/api/v1/surveys/{DEMO}/responses", json={
            "answers": {"wellbeing": "good"}, "consent": {"participate": True, "age_confirmed": True}}
        ).status_code == 503
        cable.mend()
        assert served.get(f"/s/{DEMO}").status_code == 200
        assert served.post(f"/api/v1/surveys/{DEMO}/responses", json={
            "answers": {"wellbeing": "good"}, "consent": {"participate": True, "age_confirmed": True}}
        ).status_code == 201
    finally:
        cable.cut()


@pytest.fixture
def erased_under_the_request(app, monkeypatch):
    """The respondent's row is deleted by another transaction right after this request has read it,
    as a withdrawal in another tab would."""
    found = rights.find_by_receipt

    def then_erased(session, receipt):
        response = found(session, receipt)
        with app.extensions["surveys.engine"].begin() as other:
            other.execute(delete(Response).where(Response.id == response.id))
        return response
    monkeypatch.setattr(rights, "find_by_receipt", then_erased)


@pytest.mark.parametrize("body", [{"answers": {"wellbeing": "fair"}}, {"consent": {"spi_disclosure": True}},
                                  {"answers": {"full_name": "B"}, "consent": {"opt_out_third_party": True}}])
def test_a_correction_racing_a_withdrawal_is_a_409_or_401_never_a_500(client, submit, erased_under_the_request,
                                                                     count_rows, body):
    code = submit(DEMO, {"wellbeing": "good", "full_name": "Ann"}).get_json()["receipt"]
    response = client.patch("/api/v1/me", headers={"X-Receipt": code}, json=body)
    assert response.status_code in (401, 409), response.get_data(as_text=True)
    assert count_rows("responses") == 0 and count_rows("consent_events") == 0


def test_a_form_correction_racing_a_withdrawal_is_refused_cleanly(app, client, submit, monkeypatch):
    code = submit(DEMO, {"wellbeing": "good", "full_name": "Ann"}).get_json()["receipt"]
    page = client.get("/me")
    client.post("/me", data={"csrf_token": csrf_token(page.data), "code": code})
    page = client.get("/me/answers")
    loaded = self_service.load_session

    def then_erased(session, token, idle):
        response = loaded(session, token, idle)
        if response is not None:
            with app.extensions["surveys.engine"].begin() as other:
                other.execute(delete(Response).where(Response.id == response.id))
        return response
    monkeypatch.setattr(self_service, "load_session", then_erased)
    response = client.post("/me/answers", data={"csrf_token": csrf_token(page.data), "q_wellbeing": "fair"})
    assert response.status_code in (302, 409), response.get_data(as_text=True)
