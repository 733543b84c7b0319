"""The beneficiary registry: locations, households, members, imports, duplicates (no Qt)."""
