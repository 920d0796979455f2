-- +up
CREATE TABLE {{table "meta_links"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT,
    principal_type TEXT NOT NULL,
    principal_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('IMAGE', 'DOCUMENT', 'MEDIA', 'FILE')),
    bucket_name TEXT NOT NULL,
    object_name TEXT NOT NULL,
    mimetype TEXT NOT NULL,
    size BIGINT NOT NULL CHECK (size >= 0),
    etag TEXT NOT NULL DEFAULT '',
    storage_type TEXT NOT NULL CHECK (storage_type IN ('DISK', 'MINIO')),
    original_name TEXT NOT NULL DEFAULT '',
    width INTEGER,
    height INTEGER,
    thumbnail_name TEXT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX meta_links_principal_idx ON {{table "meta_links"}} (organizer_id, principal_type, principal_id);
CREATE INDEX meta_links_merchant_idx ON {{table "meta_links"}} (merchant_id);
CREATE UNIQUE INDEX meta_links_object_uq ON {{table "meta_links"}} (bucket_name, object_name);
CREATE TABLE {{table "asset_url_keys"}} (
    id TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_at {{ts}} NOT NULL
);
-- +down
DROP TABLE {{table "asset_url_keys"}};
DROP TABLE {{table "meta_links"}};
