-- Notices to the points of contact of conflicting investigations (netcase.cases.notices): one row
-- per side of a deconfliction alert that appeared or was withdrawn. The body follows the pointer
-- model: the recipient's own case and target, the kind of match, and whom to call -- never the
-- other case's content. Written by the cases hooks inside the ingest or resolution transaction;
-- ``sent_at`` is set by whatever delivers them (e-mail gateway, the web inbox).
CREATE TABLE case_notices (
    notice_id VARCHAR PRIMARY KEY,
    alert_kind VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    change_kind VARCHAR NOT NULL,
    investigation_id VARCHAR,
    recipient_agency VARCHAR NOT NULL,
    recipient VARCHAR,
    recipient_phone VARCHAR,
    recipient_email VARCHAR,
    subject VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX case_notices_inv_idx ON case_notices (investigation_id);
