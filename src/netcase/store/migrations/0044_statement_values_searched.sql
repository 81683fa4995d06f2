-- The index of values (0043) also holds every value the search looks up: names, aliases and the
-- identifying codes (netcase.store.value_index.INDEXED_PROPS), so a search reads the entities that
-- carry a matching value by index instead of scanning every statement.
INSERT INTO statement_values (value, prop_type, entity_id)
SELECT DISTINCT value, prop_type, entity_id FROM statements
WHERE prop_type NOT IN ('entity', 'phone', 'email', 'iban', 'identifier', 'address')
  AND (prop_type = 'name' OR prop IN ('name', 'alias', 'weakAlias', 'previousName', 'firstName', 'lastName',
       'registrationNumber', 'accountNumber', 'iban', 'passportNumber', 'idNumber', 'phone', 'email',
       'callerNumber', 'receiverNumber', 'number'));
