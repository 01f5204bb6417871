"""Exports for analysis: SPSS, Stata, Excel and CSV read back with pyreadstat, pandas and openpyxl and held cell by
cell to the JSON Lines export of the same disclosure; withheld told apart from unanswered in each; one ledger
entry per export with the digest of its bytes; the `export` command writing what the page sends."""
import csv
import hashlib
import io
import json
from datetime import datetime, time, timezone

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from openpyxl.utils.escape import unescape
from pandas.io.stata import StataMissingValue
from sqlalchemy import select

from models.ledger import LedgerEntry
from surveys import db
from surveys.exports.names import spss_names, stata_names
from tests.conftest import COMBOS, combo_tag, csv_rows, download, export_form, recipient_id

RICH = """
slug: rich
title: Rich instrument
purpose: care-quality
sections:
  - name: about
    title: About you
    fields:
      - {name: tag, type: text, classification: non_pii}
      - {name: full_name, label: Your full name, type: text, classification: pii}
      - {name: born, label: Date of birth, type: date, classification: pii}
      - {name: weight, label: Weight in kg, type: number, classification: pii}
      - {name: seen_at, label: Last appointment, type: datetime, classification: non_pii}
      - {name: bedtime, label: Usual bedtime, type: time, classification: non_pii}
      - {name: visits, label: Visits this year, type: integer, classification: non_pii}
      - {name: clinic, label: Clinic, type: choice, classification: non_pii,
         choices: [{value: n, label: North}, {value: s, label: South}]}
      - {name: activities, label: Activities, type: multi_choice, classification: non_pii,
         choices: [walking, cycling, none of these]}
      - {name: a_field_name_far_longer_than_stata_allows, label: Long, type: integer, classification: non_pii}
      - {name: to, label: A reserved word in SPSS, type: boolean, classification: non_pii}
      - {name: _aside, label: A leading underscore, type: text, classification: non_pii}
  - name: health
    title: Your health
    fields:
      - {name: smoker, label: "Do you smoke?", type: boolean, classification: spi}
      - {name: symptoms, label: Symptoms, type: multi_choice, classification: spi,
         choices: [{value: 1, label: Cough}, {value: 2, label: Fever}]}
      - matrix: phq
        label: How often have you been bothered by
        classification: spi
        choices:
          - {value: 0, label: Not at all}
          - {value: 1, label: Several days}
          - {value: 2, label: More than half the days}
          - {value: 3, label: Nearly every day}
        rows:
          - {name: phq1, label: little interest}
          - {name: phq2, label: feeling down}
      - {name: phq_total, label: Mood score, type: calculated, formula: "sum(phq1, phq2)", classification: spi}
      - {name: low_mood, label: Low mood, type: calculated, formula: "phq_total >= 3", classification: spi}
      - {name: notes, label: Anything else, type: textarea, classification: spi}
"""
FORMATS = ["csv", "sav", "dta", "xlsx"]
W = "<withheld>"  # how these tests write a withheld cell; None is unanswered


def rich_answers(index: int, tag: str) -> dict:
    return {"tag": tag, "full_name": f"Name {index} Lee", "born": f"1980-0{index % 9 + 1}-1{index}",
            "weight": 70.5 + index, "seen_at": f"2026-03-0{index % 9 + 1}T10:3{index}:00+02:00",
            "bedtime": f"2{index % 4}:{index % 6}5", "visits": index * 3, "clinic": "ns"[index % 2],
            "activities": [["walking"], ["walking", "none of these"], ["cycling"]][index % 3],
            "a_field_name_far_longer_than_stata_allows": index * 1000, "to": index % 2 == 0, "_aside": "=1+1",
            "smoker": index % 3 == 0, "symptoms": [[1], [1, 2], [2]][index % 3], "phq1": index % 4,
            "phq2": (index + 1) % 4,
            "notes": "#N/A" if index == 1 else f"line {index}\nand a second, \"quoted\", with _x0041_ in it"}


