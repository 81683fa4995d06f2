"""The data model: statements with provenance, handling markings and 28 CFR Part 23 fields."""
