"""Stata (.dta, format 118: Stata 14 and later, UTF-8), written by pyreadstat from compact columns: variable
labels, value labels for codes and yes/no (a choice coded with text becomes 1, 2, … in the definition's order,
labelled, since Stata labels only numbers), dates as %td, datetimes as %tc (UTC), times of day as %tcHH:MM.
Withheld is the extended missing value .a labelled "withheld", unanswered is "." (text has no missing values in
Stata: both are empty there, and the `withheld` variable tells them apart)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .columns import TEXTUAL, WITHHELD_NUMBER, Columns, ColumnsWriter
from .files import cut, data_frame
from .names import stata_names
from .variables import Storage, Variable, own_columns

if TYPE_CHECKING:
    import numpy as np

TAG = "a"
#: Stata counts days, and milliseconds, from 1 January 1960; ours come from 1970.
_DAYS_TO_1970, _MS_TO_1970 = 3653, 315619200 * 1000
_FORMATS = {Storage.DATE: "%td", Storage.DATETIME: "%tc", Storage.TIME: "%tcHH:MM"}
_WHOLE = {Storage.INTEGER, Storage.CODED_INT, Storage.CODED_TEXT, Storage.BOOLEAN, Storage.OPTION}
#: The largest whole number a Stata long holds; those above it stand for missing values.
_LONG = 2_147_483_620


class DtaWriter(ColumnsWriter):
    media_type, extension = "application/x-stata-dta", "dta"

    def write(self, path: str) -> None:
        import pyreadstat  # with pandas, a third of a second at start-up that only these exports need

        frame, labels, values, formats = {}, {}, {}, {}
        for index, (variable, name) in enumerate(zip(self.variables, names_in_stata(self.variables), strict=True)):
            labels[name] = cut(variable.label, 80)
            if variable.storage in _FORMATS:
                formats[name] = _FORMATS[variable.storage]
            frame[name] = _column(self.columns, index, variable)
            if _labelled(variable):
                values[name] = {**_codes(variable), TAG: "withheld"}
        pyreadstat.write_dta(data_frame(frame), path, file_label=cut(self.title, 80), column_labels=labels,
                             version=14, variable_value_labels=values,
                             missing_user_values={name: [TAG] for name in values}, variable_format=formats)


def _labelled(v: Variable) -> bool:
    return v.field is not None and v.storage not in TEXTUAL


def names_in_stata(found: list[Variable]) -> list[str]:
    """Each variable's name in the Stata file (see names.stata_names)."""
    return stata_names([v.name for v in found], [_labelled(v) for v in found], own_columns(found))


def _codes(v: Variable) -> dict:
    if v.storage is Storage.CODED_TEXT:
        return {position: cut(c.label, 32000, encoded=True) for position, c in enumerate(v.codes, 1)}
    return {c.value: cut(c.label, 32000, encoded=True) for c in v.codes}


def _column(columns: Columns, index: int, v: Variable) -> np.ndarray:
    if v.storage in TEXTUAL:
        return columns.take_texts(index, "", "")
    numbers = columns.take_numbers(index)
    if v.storage is Storage.DATE:
        numbers += _DAYS_TO_1970
    elif v.storage is Storage.DATETIME:
        numbers *= 1000
        numbers += _MS_TO_1970
    elif v.storage is Storage.TIME:
        numbers *= 1000
    if v.field is None:
        return numbers
    return tagged(numbers, whole=v.storage in _WHOLE)


def tagged(numbers: np.ndarray, whole: bool) -> np.ndarray:
    """The object column pyreadstat writes extended missing values from: numbers, None for ".", "a" for ".a".
    Equal numbers share one object, so a million cells of a few codes cost a pointer each."""
    import numpy as np
    withheld = numbers == WITHHELD_NUMBER
    present = ~(np.isnan(numbers) | withheld)
    distinct, positions = np.unique(numbers[present], return_inverse=True)
    if whole and (not distinct.size or np.abs(distinct).max() <= _LONG):
        distinct = distinct.astype(np.int64)  # a long: integers stay integers
    column = np.full(len(numbers), None, dtype=object)
    column[present] = distinct.astype(object)[positions]
    column[withheld] = TAG
    return column