@pytest.fixture
def rich(make_survey, submit):
    """One respondent per consent state with every field answered, and two who answered little."""
    make_survey(RICH)
    for index, combo in enumerate(COMBOS):
        consent = dict(zip(("opt_out_third_party", "opt_out_other_purposes", "spi_disclosure"), combo, strict=True))
        assert submit("rich", rich_answers(index, combo_tag(combo)), consent).status_code == 201
    assert submit("rich", {"tag": "sparse-1", "visits": 0, "smoker": False}).status_code == 201
    assert submit("rich", {"tag": "sparse-2", "full_name": "Only A Name"}, {"spi_disclosure": True}).status_code == 201
    return "rich"


@pytest.fixture
def loaded(request, app, make_recipient, login):
    """The survey named by the test's `survey` parameter, shared with Acme, and staff signed in without SPI
    clearance; returns the form that exports it to the test's `who`."""
    survey, who = request.node.callspec.params["survey"], request.node.callspec.params["who"]
    request.getfixturevalue(survey)
    make_recipient("Acme", surveys=(survey,))
    login()
    return {"survey": survey, "recipient": str(recipient_id(app, who)), "purpose": "care-quality"}


# -- reading each format back as {respondent: {field: value | W | None}} ------------------------------------------

def codebook_of(client, slug: str) -> dict[str, dict]:
    return {row["field"]: row for row in csv_rows(client.get(f"/researcher/export/codebook/{slug}").data)}


def from_json_lines(data: bytes) -> dict:
    table = {}
    for line in data.decode().splitlines():
        item = json.loads(line)
        table[item["respondent"]] = {**item["answers"], **{name: W for name in item["withheld"]}}
    return table


def expected(lines: dict, book: dict) -> dict:
    """The JSON Lines table with every field present (unanswered as None), as each reader gives it."""
    fields = [name for name in book if name not in ("respondent", "submitted_at", "withheld")]
    return {who: {name: answers.get(name) for name in fields} for who, answers in lines.items()}


def _options(row: dict) -> list:
    """A codebook row's choice values, typed as the definition has them."""
    values = [part.split("=")[0] for part in row["choices"].split("; ")]
    return [int(v) if v.lstrip("-").isdigit() else v for v in values]


def _typed(row: dict, value):
    """A value read from a file, in the type JSON Lines gives it."""
    kind = {"phq_total": "number", "low_mood": "boolean"}.get(row["field"], row["type"])
    if kind == "date":
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if kind == "datetime":
        return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")
    if kind == "time":
        return value.strftime("%H:%M")
    if kind == "boolean":
        return bool(value)
    if kind in ("integer", "choice") and isinstance(value, float):
        return int(value)
    return value


def _missing(value) -> bool:
    return value is None or isinstance(value, str) and value == "" or not isinstance(value, str) and pd.isna(value)


def read_dta(path, **options):
    """pyreadstat's values, with "a" where pandas reads Stata's .a: pyreadstat 1.3.7, asked for user missing
    values, misreads a "." in an integer variable that an ".a" came before (the file holds "."; pandas, Stata
    and pyreadstat without user_missing read it so)."""
    frame, meta = pyreadstat.read_dta(path)
    kinds = pd.read_stata(path, convert_missing=True, convert_dates=False, convert_categoricals=False)
    for column in frame.columns:
        tagged = kinds[column].map(lambda value: isinstance(value, StataMissingValue) and value.string == ".a")
        frame[column] = frame[column].astype(object).where(~tagged.astype(bool), "a")
    return frame, meta


