-- A new terminal's master key is split into two components, each sealed
-- under the local master key until its custodian collects it, once; no one
-- person may collect both (split knowledge). Only check values stay on record.
CREATE TABLE terminal_key_components (
    serial            TEXT NOT NULL,
    part              INTEGER NOT NULL,
    sealed            BYTEA,
    kcv               TEXT NOT NULL,
    collected_by      TEXT,
    collected_at      BIGINT,
    PRIMARY KEY (serial, part)
);
