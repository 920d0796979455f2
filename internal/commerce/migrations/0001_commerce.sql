-- +up
CREATE TABLE {{table "merchant_types"}} (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE {{table "merchants"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL REFERENCES {{table "merchant_types"}} (code),
    status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
    currency TEXT NOT NULL DEFAULT 'VND',
    timezone TEXT NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    price_includes_tax BOOLEAN NOT NULL DEFAULT TRUE,
    vat_rate TEXT NOT NULL DEFAULT 'VAT10' CHECK (vat_rate IN ('VAT0', 'VAT5', 'VAT8', 'VAT10', 'KCT', 'KKKNT')),
    tax_code TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    barcode_config {{json}},
    onboarding_key TEXT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
-- One merchant per (organizer, onboarding key): a repeated onboarding (a redelivered
-- SellerRegistered, a retried POST with the same Idempotency-Key) finds the first. NULL keys are
-- distinct on both databases, so merchants created without a key are not limited.
CREATE UNIQUE INDEX merchants_onboarding_uq ON {{table "merchants"}} (organizer_id, onboarding_key);
CREATE INDEX merchants_organizer_idx ON {{table "merchants"}} (organizer_id);

CREATE TABLE {{table "category_templates"}} (
    id BIGINT PRIMARY KEY,
    merchant_type TEXT NOT NULL REFERENCES {{table "merchant_types"}} (code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    station_code TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX category_templates_code_uq ON {{table "category_templates"}} (merchant_type, code);

CREATE TABLE {{table "stations"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX stations_code_uq ON {{table "stations"}} (merchant_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "categories"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    parent_id BIGINT REFERENCES {{table "categories"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    station_id BIGINT REFERENCES {{table "stations"}} (id),
    station_code TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    position INTEGER NOT NULL DEFAULT 0,
    template_id BIGINT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX categories_code_uq ON {{table "categories"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX categories_parent_idx ON {{table "categories"}} (parent_id);
CREATE INDEX categories_station_idx ON {{table "categories"}} (station_id);

CREATE TABLE {{table "sale_channels"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX sale_channels_code_uq ON {{table "sale_channels"}} (merchant_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "terminals"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    sale_channel_code TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX terminals_code_uq ON {{table "terminals"}} (merchant_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "devices"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    terminal_id BIGINT REFERENCES {{table "terminals"}} (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'POS' CHECK (kind IN ('POS', 'KDS', 'KIOSK', 'PRINTER', 'OTHER')),
    platform TEXT NOT NULL DEFAULT '',
    serial TEXT NOT NULL DEFAULT '',
    app_version TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'REVOKED')),
    permissions {{json}},
    token_id TEXT NOT NULL,
    token_expires_at {{ts}} NOT NULL,
    enrolled_at {{ts}} NOT NULL,
    revoked_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX devices_token_uq ON {{table "devices"}} (token_id);
CREATE INDEX devices_merchant_idx ON {{table "devices"}} (merchant_id);

-- One-time enrolment codes: only a SHA-256 of the code is stored.
CREATE TABLE {{table "device_enrollments"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    code_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'POS',
    terminal_id BIGINT REFERENCES {{table "terminals"}} (id),
    permissions {{json}},
    created_by BIGINT NOT NULL DEFAULT 0,
    expires_at {{ts}} NOT NULL,
    used_at {{ts}},
    device_id BIGINT,
    created_at {{ts}} NOT NULL
);
CREATE INDEX device_enrollments_merchant_idx ON {{table "device_enrollments"}} (merchant_id);

CREATE TABLE {{table "modifier_groups"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    min_select INTEGER NOT NULL DEFAULT 0 CHECK (min_select >= 0),
    max_select INTEGER NOT NULL DEFAULT 1 CHECK (max_select >= 1 AND max_select >= min_select),
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX modifier_groups_code_uq ON {{table "modifier_groups"}} (merchant_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "modifier_options"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    group_id BIGINT NOT NULL REFERENCES {{table "modifier_groups"}} (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    price BIGINT NOT NULL DEFAULT 0 CHECK (price >= 0),
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX modifier_options_group_idx ON {{table "modifier_options"}} (group_id);
CREATE UNIQUE INDEX modifier_options_code_uq ON {{table "modifier_options"}} (group_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "products"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    category_id BIGINT REFERENCES {{table "categories"}} (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX products_merchant_idx ON {{table "products"}} (merchant_id, id);
CREATE INDEX products_category_idx ON {{table "products"}} (category_id);

CREATE TABLE {{table "product_infos"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    product_id BIGINT NOT NULL UNIQUE REFERENCES {{table "products"}} (id),
    unit TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    images {{json}},
    attributes {{json}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);

CREATE TABLE {{table "product_variants"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    product_id BIGINT NOT NULL REFERENCES {{table "products"}} (id),
    name TEXT NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    options {{json}},
    price BIGINT NOT NULL CHECK (price >= 0),
    currency TEXT NOT NULL DEFAULT 'VND',
    tax_rate TEXT NOT NULL DEFAULT '' CHECK (tax_rate IN ('', 'VAT0', 'VAT5', 'VAT8', 'VAT10', 'KCT', 'KKKNT')),
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    track_stock BOOLEAN NOT NULL DEFAULT FALSE,
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX product_variants_product_idx ON {{table "product_variants"}} (product_id, position);
CREATE INDEX product_variants_merchant_idx ON {{table "product_variants"}} (merchant_id);

-- Every code a product is found by: SKU, EAN-13, UPC-A (stored as its EAN-13), EAN-8, PLU (the
-- item code of weighed-item barcodes) or a custom code. A code is unique per merchant whatever
-- its type, so a scan finds one thing.
CREATE TABLE {{table "product_identifiers"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    product_id BIGINT NOT NULL REFERENCES {{table "products"}} (id),
    variant_id BIGINT REFERENCES {{table "product_variants"}} (id),
    type TEXT NOT NULL CHECK (type IN ('SKU', 'EAN13', 'UPCA', 'EAN8', 'PLU', 'CUSTOM')),
    code TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX product_identifiers_code_uq ON {{table "product_identifiers"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX product_identifiers_product_idx ON {{table "product_identifiers"}} (product_id);
CREATE INDEX product_identifiers_variant_idx ON {{table "product_identifiers"}} (variant_id);

CREATE TABLE {{table "variant_modifier_groups"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL REFERENCES {{table "merchants"}} (id),
    variant_id BIGINT NOT NULL REFERENCES {{table "product_variants"}} (id),
    group_id BIGINT NOT NULL REFERENCES {{table "modifier_groups"}} (id),
    min_select INTEGER CHECK (min_select >= 0),
    max_select INTEGER CHECK (max_select >= 1),
    position INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX variant_modifier_groups_uq ON {{table "variant_modifier_groups"}} (variant_id, group_id);
CREATE INDEX variant_modifier_groups_group_idx ON {{table "variant_modifier_groups"}} (group_id);
-- +down
DROP TABLE {{table "variant_modifier_groups"}};
DROP TABLE {{table "product_identifiers"}};
DROP TABLE {{table "product_variants"}};
DROP TABLE {{table "product_infos"}};
DROP TABLE {{table "products"}};
DROP TABLE {{table "modifier_options"}};
DROP TABLE {{table "modifier_groups"}};
DROP TABLE {{table "device_enrollments"}};
DROP TABLE {{table "devices"}};
DROP TABLE {{table "terminals"}};
DROP TABLE {{table "sale_channels"}};
DROP TABLE {{table "categories"}};
DROP TABLE {{table "stations"}};
DROP TABLE {{table "category_templates"}};
DROP TABLE {{table "merchants"}};
DROP TABLE {{table "merchant_types"}};
