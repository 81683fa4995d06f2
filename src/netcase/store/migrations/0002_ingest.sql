-- Ingest: what a quarantine row refused: a whole row ('row'), one value ('value') or one entity of
-- a row ('entity', e.g. a payment without a beneficiary).
ALTER TABLE quarantine ADD COLUMN scope VARCHAR;
