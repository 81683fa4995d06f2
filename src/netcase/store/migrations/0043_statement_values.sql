-- Which entities carry a linking value (a phone, an account, an identifier, an address, an e-mail,
-- or another entity's id in a relation record): the API's and the pages' look-ups of "who else
-- has this phone" and "which records point at this person", by index instead of a scan of every
-- statement. Only a hint of where to look: readers fetch those entities' statements and apply the
-- access policy to them, so a row left behind by a purge shows nothing. Kept by
-- netcase.api.hooks for each ingested file (netcase.store.value_index).
CREATE TABLE statement_values (
    value VARCHAR NOT NULL,
    prop_type VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL
);

INSERT INTO statement_values (value, prop_type, entity_id)
SELECT DISTINCT value, prop_type, entity_id FROM statements
WHERE prop_type IN ('entity', 'phone', 'email', 'iban', 'identifier', 'address');

CREATE INDEX statement_values_value_idx ON statement_values (value);
