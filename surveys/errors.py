"""The domain's errors: what a use case refuses, with the HTTP status each surface answers it with."""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """No such survey, response, recipient or token."""
    status, code = 404, "not_found"


class SurveyClosed(DomainError):
    status, code = 409, "survey_closed"


class SurveyInReview(DomainError):
    """A draft: its classification is not yet confirmed, so nobody answers it and nothing of it is disclosed."""
    status, code = 409, "survey_draft"


class InvalidSubmission(DomainError):
    """Input that does not fit: `errors` names each field."""
    status, code = 422, "invalid"


class NotEligible(DomainError):
    """Age not confirmed, or an answer shows a minor: nothing is stored (or, for a correction, the
    response is erased)."""
    status, code = 403, "not_eligible"


class UnknownReceipt(DomainError):
    status, code = 401, "unknown_receipt"


class StrandedData(DomainError):
    status, code = 409, "would_strand_data"


class AlreadySubmitted(DomainError):
    """This form was submitted before (a double click, a replay): nothing more is stored."""
    status, code = 409, "already_submitted"


class LoginFailed(DomainError):
    status, code = 401, "login_failed"


class LoginThrottled(DomainError):
    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Expired(DomainError):
    """Something that was valid for a while, and no longer is: a set-password link."""
    status, code = 410, "expired"
