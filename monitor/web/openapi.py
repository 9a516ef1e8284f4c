"""The OpenAPI 3.1 document of the JSON API (served at ``/api/openapi.json``); tests check the routes
answer as it says."""

from __future__ import annotations

from typing import Any

from monitor import __version__


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {code: _json(_ref("Error"), words) for code, words in (
    ("400", "bad input: the reason in one line"), ("401", "no access token, or a wrong one"),
    ("404", "no such trial"), ("409", "the edit cannot be made (already watched, or `trials: all`)"))}
TRIAL_ID = {"name": "trial_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^NCT[0-9]{8}$"},
            "description": "an NCT id"}
NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Event": {
        "type": "object",
        "required": ["trial", "kind", "level", "text", "old", "new", "detected_at", "posted"],
        "properties": {
            "trial": {"type": "string"}, "kind": {"type": "string"},
            "level": {"enum": ["high", "medium", "low", "info"]}, "field": NULLABLE_STRING,
            "text": {"type": "string", "description": "the sentence, as plain text"},
            "old": {"description": "the value before (e.g. the status code the registry gave)"},
            "new": {"description": "the value after"},
            "detected_at": {"type": "string", "format": "date-time"},
            "posted": {**NULLABLE_STRING, "description": "the record's last update posted date when it was seen"},
            "source": {"type": "string"},
        },
    },
    "Trial": {
        "type": "object",
        "required": ["id", "status", "awaiting_baseline", "latest_change", "results", "next_expected", "url"],
        "properties": {
            "id": {"type": "string"}, "label": NULLABLE_STRING, "title": NULLABLE_STRING, "status": NULLABLE_STRING,
            "status_words": {"type": "string"}, "awaiting_baseline": {"type": "boolean"},
            "missing_since": NULLABLE_STRING, "served_as": NULLABLE_STRING, "found_by": NULLABLE_STRING,
            "last_update_posted": NULLABLE_STRING, "last_checked_at": NULLABLE_STRING,
            "latest_change": {"type": ["object", "null"]}, "results": NULLABLE_STRING,
            "next_expected": NULLABLE_STRING, "expectations": {"type": "array", "items": {"type": "string"}},
            "registry_url": {"type": "string"}, "url": {"type": "string"},
        },
    },
    "TrialList": {
        "type": "object", "required": ["trials", "total", "offset", "limit", "next"],
        "properties": {"trials": {"type": "array", "items": _ref("Trial")}, "total": {"type": "integer"},
                       "offset": {"type": "integer"}, "limit": {"type": "integer"}, "next": NULLABLE_STRING},
    },
    "TrialDetail": {
        "type": "object", "required": ["id", "status", "awaiting_baseline", "card", "timeline"],
        "properties": {"id": {"type": "string"}, "label": NULLABLE_STRING, "title": NULLABLE_STRING,
                       "status": NULLABLE_STRING, "awaiting_baseline": {"type": "boolean"},
                       "card": {"type": ["object", "null"]}, "expectations": {"type": "array"},
                       "timeline": {"type": "array", "items": _ref("Event")}},
    },
    "Events": {"type": "object", "required": ["events"],
               "properties": {"events": {"type": "array", "items": _ref("Event")}}},
    "Status": {"type": "object", "required": ["last_check", "next_check", "registry_outage", "watched", "deliveries"],
               "properties": {"last_check": {"type": ["object", "null"]}, "next_check": NULLABLE_STRING,
                              "registry_outage": {"type": ["object", "null"]}, "watched": {"type": "integer"},
                              "searches": {"type": "array"}, "deliveries": {"type": "array"}}},
    "NewTrial": {"type": "object", "required": ["id"],
                 "properties": {"id": {"type": "string"}, "label": {"type": "string", "maxLength": 200}}},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "trial-monitor", "version": __version__,
             "description": "The watched trials, their changes, and the monitor's state. Every route takes "
                            "`Authorization: Bearer <token>`."},
    "components": {"schemas": SCHEMAS, "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    "security": [{"token": []}],
    "paths": {
        "/api/v1/trials": {
            "get": {"summary": "The watched trials, each with its current state",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                               "maximum": 5000}},
                                   {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
                    "responses": {"200": _json(_ref("TrialList"), "a page of trials"), **ERRORS}},
            "post": {"summary": "Watch a trial (the watchlist file is edited, comments kept)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewTrial")}}},
                     "responses": {"201": _json({"type": "object"}, "watched from now on"), **ERRORS}},
        },
        "/api/v1/trials/{trial_id}": {
            "parameters": [TRIAL_ID],
            "get": {"summary": "A trial's state and timeline",
                    "responses": {"200": _json(_ref("TrialDetail"), "the trial"), **ERRORS}},
            "delete": {"summary": "Stop watching a trial (its history stays)",
                       "responses": {"204": {"description": "no longer watched"}, **ERRORS}},
        },
        "/api/v1/trials/{trial_id}/events": {
            "parameters": [TRIAL_ID],
            "get": {"summary": "A trial's events, newest first",
                    "responses": {"200": _json(_ref("Events"), "its events"), **ERRORS}},
        },
        "/api/v1/events": {
            "get": {"summary": "Events detected since a time, oldest first",
                    "parameters": [
                        {"name": "since", "in": "query", "required": True,
                         "schema": {"type": "string", "format": "date-time"}},
                        {"name": "min_level", "in": "query", "schema": {"enum": ["high", "medium", "low", "info"]}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 5000}},
                    ],
                    "responses": {"200": _json(_ref("Events"), "the events"), **ERRORS}},
        },
        "/api/v1/status": {
            "get": {"summary": "The monitor's state: last and next check, outage, deliveries",
                    "responses": {"200": _json(_ref("Status"), "the state"), **ERRORS}},
        },
    },
}
