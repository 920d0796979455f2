-- +up
CREATE TABLE {{table "configurations"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT,
    code TEXT NOT NULL,
    "group" TEXT NOT NULL DEFAULT 'GENERAL',
    description TEXT NOT NULL DEFAULT '',
    data_type TEXT NOT NULL CHECK (data_type IN ('TEXT', 'NUMBER', 'BOOLEAN', 'JSON', 'SECRET')),
    value {{json}} NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX configurations_code_uq ON {{table "configurations"}} (organizer_id, COALESCE(merchant_id, 0), code) WHERE deleted_at IS NULL;
CREATE INDEX configurations_merchant_idx ON {{table "configurations"}} (merchant_id);
-- +down
DROP TABLE {{table "configurations"}};
