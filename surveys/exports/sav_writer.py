"""SPSS (.sav), written by pyreadstat from compact columns: variable labels, value labels for codes and yes/no,
dates, times and datetimes in SPSS's own formats. Withheld is a user-missing value declared on each variable and
labelled "withheld" (-99 for numbers, or the first of -999, -9999… that no cell or code holds; " -99" for text,
which no answer can be since answers are trimmed); unanswered is system-missing, or empty text."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .columns import WITHHELD_NUMBER, Columns, ColumnsWriter
from .files import cut, data_frame
from .names import spss_names
from .variables import Storage, Variable, own_columns

if TYPE_CHECKING:
    import numpy as np

WITHHELD_TEXT = " -99"
WITHHELD_LABEL = "withheld"
#: SPSS counts dates and times in seconds from 14 October 1582; ours come as days and seconds from 1970.
_DAYS_TO_1970, _SECONDS_TO_1970 = 141428, 12219379200
_FORMATS = {Storage.DATE: "DATE11", Storage.DATETIME: "DATETIME20", Storage.TIME: "TIME5"}
_WHOLE = {Storage.INTEGER, Storage.CODED_INT, Storage.BOOLEAN, Storage.OPTION}
_SCALE = {Storage.NUMBER, Storage.INTEGER, Storage.DATE, Storage.DATETIME, Storage.TIME}


class SavWriter(ColumnsWriter):
    media_type, extension = "application/x-spss-sav", "sav"

    def write(self, path: str) -> None:
        import pyreadstat  # with pandas, a third of a second at start-up that only these exports need

        frame, meta = {}, _Meta()
        for index, (variable, name) in enumerate(zip(self.variables, names_in_spss(self.variables), strict=True)):
            frame[name] = _column(self.columns, index, variable, name, meta)
        pyreadstat.write_sav(data_frame(frame), path, file_label=cut(self.title, 64, encoded=True),
                             column_labels=meta.labels, variable_value_labels=meta.values,
                             missing_ranges=meta.missing, variable_format=meta.formats,
                             variable_measure=meta.measures, row_compress=True)


def names_in_spss(found: list[Variable]) -> list[str]:
    """Each variable's name in the SPSS file (see names.spss_names)."""
    return spss_names([v.name for v in found], own_columns(found))


class _Meta:
    def __init__(self):
        self.labels, self.values, self.missing, self.formats, self.measures = {}, {}, {}, {}, {}


def _column(columns: Columns, index: int, v: Variable, name: str, meta: _Meta) -> np.ndarray:
    import numpy as np
    meta.labels[name] = cut(v.label, 256, encoded=True)
    meta.measures[name] = "scale" if v.storage in _SCALE else "nominal"
    answered = v.field is not None  # respondent, submitted_at and withheld are never withheld themselves
    if v.storage is Storage.TEXT:
        if answered:
            meta.values[name], meta.missing[name] = {WITHHELD_TEXT: WITHHELD_LABEL}, [WITHHELD_TEXT]
        return columns.take_texts(index, "", WITHHELD_TEXT)
    numbers = columns.take_numbers(index)
    if v.storage is Storage.CODED_TEXT:
        # SPSS labels text values: the cell holds the choice's own value, by its position from 1.
        values = [str(choice.value) for choice in v.codes]
        lookup = np.array(["", *values, WITHHELD_TEXT], dtype=object)
        positions = np.where(numbers == WITHHELD_NUMBER, len(values) + 1, np.nan_to_num(numbers, nan=0.0))
        labels = {value: cut(c.label, 120, encoded=True) for value, c in zip(values, v.codes, strict=True)}
        meta.values[name] = {**labels, WITHHELD_TEXT: WITHHELD_LABEL}
        meta.missing[name] = [WITHHELD_TEXT]
        return lookup[positions.astype(np.intp)]
    if v.storage is Storage.DATE:
        numbers += _DAYS_TO_1970
        numbers *= 86400
    elif v.storage is Storage.DATETIME:
        numbers += _SECONDS_TO_1970
    if v.storage in _FORMATS:
        meta.formats[name] = _FORMATS[v.storage]
    if not answered:
        return numbers
    code = withheld_code(numbers, v)
    numbers[numbers == WITHHELD_NUMBER] = code
    meta.values[name] = {**{c.value: cut(c.label, 120, encoded=True) for c in v.codes}, code: WITHHELD_LABEL}
    meta.missing[name] = [code]
    if v.storage in _WHOLE:
        meta.formats[name] = f"F{_width(numbers)}.0"
    return numbers


def withheld_code(numbers: np.ndarray, v: Variable) -> int:
    """-99, or the first of -999, -9999… that is neither a code of the variable nor in any of its cells."""
    import numpy as np
    codes = {c.value for c in v.codes}
    for digits in range(2, 16):
        code = 1 - 10 ** digits
        if code not in codes and not np.any(numbers == code):
            return code
    raise ValueError(f"{v.name}: no number is free to mark withheld answers")


def _width(numbers: np.ndarray) -> int:
    """An integer format as wide as the widest whole number in the column (sign included)."""
    import numpy as np
    finite = numbers[np.isfinite(numbers)]
    if not finite.size:
        return 8
    return min(40, max(len(str(int(finite.min()))), len(str(int(finite.max())))))
