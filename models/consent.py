"""The consent block of a submission, its later changes, and the Global Privacy Control signal."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .messages import Message
from .vocabulary import CONSENT_CHOICES


@dataclass(frozen=True)
class Consent:
    participate: bool
    age_confirmed: bool
    opt_out_third_party: bool
    opt_out_other_purposes: bool
    spi_disclosure: bool

    @property
    def choices(self) -> dict[str, bool]:
        return {key: getattr(self, key) for key in CONSENT_CHOICES}


CONSENT_KEYS = ("participate", "age_confirmed", *CONSENT_CHOICES)


def check_consent(raw: Any, gpc: bool = False) -> tuple[Consent | None, dict[str, list[str]]]:
    """The consent block of a submission. Missing choices take their defaults. A Global Privacy
    Control signal is an opt-out of third-party disclosure that the body cannot override
    (11 CCR §7025(c)): only a later, explicit choice on the respondent's own record lifts it."""
    if not isinstance(raw, Mapping):
        return None, {"consent": [Message("Send consent as an object with participate and age_confirmed.")]}
    errors = {str(key): [Message("Unknown consent choice.")] for key in raw if key not in CONSENT_KEYS}
    values = {}
    defaults = {"participate": False, "age_confirmed": False, **CONSENT_CHOICES}
    for key in CONSENT_KEYS:
        value = raw.get(key, defaults[key])
        if not isinstance(value, bool):
            errors[key] = [Message("Must be true or false.")]
        values[key] = value is True
    if gpc:
        values["opt_out_third_party"] = True
    if not errors and not values["participate"]:
        errors["participate"] = [Message("Taking part is voluntary; tick 'participate' to submit answers.")]
    return (None if errors else Consent(**values)), errors


def check_consent_change(raw: Any) -> tuple[dict[str, bool], dict[str, list[str]]]:
    """A change of consent after submission: only the three choices may change."""
    if not isinstance(raw, Mapping):
        return {}, {"consent": [Message("Send consent as an object of choices.")]}
    errors, changes = {}, {}
    for key, value in raw.items():
        if key not in CONSENT_CHOICES:
            errors[str(key)] = [Message("Only %(choices)s can change.", choices=", ".join(CONSENT_CHOICES))]
        elif not isinstance(value, bool):
            errors[key] = [Message("Must be true or false.")]
        else:
            changes[key] = value
    return changes, errors


def lifts_gpc_opt_out(current: Mapping[str, bool], changes: Mapping[str, bool], *, signal: bool,
                      set_by_signal: bool = False) -> bool:
    """Whether a change would lift a third-party opt-out that a Global Privacy Control signal asks
    for, sent now or when the opt-out was set: only an explicit confirmation may do that."""
    return ((signal or set_by_signal) and current.get("opt_out_third_party") is True
            and changes.get("opt_out_third_party") is False)
