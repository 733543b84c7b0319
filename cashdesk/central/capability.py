"""The server's CapabilityStatement (GET /metadata): what any FHIR client may ask of it."""

from __future__ import annotations

from typing import Any

from cashdesk import __version__
from cashdesk.central.store import RESOURCE_TYPES

_SEARCH = [
    {"name": "_id", "type": "token"},
    {"name": "identifier", "type": "token"},
    {"name": "_lastUpdated", "type": "date"},
]
_INTERACTIONS = [
    "read",
    "vread",
    "update",
    "delete",
    "create",
    "search-type",
    "history-instance",
    "history-type",
]


def capability_statement(base: str, started: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": started,
        "publisher": "CashDesk",
        "kind": "instance",
        "software": {"name": "CashDesk central server", "version": __version__},
        "implementation": {"description": "CashDesk central sync server", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer tokens from POST /auth/token (username, password, device).",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ],
                            "text": "Bearer token",
                        }
                    ]
                },
                "resource": [
                    {
                        "type": type_,
                        "versioning": "versioned-update",
                        "readHistory": True,
                        "updateCreate": True,
                        "conditionalCreate": False,
                        "interaction": [{"code": code} for code in _INTERACTIONS],
                        "searchParam": _SEARCH,
                    }
                    for type_ in RESOURCE_TYPES
                ],
                "interaction": [{"code": "transaction"}, {"code": "history-system"}],
            }
        ],
    }
