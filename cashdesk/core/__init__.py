"""Plumbing shared by every feature package: ids, errors, paths, the database, long jobs."""
