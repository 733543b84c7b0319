"""Indicators and exports (no Qt)."""
