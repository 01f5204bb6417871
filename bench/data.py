"""A seeded generator of responses, fast enough for a million: encrypted exactly as the
service stores them, inserted with Core in batches."""
import random
import secrets
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from models.base import utcnow
from models.crypto import KeyRing, seal_answers
from models.response import ConsentEvent, Response
from models.survey import Survey
from surveys.auth import receipt_digest

WELLBEING = ["very good", "good", "fair", "poor", "very poor"]
ACTIVITIES = ["walking", "cycling", "swimming", "gardening", "none of these"]
FIRST = ["Ann", "Bo", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "Jun"]
LAST = ["Lee", "Diaz", "Okafor", "Novak", "Singh", "Berg", "Rossi", "Kim", "Silva", "Haddad"]


def answers(rng: random.Random) -> tuple[dict, dict, dict]:
    """(non-PII, PII, SPI) answers for the demo survey."""
    non_pii = {"wellbeing": rng.choice(WELLBEING), "sleep_hours": round(rng.uniform(4, 10), 1),
               "visits": rng.randint(0, 12), "activities": sorted(rng.sample(ACTIVITIES, rng.randint(1, 2)))}
    pii = {"full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
           "birth_date": f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
    if rng.random() < 0.5:
        pii["email"] = f"person{rng.randint(1, 10**9)}@example.org"
    spi = {"smoker": rng.random() < 0.2}
    if rng.random() < 0.3:
        spi["conditions"] = rng.choice(["asthma", "diabetes", "hypertension", "migraine"])
    return non_pii, pii, spi


def generate(engine: Engine, ring: KeyRing, survey: Survey, count: int, seed: int = 2026,
             batch: int = 5000, progress=None) -> None:
    rng = random.Random(seed)
    start = utcnow() - timedelta(days=365)
    done = 0
    while done < count:
        rows, events = [], []
        for _ in range(min(batch, count - done)):
            public_id = secrets.token_hex(16)  # 128 bits; hex, so it never reads as a command-line option
            non_pii, pii, spi = answers(rng)
            sealed = seal_answers(ring, survey.id, public_id, pii, spi)
            consent = {"opt_out_third_party": rng.random() < 0.25, "opt_out_other_purposes": rng.random() < 0.2,
                       "spi_disclosure": rng.random() < 0.4}
            when = start + timedelta(seconds=done * 30)
            rows.append({"public_id": public_id, "survey_id": survey.id, "submitted_at": when, "updated_at": when,
                         "receipt_digest": receipt_digest(secrets.token_hex(20)), "non_pii": non_pii,
                         "pii": sealed.pii, "spi": sealed.spi, "data_key": sealed.data_key,
                         "notice_version": "2026-11-01", **consent})
            events.append({"public_id": public_id, "at": when, "source": "api", "changes": consent,
                           "notice_version": "2026-11-01", "actor": "respondent", "note": ""})
            done += 1
        with engine.begin() as connection:
            connection.execute(insert(Response), rows)
            ids = dict(connection.execute(
                Response.__table__.select().with_only_columns(Response.public_id, Response.id)
                .where(Response.public_id.in_([r["public_id"] for r in rows]))).all())
            connection.execute(insert(ConsentEvent), [
                {**{k: v for k, v in e.items() if k != "public_id"}, "response_id": ids[e["public_id"]]}
                for e in events])
        if progress:
            progress(done)
