"""Importing the registry from spreadsheets: reading files (tables), mapping columns (fields), rows, the run."""