def from_stats(path, book: dict, reader) -> tuple[dict, object]:
    frame, meta = reader(str(path), user_missing=True)
    codes = meta.missing_ranges if reader is pyreadstat.read_sav else {}
    table = {}
    for record in frame.to_dict("records"):
        row = {}
        for name, entry in book.items():
            if name in ("respondent", "submitted_at", "language", "withheld"):
                continue
            held = entry["spss_variables" if reader is pyreadstat.read_sav else "stata_variables"].split("; ")
            cells = [record[variable] for variable in held]
            withheld = [_withheld(cell, codes.get(variable), meta.variable_value_labels.get(variable, {}))
                        for cell, variable in zip(cells, held, strict=True)]
            if all(withheld) or (entry["type"] in ("text", "textarea", "email") and reader is read_dta
                                 and name in record["withheld"].split(";")):
                row[name] = W
            elif all(_missing(cell) for cell in cells):
                row[name] = None
            elif entry["type"] == "multi_choice":
                row[name] = [option for option, cell in zip(_options(entry), cells, strict=True) if cell == 1]
            elif entry["stata_codes"] and reader is read_dta:
                row[name] = _options(entry)[int(cells[0]) - 1]
            else:
                row[name] = _typed(entry, cells[0])
        table[record["respondent"]] = row
    return table, meta


def _withheld(cell, declared, labels) -> bool:
    """SPSS: the variable's one declared missing value, labelled so; Stata: .a, labelled so."""
    if declared:
        [declared] = declared
        return cell == declared["lo"] and "withheld" in labels.values()
    return isinstance(cell, str) and cell == "a" and labels.get("a") == "withheld"


def from_sheet(rows: list[list], book: dict, from_text) -> dict:
    header, table = rows[0], {}
    for values in rows[1:]:
        record = dict(zip(header, values, strict=True))
        withheld = (record["withheld"] or "").split(";")
        row = {}
        for name, entry in book.items():
            if name in ("respondent", "submitted_at", "language", "withheld"):
                continue
            cell = record[name]
            if _missing(cell):
                row[name] = W if name in withheld else None
            else:
                row[name] = from_text(entry, cell)
        table[record["respondent"]] = row
    return table


def _from_xlsx(entry, cell):
    if isinstance(cell, str):
        cell = unescape(cell)  # as Excel reads the escapes XML needs for control characters
    if entry["type"] == "multi_choice":
        return [option for option in _options(entry) if str(option) in cell.split("; ")]
    return _typed(entry, cell)


def _from_csv(entry, cell):
    if entry["type"] == "multi_choice":
        return [option for option in _options(entry) if str(option) in cell.split("; ")]
    if entry["type"] == "boolean" or entry["field"] == "low_mood":
        return cell == "yes"
    if entry["type"] in ("integer", "choice") and cell.lstrip("-").isdigit():
        return int(cell)
    if entry["type"] == "number" or entry["field"] == "phq_total":
        return float(cell)
    return cell[1:] if cell.startswith(("'=", "'+", "'-", "'@")) else cell


def read(fmt: str, data: bytes, book: dict, tmp_path) -> dict:
    if fmt == "csv":
        return from_sheet([list(row) for row in csv.reader(io.StringIO(data.decode()))], book, _from_csv)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True)["data"]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        # A write-only sheet states no dimension: read-only openpyxl ends each row at its last filled cell.
        return from_sheet([row + [None] * (len(rows[0]) - len(row)) for row in rows], book, _from_xlsx)
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(data)
    return from_stats(path, book, pyreadstat.read_sav if fmt == "sav" else read_dta)[0]


def differences(got: dict, want: dict) -> list:
    """(respondent, field, in the file, in JSON Lines) wherever the two differ."""
    assert set(got) == set(want)
    return [(who, name, got[who].get(name), value) for who in want for name, value in want[who].items()
            if got[who].get(name) != value or type(got[who].get(name)) is not type(value) and value is not None
            and not isinstance(value, (int, float))]


