"""The OpenAPI 3 description of the JSON API. tests/web/test_openapi.py keeps it in step
with the routes and runs schemathesis against it."""
import json
from functools import cache
from pathlib import Path
from typing import Any

from models.consent import CONSENT_KEYS
from models.vocabulary import CONSENT_CHOICES, Classification, FieldType


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"}}
PURPOSE = {"name": "purpose", "in": "query", "required": True, "description": "A purpose registered for you.",
           "schema": {"type": "string"}}
SINCE = {"name": "since", "in": "query", "required": False, "description": "ISO 8601 timestamp.",
         "schema": {"type": "string", "format": "date-time"}}
UNTIL = {"name": "until", "in": "query", "required": False,
         "description": "ISO 8601 timestamp: only responses submitted before it.",
         "schema": {"type": "string", "format": "date-time"}}
RECEIPT = [{"receipt": []}]
BEARER = [{"bearer": []}]

ANSWERS = {"type": "object", "description": "Answers keyed by field name.", "additionalProperties": True}
CHOICES = list(CONSENT_CHOICES)
BOOLEANS = {key: {"type": "boolean"} for key in CONSENT_KEYS}
CONSENT = {"type": "object", "required": CHOICES, "properties": {key: BOOLEANS[key] for key in CHOICES},
           "additionalProperties": False}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}},
    "Submission": {"type": "object", "required": ["consent"], "additionalProperties": False, "properties": {
        "answers": ANSWERS,
        "consent": {"type": "object", "required": ["participate", "age_confirmed"], "properties": BOOLEANS},
        "language": {"type": "string", "description": "The language it was answered in, one of the survey's "
                                                     "languages; default: its first."}}},
    "Submitted": {"type": "object", "required": ["id", "receipt", "consent"], "properties": {
        "id": {"type": "string"}, "receipt": {"type": "string", "description": "Shown once; keep it."},
        "consent": {"type": "object", "required": CHOICES,
                    "description": "The choices as stored. `gpc` is \"honored\" when the request carried "
                                   "Sec-GPC: 1, which sets the third-party opt-out whatever the body says.",
                    "properties": {**CONSENT["properties"], "gpc": {"type": "string", "enum": ["honored"]}}}}},
    "ConsentChoices": CONSENT,
    "Change": {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "answers": ANSWERS,
        "consent": {"type": "object", "additionalProperties": False, "properties": CONSENT["properties"]}}},
    "RespondentRecord": {"type": "object", "required": ["survey", "submitted_at", "answers", "consent",
                                                        "disclosures"], "properties": {
        "survey": {"type": "string"}, "submitted_at": {"type": "string", "format": "date-time"},
        "language": {"type": "string"}, "answers": ANSWERS, "consent": CONSENT,
        "disclosures": {"type": "array", "items": {"type": "object", "required": ["at", "recipient", "purpose",
                                                                                  "fields"], "properties": {
            "at": {"type": "string", "format": "date-time"}, "recipient": {"type": "string"},
            "purpose": {"type": "string"}, "fields": {"type": "array", "items": {"type": "string"}},
            "kind": {"type": "string", "enum": ["aggregate"],
                     "description": "Present on an aggregate release: these answers were counted into summary "
                                    "figures, and none of them was sent."}}}}}},
    "SurveyList": {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": {
        "type": "object", "required": ["slug", "title", "purpose", "languages", "fields"], "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"}, "purpose": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                          "description": "The languages its texts are in, the first the one its titles and labels "
                                         "here are given in."},
            "fields": {"type": "array", "items": {"type": "object", "required": ["name", "label", "type",
                                                                                  "classification"], "properties": {
                "name": {"type": "string"}, "label": {"type": "string"},
                "type": {"type": "string", "enum": [t.value for t in FieldType if t is not FieldType.NOTE]},
                "classification": {"type": "string", "enum": [c.value for c in Classification]},
                "choices": {"type": "array", "description": "Coded choices: answers carry the value, with its type.",
                            "items": {"type": "object", "required": ["value", "label"], "properties": {
                                "value": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                                "label": {"type": "string"}}}},
                "section": {"type": "string", "description": "The section it is on, when the survey has them."},
            }}}}}}}},
    "ResponsePage": {"type": "object", "required": ["survey", "purpose", "data", "next_cursor"], "properties": {
        "survey": {"type": "string"}, "purpose": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "required": ["respondent", "submitted_at", "answers",
                                                                           "withheld"], "properties": {
            "respondent": {"type": "string", "description": "Your pseudonym for this respondent: stable for you, "
                                                            "different for every other recipient."},
            "submitted_at": {"type": "string", "format": "date-time"},
            "language": {"type": "string", "description": "The language the survey was answered in."},
            "answers": ANSWERS,
            "withheld": {"type": "array", "items": {"type": "string"},
                         "description": "Fields the respondent's choices keep from you; absent from answers."}}}},
        "next_cursor": {"type": "string", "nullable": True,
                        "description": "Pass as ?cursor= for the next page; null at the end."}}},
    "Aggregates": {"type": "object", "required": ["survey", "purpose", "k", "respondents", "fields"], "properties": {
        "survey": {"type": "string"}, "purpose": {"type": "string"}, "k": {"type": "integer"},
        "respondents": {"type": "integer", "nullable": True, "description": "null when under k"},
        "fields": {"type": "object", "additionalProperties": {"type": "object", "required": [
            "type", "classification", "answered", "suppressed"], "properties": {
            "type": {"type": "string"}, "classification": {"type": "string"},
            "answered": {"type": "integer", "nullable": True},
            "suppressed": {"type": "boolean", "description": "true when fewer than k answered"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer", "nullable": True},
                       "description": "Keyed by each choice's value, as text."},
            "labels": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Each counted value's label, for coded choices."},
            "suppressed_cells": {"type": "array", "items": {"type": "string"}},
            "mean": {"type": "number"}, "sd": {"type": "number"}}}}}},
    "Revocations": {"type": "object", "required": ["survey", "since", "data"], "properties": {
        "survey": {"type": "string"}, "since": {"type": "string", "nullable": True},
        "data": {"type": "array", "items": {"type": "object", "required": ["respondent", "at", "change"],
                                            "properties": {
            "respondent": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
            "change": {"type": "string", "enum": ["withdrawn", "narrowed"]}}}}}},
}

