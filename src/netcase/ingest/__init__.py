"""Ingest: agency exports → statements with provenance and markings; bad rows → quarantine."""
