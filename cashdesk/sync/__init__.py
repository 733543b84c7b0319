"""Synchronisation with the central server: the FHIR mapping, and later the outbox, client and conflicts."""
