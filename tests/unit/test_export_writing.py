"""The shortcuts an export takes per row, each held to what it replaces on any input: CSV lines joined by hand where
csv.writer would quote nothing, JSON Lines from one encoder, JSON objects read by the decoder's scanner, and HMAC
written out from its two keyed hashes."""
import csv
import hashlib
import hmac
import io
import json
import math
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.json_objects import json_object
from surveys.exports.csv_writer import CsvWriter, neutralise
from surveys.exports.jsonl_writer import JsonLinesWriter
from surveys.exports.lines import respondent_line
from surveys.pseudonyms import _hmac_sha256_hex32

NAMES = ["a", "b", "c", "d"]
SURVEY = SimpleNamespace(stored_fields=[SimpleNamespace(name=name) for name in NAMES])
#: Text with everything CSV quotes or a spreadsheet runs: commas, quotes, line ends, formula starts.
TEXT = st.text(alphabet=st.sampled_from(['a', 'é', ',', '"', '\r', '\n', '=', '+', '-', '@', '\t', ' ', ';', "'"]),
               max_size=6) | st.text(max_size=6)
SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
VALUE = SCALAR | st.lists(st.integers() | TEXT, max_size=3) | st.dictionaries(TEXT, st.integers(), max_size=2)
LINE = st.tuples(TEXT, TEXT, TEXT, st.dictionaries(st.sampled_from(NAMES + ["stray"]), VALUE),
                 st.lists(st.sampled_from(NAMES), max_size=3))


def csv_as_written_before(lines) -> str:
    """Every cell through csv.writer, as the CSV export was written before it joined its own lines."""
    def cell(value):
        if isinstance(value, str):
            return neutralise(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return neutralise("; ".join(str(item) for item in value))
        return value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [respondent, submitted_at, language, *[cell(answers[n]) if n in answers else "" for n in NAMES],
         ";".join(withheld)] for respondent, submitted_at, language, answers, withheld in lines)
    return buffer.getvalue()


@given(st.lists(LINE, max_size=5))
def test_csv_lines_are_what_csv_writer_writes_whatever_the_cells_hold(lines):
    written = CsvWriter(SURVEY).rows(iter(lines))
    assert written == csv_as_written_before(lines)
    assert list(csv.reader(io.StringIO(written))) == list(csv.reader(io.StringIO(csv_as_written_before(lines))))


@given(st.lists(LINE, max_size=5))
def test_json_lines_are_what_json_dumps_writes(lines):
    expected = "".join(json.dumps(respondent_line(*line), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for line in lines)
    assert JsonLinesWriter(SURVEY).rows(iter(lines)) == expected


NOT_NAN = SCALAR.filter(lambda v: not (isinstance(v, float) and math.isnan(v)))  # NaN is equal to nothing
JSON = st.recursive(NOT_NAN, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)


@given(st.dictionaries(TEXT, JSON, max_size=5), st.sampled_from([None, 0, 2]), st.booleans())
def test_a_json_object_is_read_as_json_loads_reads_it(value, indent, spaced):
    text = json.dumps(value, indent=indent, ensure_ascii=spaced)
    assert json_object(text) == json.loads(text)
    assert json_object(f" {text}\n") == value  # around it, space the scanner stops at


@pytest.mark.parametrize("text", ["[1]", "1", '"a"', "null", "{", '{"a": 1} x', '{"a": 1}{}', "", "{'a': 1}", "NaN"])
def test_anything_but_one_json_object_is_refused(text):
    with pytest.raises(ValueError):
        json_object(text)


@given(st.binary(max_size=130), st.text(max_size=40))
def test_pseudonyms_are_hmac_sha256_cut_to_32_hex_digits(key, public_id):
    assert _hmac_sha256_hex32(key)(public_id) == hmac.new(key, public_id.encode(), hashlib.sha256).hexdigest()[:32]
