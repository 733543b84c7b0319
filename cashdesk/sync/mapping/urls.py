"""Every URL the mapping writes: identifier systems, extensions and code systems, under one base.

The base is a placeholder domain that no one else will use; a scheme that publishes its own profiles can
change it once here (and in docs/fhir.md) before its first sync. Changing it after data has synced
would orphan every stored extension, so it is a constant, not a setting.
"""

from __future__ import annotations

from urllib.parse import quote

BASE = "https://cashdesk.example.org/fhir"


def extension_url(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


def identifier_system(name: str) -> str:
    return f"{BASE}/identifier/{name}"


def code_system(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


def document_system(id_type: str) -> str:
    """An identity document kind is typed freely ("national_id", "refugee card"): quoted into its URL."""
    return identifier_system(f"document/{quote(id_type, safe='')}")


LOCATION_PATH = code_system("location-path")  # meta.tag: the materialised path of a resource's place
LOCATION_TYPE = code_system("location-type")  # region, district, village, pay-point
CUSTOM_FIELD = extension_url("custom-field")
# On a history entry: the version moved the resource out of the caller's places (central/store.py).
MOVED_OUT = extension_url("moved-out")
