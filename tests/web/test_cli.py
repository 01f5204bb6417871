import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from models.crypto import KeyRingError
from surveys.config import ConfigurationError
from tests.conftest import ON_POSTGRES

ROOT = Path(__file__).parents[2]

GOOD = """
slug: loaded
title: Loaded survey
purpose: research
fields:
  - {name: colour, type: choice, choices: [red, blue], classification: non_pii}
  - {name: name, type: text, classification: pii}
"""


def write(tmp_path, text, name="survey.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_init_writes_owner_only_secrets_and_is_idempotent(app, runner, instance_path):
    for name in ("config.py", "keyring.json"):
        assert stat.S_IMODE((instance_path / name).stat().st_mode) == 0o600
    ring_before = (instance_path / "keyring.json").read_bytes()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "demo survey" not in result.output  # loaded once only
    assert (instance_path / "keyring.json").read_bytes() == ring_before


def test_init_will_not_put_a_new_key_beside_existing_answers(app, runner, submit, instance_path):
    assert submit("wellbeing-demo", {"wellbeing": "good", "full_name": "Ann"}).status_code == 201
    (instance_path / "keyring.json").rename(instance_path / "keyring.json.bak")
    result = runner.invoke(args=["init"])
    assert result.exit_code == 1
    assert "restore the key ring" in result.output
    assert not (instance_path / "keyring.json").exists()


def test_outside_debug_and_tests_the_app_refuses_to_start_without_a_key_ring(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(ConfigurationError, match="No key ring at .*keyring.json"):
        create_app(config)
    with pytest.raises(ConfigurationError, match="No SECRET_KEY"):
        create_app({**config, "SECRET_KEY": None})


def test_the_server_command_refuses_too_with_a_clear_message(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path / "empty"), "SURVEYS_SECRET_KEY": "s"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert "No key ring at" in result.stderr and "flask --app app init" in result.stderr
    assert result.stderr.startswith("surveys: No key ring at") and result.stderr.count("\n") == 1


SHORT_KEY = base64.b64encode(b"k" * 16).decode()
FULL_KEY = base64.b64encode(b"k" * 32).decode()
CORRUPT_RINGS = {
    "bad JSON": ('{"current": "ab", "keys": [', "the key ring is malformed"),
    "a short key": (json.dumps({"current": "ab", "keys": [{"id": "ab", "key": SHORT_KEY}]}), "not 256 bits"),
    "no current key": (json.dumps({"current": "cd", "keys": [{"id": "ab", "key": FULL_KEY}]}),
                       "current key missing"),
}


@pytest.mark.parametrize("command, corruption", [(["keys", "rotate"], kind) for kind in CORRUPT_RINGS]
                         + [(["routes"], "bad JSON")])
def test_a_corrupt_key_ring_stops_the_cli_with_one_clear_line(tmp_path, command, corruption):
    text, words = CORRUPT_RINGS[corruption]
    ring = tmp_path / "keyring.json"
    ring.write_text(text)
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "s",
           "SURVEYS_KEYRING_FILE": str(ring)}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *command], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 4
    assert "Traceback" not in result.stderr + result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"surveys: {ring}: ") and words in line and "restore it from backup" in line
    assert ring.read_text() == text  # left as it was, for whoever restores it


def test_under_test_a_corrupt_key_ring_is_raised_not_exited(tmp_path):
    (tmp_path / "keyring.json").write_text("{}")
    with pytest.raises(KeyRingError, match="the key ring is malformed"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


@pytest.mark.skipif(ON_POSTGRES, reason="checks the default SQLite location")
def test_init_on_a_fresh_instance_path_from_the_environment(tmp_path):
    instance = tmp_path / "fresh"
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(instance)}
    env.pop("SURVEYS_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in instance.iterdir()} >= {"config.py", "keyring.json", "surveys.db"}
    assert stat.S_IMODE((instance / "surveys.db").stat().st_mode) == 0o600
    assert "/s/wellbeing-demo" in result.stdout


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYS_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/elsewhere.db"
    assert app.config["KEYRING_FILE"] == str(tmp_path / "i" / "keyring.json")


def test_surveys_load_creates_then_updates_and_prints_the_slug(runner, tmp_path, client):
    result = runner.invoke(args=["surveys", "load", write(tmp_path, GOOD)])
    assert result.exit_code == 0 and result.output.strip() == "loaded"
    updated = GOOD.replace("Loaded survey", "Renamed survey").replace("[red, blue]", "[red, blue, green]")
    result = runner.invoke(args=["surveys", "load", write(tmp_path, updated)])
    assert result.exit_code == 0 and result.output.strip() == "loaded"
    assert "Renamed survey" in client.get("/s/loaded").get_data(as_text=True)


def test_a_bad_file_exits_non_zero_with_every_problem_and_stores_nothing(runner, tmp_path, client, count_rows):
    bad = """
slug: Bad!
title: T
purpose: p
fields:
  - {name: a, type: text}
  - {name: a, type: colour, classification: pii}
  - {name: c, type: integer, classification: spi, choices: [x], min: 5, max: 1}
"""
    surveys_before = count_rows("surveys")
    result = runner.invoke(args=["surveys", "load", write(tmp_path, bad)])
    assert result.exit_code == 1
    for expected in ["slug (line 2)", "fields[0] (a).classification", "fields[1] (a).type",
                     "fields[2] (c).choices", "fields[2] (c).min", "nothing was loaded"]:
        assert expected in result.output, expected
    assert count_rows("surveys") == surveys_before


def test_a_change_that_would_strand_answers_is_refused_once_responses_exist(runner, tmp_path, submit, client):
    runner.invoke(args=["surveys", "load", write(tmp_path, GOOD)])
    reclassified = GOOD.replace("type: text, classification: pii", "type: text, classification: spi")
    assert runner.invoke(args=["surveys", "load", write(tmp_path, reclassified)]).exit_code == 0  # no answers yet
    assert submit("loaded", {"colour": "red", "name": "Ann"}).status_code == 201
    for change, words in [(GOOD, "would change classification from spi to pii"),
                          (GOOD.replace("  - {name: name, type: text, classification: pii}\n", ""),
                           "field 'name' would be removed"),
                          (reclassified.replace("type: text", "type: textarea"), "would change type"),
                          (reclassified.replace("[red, blue]", "[red]"), "would drop choices ['blue']")]:
        result = runner.invoke(args=["surveys", "load", write(tmp_path, change)])
        assert result.exit_code == 1 and words in result.output, result.output
    me = client.get("/s/loaded")
    assert me.status_code == 200


def test_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["surveys", "load", str(tmp_path / "absent.yaml")])
    assert result.exit_code != 0 and "absent.yaml" in result.output


@pytest.mark.skipif(ON_POSTGRES, reason="checks the default SQLite location")
def test_the_key_ring_can_live_outside_the_instance_folder(tmp_path):
    ring = tmp_path / "secrets" / "ring.json"
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path / "inst"), "SURVEYS_KEYRING_FILE": str(ring)}
    env.pop("SURVEYS_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(ring.stat().st_mode) == 0o600
    assert not (tmp_path / "inst" / "keyring.json").exists()
    served = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert served.returncode == 0, served.stderr  # it starts with the ring where it was told to look
