-- Who is protected (victims and minors), derived from the statements and the resolution and kept
-- here so that every read's access filter is a lookup, not a scan of all statements. Refreshed by
-- netcase.access.hooks inside the transaction of each ingest file and resolution run; the
-- definition lives in netcase.access.protected (this migration fills it once for existing data,
-- with the same rules).
CREATE TABLE protected_entities (
    entity_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    PRIMARY KEY (entity_id, kind)
);

INSERT INTO protected_entities (entity_id, kind)
SELECT DISTINCT entity_id, 'victim' FROM (
SELECT p.entity_id FROM statements p WHERE ((p.prop = 'nc:protected' AND lower(p.value) = 'victim') OR (p.prop = 'nc:subjectCategory' AND lower(p.value) = 'victim')) UNION SELECT r2.entity_id FROM statements p JOIN resolved r1 ON r1.entity_id = p.entity_id JOIN resolved r2 ON r2.canonical_id = r1.canonical_id WHERE ((p.prop = 'nc:protected' AND lower(p.value) = 'victim') OR (p.prop = 'nc:subjectCategory' AND lower(p.value) = 'victim')) UNION SELECT r1.canonical_id FROM statements p JOIN resolved r1 ON r1.entity_id = p.entity_id WHERE ((p.prop = 'nc:protected' AND lower(p.value) = 'victim') OR (p.prop = 'nc:subjectCategory' AND lower(p.value) = 'victim'))
) f;

INSERT INTO protected_entities (entity_id, kind)
SELECT DISTINCT entity_id, 'minor' FROM (
SELECT p.entity_id FROM statements p WHERE p.prop = 'nc:minor' AND lower(p.value) IN ('true', 'yes', '1', 'y') UNION SELECT r2.entity_id FROM statements p JOIN resolved r1 ON r1.entity_id = p.entity_id JOIN resolved r2 ON r2.canonical_id = r1.canonical_id WHERE p.prop = 'nc:minor' AND lower(p.value) IN ('true', 'yes', '1', 'y') UNION SELECT r1.canonical_id FROM statements p JOIN resolved r1 ON r1.entity_id = p.entity_id WHERE p.prop = 'nc:minor' AND lower(p.value) IN ('true', 'yes', '1', 'y')
) f;