# -- the tests ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["internal", "Acme"])
@pytest.mark.parametrize("survey", ["panel", "rich"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_holds_cell_by_cell_what_json_lines_holds(client, loaded, survey, who, fmt, tmp_path):
    form = loaded
    book = codebook_of(client, survey)
    want = expected(from_json_lines(download(client, **form, format="jsonl")), book)
    got = read(fmt, download(client, **form, format=fmt), book, tmp_path)
    found = differences(got, want)
    assert found == [], "\n".join(map(str, found))
    assert len(got) == 8 + (survey == "rich") * 2
    cells = [value for row in got.values() for value in row.values()]
    assert W in cells and None in cells or survey == "panel"  # both kinds of empty, told apart


def rich_form(app, who: str = "Acme") -> dict:
    return {"survey": "rich", "recipient": str(recipient_id(app, who)), "purpose": "care-quality"}


@pytest.fixture
def shared(app, rich, make_recipient, login):
    """The rich survey shared with Acme; staff signed in without SPI clearance."""
    make_recipient("Acme", surveys=("rich",))
    return login()


def test_spss_carries_labels_formats_declared_missing_values_and_legal_names(app, client, shared, tmp_path):
    path = tmp_path / "rich.sav"
    path.write_bytes(download(client, **rich_form(app), format="sav"))
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    names = list(frame.columns)
    assert names[:2] == ["respondent", "submitted_at"] and names[-1] == "withheld"
    assert "v_to" in names and "v_aside" in names  # SPSS reserves TO, and wants a letter first
    assert ["activities___walking", "activities___cycling", "activities___none_of_these"] == \
        [n for n in names if n.startswith("activities___")]
    labels = dict(zip(names, meta.column_labels, strict=True))
    assert labels["full_name"] == "Your full name"
    assert labels["phq1"] == "How often have you been bothered by little interest"  # the grid's label, then the row
    assert labels["activities___none_of_these"] == "Activities: none of these"
    formats = meta.original_variable_types
    assert (formats["born"], formats["seen_at"], formats["bedtime"], formats["submitted_at"]) == (
        "DATE11", "DATETIME20", "TIME5", "DATETIME20")
    assert formats["visits"] == "F2.0" and formats["phq1"] == "F3.0" and formats["weight"] == "F8.2"
    assert formats["full_name"].startswith("A") and int(formats["full_name"][1:]) == len("Only A Name")
    values = meta.variable_value_labels
    assert values["phq1"] == {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day",
                              -99: "withheld"}
    assert values["smoker"] == {1: "yes", 0: "no", -99: "withheld"}
    assert values["symptoms___2"] == {1: "selected", 0: "not selected", -99: "withheld"}
    assert values["clinic"] == {"n": "North", "s": "South", " -99": "withheld"}
    assert values["notes"] == {" -99": "withheld"}
    assert meta.missing_ranges["notes"] == [{"lo": " -99", "hi": " -99"}]
    assert meta.missing_ranges["weight"] == [{"lo": -99.0, "hi": -99.0}]
    assert meta.variable_measure["clinic"] == "nominal" and meta.variable_measure["weight"] == "scale"
    assert "respondent" not in meta.missing_ranges and "submitted_at" not in values


def test_stata_carries_labels_types_extended_missing_values_and_names_of_at_most_32_characters(
        app, client, shared, tmp_path):
    path = tmp_path / "rich.dta"
    path.write_bytes(download(client, **rich_form(app), format="dta"))
    frame, meta = pyreadstat.read_dta(str(path))
    names = list(frame.columns)
    assert names[:2] == ["respondent", "submitted_at"] and names[-1] == "withheld"
    assert all(len(name) <= 32 for name in names) and "to" in names and "_aside" in names
    [long] = [name for name in names if name.startswith("a_field_name")]
    assert long == codebook_of(client, "rich")["a_field_name_far_longer_than_stata_allows"]["stata_variables"]
    label_set = meta.variable_to_label[long]  # named after it by pyreadstat, and held to 32 characters too
    assert label_set.startswith(long) and label_set[len(long):].isdigit() and len(label_set) <= 32
    assert long[-7] == "_" and len(set(meta.variable_to_label.values())) == len(meta.variable_to_label)
    types = meta.readstat_variable_types
    assert {types[n] for n in ("visits", "phq1", "smoker", "to", "activities___walking", "clinic")} == {"int32"}
    assert {types[n] for n in ("weight", "phq_total", "born", "seen_at", "bedtime")} == {"double"}
    assert types["notes"] == types["full_name"] == "string"
    formats = meta.original_variable_types
    assert (formats["born"], formats["seen_at"], formats["bedtime"]) == ("%td", "%tc", "%tcHH:MM")
    values = meta.variable_value_labels
    assert values["clinic"] == {1: "North", 2: "South", "a": "withheld"}  # Stata labels numbers only
    assert values["smoker"] == {1: "yes", 0: "no", "a": "withheld"} and values["weight"] == {"a": "withheld"}
    assert "notes" not in values  # text has no missing values in Stata: the withheld column tells
    labels = dict(zip(names, meta.column_labels, strict=True))
    assert labels["phq_total"] == "Mood score" and labels["symptoms___1"] == "Symptoms: Cough"
    assert codebook_of(client, "rich")["clinic"]["stata_codes"] == "1=n; 2=s"


def test_withheld_and_unanswered_differ_in_every_format_and_read_as_missing_without_cleaning(
        app, client, shared, tmp_path):
    """tag-000 declined SPI disclosure (smoker withheld from Acme); sparse-2 consented but never answered it."""
    form = rich_form(app)
    sav, dta = tmp_path / "rich.sav", tmp_path / "rich.dta"
    sav.write_bytes(download(client, **form, format="sav"))
    dta.write_bytes(download(client, **form, format="dta"))
    by_tag = {row["tag"]: row for row in pyreadstat.read_sav(str(sav), user_missing=True)[0].to_dict("records")}
    assert by_tag["tag-000"]["smoker"] == -99 and pd.isna(by_tag["sparse-2"]["smoker"])
    assert by_tag["tag-000"]["notes"] == " -99" and by_tag["sparse-2"]["notes"] == ""
    plain = {row["tag"]: row for row in pyreadstat.read_sav(str(sav))[0].to_dict("records")}
    assert pd.isna(plain["tag-000"]["smoker"]) and pd.isna(plain["sparse-2"]["smoker"])  # both missing, no -99
    stata = pd.read_stata(dta, convert_missing=True, convert_dates=False, convert_categoricals=False)
    by_tag = {row["tag"]: row for row in stata.to_dict("records")}
    assert by_tag["tag-000"]["smoker"].string == ".a" and by_tag["sparse-2"]["smoker"].string == "."
    assert by_tag["tag-000"]["withheld"].split(";")[:2] == ["smoker", "symptoms"]
    assert by_tag["sparse-2"]["withheld"] == ""
    for path, reader in ((sav, pd.read_spss), (dta, pd.read_stata)):
        opened = reader(path, convert_categoricals=False)
        assert len(opened) == 10 and opened["weight"].dtype == "float64"
    rows = csv_rows(download(client, **form))
    by_tag = {row["tag"]: row for row in rows}
    assert by_tag["tag-000"]["smoker"] == by_tag["sparse-2"]["smoker"] == ""
    assert "smoker" in by_tag["tag-000"]["withheld"].split(";") and by_tag["sparse-2"]["withheld"] == ""
    sheet = pd.read_excel(io.BytesIO(download(client, **form, format="xlsx")), sheet_name="data")
    by_tag = {row["tag"]: row for row in sheet.to_dict("records")}
    assert pd.isna(by_tag["tag-000"]["smoker"]) and pd.isna(by_tag["sparse-2"]["smoker"])
    assert "smoker" in by_tag["tag-000"]["withheld"].split(";") and pd.isna(by_tag["sparse-2"]["withheld"])
    assert sheet["weight"].dtype == "float64" and sheet["visits"].dtype == "float64"


def test_excel_cells_are_typed_text_stays_text_and_the_codebook_is_a_sheet(app, client, shared):
    book = openpyxl.load_workbook(io.BytesIO(download(client, **rich_form(app, "internal"), format="xlsx")))
    assert book.sheetnames == ["data", "codebook"]
    rows = list(book["data"].iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:2] == ("respondent", "submitted_at") and header[-1] == "withheld"
    assert isinstance(first["submitted_at"], datetime) and first["born"] == datetime(1980, 1, 10)
    assert first["seen_at"] == datetime(2026, 3, 1, 8, 30) and first["bedtime"] == time(20, 5)
    assert (first["visits"], first["weight"], first["to"], first["clinic"]) == (0, 70.5, True, "n")
    assert first["activities"] == "walking" and first["symptoms"] is None  # SPI: staff without clearance
    cells = {cell.value: cell.data_type for row in book["data"].iter_rows() for cell in row}
    assert cells["=1+1"] == "s"  # kept as text, never a formula
    sheet = [["" if cell is None else str(cell) for cell in row]
             for row in book["codebook"].iter_rows(values_only=True)]
    assert sheet == list(csv.reader(io.StringIO(client.get("/researcher/export/codebook/rich").data.decode())))
    internal = read("xlsx", download(client, **rich_form(app, "internal"), format="xlsx"), codebook_of(client, "rich"),
                    None)
    assert {row["notes"] for row in internal.values()} == {W}
    spi = {row["tag"]: row for row in read("xlsx", download(client, **rich_form(app), format="xlsx"),
                                             codebook_of(client, "rich"), None).values()}
    assert spi["tag-001"]["notes"] == "#N/A"  # the text, not Excel's error


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sav", "dta", "xlsx"])
def test_each_export_is_one_ledger_entry_with_the_digest_of_its_bytes(app, client, shared, fmt):
    data = download(client, **rich_form(app), format=fmt)
    with app.app_context():
        [entry] = db.session().scalars(select(LedgerEntry).where(LedgerEntry.action.not_in(("survey_saved", "grant")))).all()
    assert entry.payload_digest == hashlib.sha256(data).hexdigest()
    assert (entry.action, entry.format, entry.recipient, entry.survey, entry.respondent_count) == (
        "export", f"{fmt}:blank", "Acme", "rich", 10)
    assert entry.withheld["smoker"] == {"no_spi_consent": 5, "opted_out_third_party": 2}  # sparse-1 too
    assert entry.actor == shared


def test_no_export_file_is_left_on_disk_whether_the_export_ends_or_fails(app, client, shared, tmp_path, monkeypatch):
    import tempfile

    from surveys.exports import WRITERS
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    for fmt in ("sav", "dta", "xlsx"):
        assert download(client, **rich_form(app), format=fmt)
    assert list((tmp_path / "tmp").iterdir()) == []

    def fail(*args):
        raise RuntimeError("the database went away")
    for fmt in ("sav", "dta", "xlsx"):
        writer = WRITERS[fmt]
        monkeypatch.setattr(writer, "add", lambda self, lines, real=writer.add: real(self, lines) or fail())
        started = client.post("/researcher/export/download", data=export_form(client, **rich_form(app), format=fmt))
        assert "The export stopped on an error" in client.get(started.headers["Location"]).get_data(as_text=True)
        assert list((tmp_path / "tmp").iterdir()) == []
    notes = [entry.note for entry in ledger(app)]
    assert notes == [""] * 3 + ["the download stopped before the end"] * 3


def export_args(path, fmt: str, *extra: str, recipient: str = "Acme") -> list[str]:
    return ["export", "rich", "--recipient", recipient, "--purpose", "care-quality", "--format", fmt,
            "--output", str(path), *extra]


def ledger(app) -> list[LedgerEntry]:
    """The disclosures recorded: every entry but the surveys' own saves."""
    with app.app_context():
        return db.session().scalars(select(LedgerEntry).where(LedgerEntry.action.not_in(("survey_saved", "grant")))
                                    .order_by(LedgerEntry.seq)).all()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sav", "dta", "xlsx"])
def test_the_export_command_writes_what_the_page_sends_with_the_same_ledger_entry(
        app, client, runner, shared, fmt, tmp_path):
    """Byte for byte, but for the time SPSS, Stata and Excel write into the file: those are compared by content."""
    page = download(client, **rich_form(app), format=fmt)
    path = tmp_path / f"rich.{fmt}"
    result = runner.invoke(args=export_args(path, fmt, "--as", shared))
    assert result.exit_code == 0, result.output
    written = path.read_bytes()
    assert f"sha256 {hashlib.sha256(written).hexdigest()}" in result.output
    if fmt in ("csv", "jsonl"):
        assert written == page
    else:
        book = codebook_of(client, "rich")
        assert read(fmt, written, book, tmp_path / "cli") == read(fmt, page, book, tmp_path / "page")
    on_page, by_command = ledger(app)
    assert by_command.payload_digest == hashlib.sha256(written).hexdigest()
    assert on_page.payload_digest == hashlib.sha256(page).hexdigest()
    same = ("actor", "action", "recipient", "purpose", "purpose_relation", "survey", "format", "fields", "withheld",
            "respondent_count", "respondents_digest")
    assert [getattr(by_command, key) for key in same] == [getattr(on_page, key) for key in same]
    assert path.stat().st_mode & 0o077 == 0  # it holds answers: its owner's only
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_the_command_counts_the_spi_clearance_of_the_account_it_acts_as(app, client, runner, rich, make_account,
                                                                       tmp_path):
    cleared = make_account("cleared@example.org", spi=True)
    assert runner.invoke(args=["users", "grant", cleared, "rich", "--role", "exporter"]).exit_code == 0
    assert runner.invoke(args=export_args(tmp_path / "a.jsonl", "jsonl", "--as", cleared,
                                          recipient="internal")).exit_code == 0
    assert runner.invoke(args=export_args(tmp_path / "b.jsonl", "jsonl", recipient="internal")).exit_code == 0
    with_clearance = from_json_lines((tmp_path / "a.jsonl").read_bytes())
    without = from_json_lines((tmp_path / "b.jsonl").read_bytes())
    assert {row["smoker"] for row in without.values()} == {W}  # cli: cleared for nothing, fail closed
    assert W not in {row.get("smoker") for row in with_clearance.values()}
    assert [(e.actor, e.withheld.get("smoker")) for e in ledger(app)] == [("cleared@example.org", None),
                                                                         ("cli", {"no_spi_clearance": 10})]


def test_the_command_leaves_out_respondents_with_anything_withheld_when_asked(app, runner, rich, make_recipient,
                                                                             tmp_path):
    make_recipient("Acme", surveys=("rich",))
    result = runner.invoke(args=export_args(tmp_path / "rich.sav", "sav", "--withheld", "drop"))
    assert result.exit_code == 0, result.output
    frame, meta = pyreadstat.read_sav(str(tmp_path / "rich.sav"), user_missing=True)
    assert sorted(frame["tag"]) == ["sparse-2", "tag-001", "tag-011"]  # nothing withheld from these
    assert not meta.missing_ranges or all((frame[name] != ranges[0]["lo"]).all()
                                          for name, ranges in meta.missing_ranges.items())
    [entry] = ledger(app)
    assert (entry.format, entry.respondent_count, entry.actor) == ("sav:drop", 3, "cli")


@pytest.mark.parametrize("args, message", [
    (["--as", "nobody@example.org"], "no active staff account for 'nobody@example.org'"),
    (["--purpose", "marketing"], "'marketing' is neither the survey's own purpose nor one registered for Acme"),
    (["--recipient", "Nobody"], "no recipient called 'Nobody'"),
])
def test_the_command_refuses_before_it_reads_anything_and_writes_nothing(app, runner, rich, make_recipient, tmp_path,
                                                                         args, message):
    make_recipient("Acme", surveys=("rich",))
    result = runner.invoke(args=export_args(tmp_path / "rich.csv", "csv") + args)
    assert result.exit_code == 1 and message in result.output and "nothing was written" in result.output
    assert list(tmp_path.glob("*rich.csv*")) == [] and ledger(app) == []


def test_the_command_refuses_a_survey_not_shared_with_the_recipient(app, runner, rich, make_recipient, tmp_path):
    make_recipient("Acme", surveys=("wellbeing-demo",))
    result = runner.invoke(args=export_args(tmp_path / "rich.dta", "dta"))
    assert result.exit_code == 1 and "is not shared with Acme" in result.output
    assert ledger(app) == []


def test_names_are_changed_only_where_a_tool_demands_the_same_way_every_time_and_never_onto_another():
    names = ["item", "item1", "x" * 40, "x" * 40 + "_2", "in", "str12", "visits"]
    first = stata_names(names, [True] * len(names))
    assert first == stata_names(names, [True] * len(names))
    assert first[:2] == ["item", "item1"] and first[4:] == ["v_in", "v_str12", "visits"]
    assert len(set(first)) == len(first) and all(len(name) <= 31 for name in first)
    assert first[2].startswith("x" * 24 + "_") and first[3].startswith("x" * 24 + "_")
    # pyreadstat names a labelled variable's value labels `<name><count of labelled variables before it>`:
    # "a1" (count 0) and "a" (count 10) would both give "a10", so "a" gives way.
    clash = stata_names(["a1"] + [f"f{i}" for i in range(9)] + ["a"], [True] * 11)
    assert clash[0] == "a1" and clash[-1].startswith("a_") and len(clash[-1]) == 8
    assert stata_names(["a1"] + [f"f{i}" for i in range(9)] + ["a"], [True] * 10 + [False])[-1] == "a"
    spss = spss_names(["to", "_x", "v_x", "ok", "y" * 70])
    assert spss[0] == "v_to" and spss[1].startswith("v_x_") and spss[2:4] == ["v_x", "ok"]
    assert len(spss[4]) == 64 and spss[4] == spss_names(["y" * 70])[0]


CLASHING = """
slug: clash
title: Names like ours
purpose: care-quality
fields:
  - {name: respondent, type: text, classification: non_pii}
  - {name: withheld, type: integer, classification: non_pii}
  - {name: pick, type: multi_choice, choices: [a, b], classification: non_pii}
  - {name: pick___a, type: integer, classification: non_pii}
"""


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_fields_named_like_our_own_columns_or_like_an_option_keep_their_own_values(
        app, client, make_survey, submit, login, fmt, tmp_path):
    make_survey(CLASHING)
    assert submit("clash", {"respondent": "me", "withheld": 7, "pick": ["b"], "pick___a": 9}).status_code == 201
    login()
    path = tmp_path / f"clash.{fmt}"
    path.write_bytes(download(client, survey="clash", recipient=str(recipient_id(app, "internal")),
                              purpose="care-quality", format=fmt))
    frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(path))
    [row] = frame.to_dict("records")
    rows = csv_rows(client.get("/researcher/export/codebook/clash").data)
    held = [(row["field"], row["spss_variables" if fmt == "sav" else "stata_variables"]) for row in rows]
    assert held[0] == ("respondent", "respondent") and held[-1] == ("withheld", "withheld")  # ours keep theirs
    fields = dict(held[2:-1])
    assert fields["respondent"].startswith("respondent_") and fields["withheld"].startswith("withheld_")
    assert fields["pick"] == "pick___a; pick___b" and fields["pick___a"].startswith("pick___a_")
    assert (row[fields["respondent"]], row[fields["withheld"]], row[fields["pick___a"]]) == ("me", 7, 9)
    assert (row["pick___a"], row["pick___b"], row["withheld"]) == (0, 1, "")