RECEIPT_SCHEMA = Path(__file__).with_name("consent-receipt.schema.json")


@cache
def receipt_schema() -> dict:
    """The consent receipt's JSON Schema as an OpenAPI 3.0 schema: the file is written in the subset
    both read, so only the keywords naming the file itself are left out."""
    schema = json.loads(RECEIPT_SCHEMA.read_text(encoding="utf-8"))
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


ERROR_WORDS = {400: "Malformed JSON", 401: "Missing, wrong, revoked or expired credentials",
               403: "Not allowed: age not confirmed or a minor (submissions); purpose not registered or survey "
                    "not shared (third parties)", 404: "Unknown survey", 409: "The survey is closed",
               413: "Body too large", 415: "Body not JSON", 422: "Invalid input; `errors` names each field",
               429: "Rate limited; see Retry-After"}


def _operation(summary: str, ok: dict, errors: tuple[int, ...], *, security=None, parameters=(), body=None,
               tag: str) -> dict:
    operation = {"summary": summary, "tags": [tag], "responses": {**ok, **_errors(*errors)},
                 "security": security or []}
    if parameters:
        operation["parameters"] = list(parameters)
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def document() -> dict:
    third = "third parties"
    return {
        "openapi": "3.0.3",
        "info": {"title": "Surveys with disclosure controls", "version": "1",
                 "description": "Respondents submit and manage their own answers with their receipt code; "
                                "third parties receive only what each respondent allowed, under pseudonyms. "
                                "Every page and aggregate served is recorded in a ledger respondents can see."},
        "paths": {
            "/api/v1/surveys/{slug}/responses": {
                "post": _operation("Submit a response", {"201": _json(_ref("Submitted"), "Stored")},
                                   (400, 403, 404, 409, 413, 415, 422, 429), parameters=[SLUG],
                                   body=_ref("Submission"), tag="respondents"),
                "get": _operation("A page of responses, filtered by each respondent's consent",
                                  {"200": _json(_ref("ResponsePage"), "One page")}, (401, 403, 404, 422, 429),
                                  security=BEARER, tag=third, parameters=[
                                      SLUG, PURPOSE,
                                      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                                 "maximum": 1000, "default": 100}},
                                      {"name": "cursor", "in": "query", "schema": {"type": "string"}}, SINCE]),
            },
            "/api/v1/me": {
                "get": _operation("Your own record: answers, consent, and who received what",
                                  {"200": _json(_ref("RespondentRecord"), "Your record")}, (401,),
                                  security=RECEIPT, tag="respondents"),
                "patch": _operation("Correct answers (null removes one) and/or change consent choices",
                                    {"200": _json(_ref("RespondentRecord"), "Your updated record")},
                                    (400, 401, 403, 413, 415, 422), security=RECEIPT, body=_ref("Change"),
                                    tag="respondents"),
                "delete": _operation("Withdraw: your response is erased and never disclosed again",
                                     {"204": {"description": "Erased"}}, (401,), security=RECEIPT,
                                     tag="respondents"),
            },
            "/api/v1/me/consent-receipt": {
                "get": _operation("Your consent record as a receipt, after ISO/IEC TS 27560: purposes and whether "
                                  "each may be served, recipients, retention, how to withdraw, every consent event",
                                  {"200": _json(_ref("ConsentReceipt"), "Your consent receipt")}, (401,),
                                  security=RECEIPT, tag="respondents"),
            },
            "/api/v1/surveys": {
                "get": _operation("The surveys shared with you", {"200": _json(_ref("SurveyList"), "Surveys")},
                                  (401, 429), security=BEARER, tag=third),
            },
            "/api/v1/surveys/{slug}/aggregates": {
                "get": _operation("Counts and summaries, cells under k suppressed",
                                  {"200": _json(_ref("Aggregates"), "Aggregates")}, (401, 403, 404, 422, 429),
                                  security=BEARER, parameters=[SLUG, PURPOSE, SINCE, UNTIL], tag=third),
            },
            "/api/v1/surveys/{slug}/revocations": {
                "get": _operation("Your pseudonyms of respondents who withdrew or narrowed their consent",
                                  {"200": _json(_ref("Revocations"), "What to delete")}, (401, 403, 404, 422, 429),
                                  security=BEARER, parameters=[SLUG, SINCE], tag=third),
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "tags": ["meta"], "security": [],
                        "responses": {"200": {"description": "OpenAPI 3",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}}},
            },
        },
        "components": {
            "schemas": {**SCHEMAS, "ConsentReceipt": receipt_schema()},
            "responses": {f"E{code}": _json(_ref("Error"), words) for code, words in ERROR_WORDS.items()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "From `recipients create`."},
                "receipt": {"type": "apiKey", "in": "header", "name": "X-Receipt",
                            "description": "The receipt code shown once at submission."},
            },
        },
    }
