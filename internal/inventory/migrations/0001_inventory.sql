-- +up
CREATE TABLE {{table "inventory_locations"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'STORE' CHECK (type IN ('STORE', 'WAREHOUSE')),
    address TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX inventory_locations_code_uq ON {{table "inventory_locations"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX inventory_locations_default_uq ON {{table "inventory_locations"}} (merchant_id) WHERE is_default AND deleted_at IS NULL;
CREATE INDEX inventory_locations_tenant_idx ON {{table "inventory_locations"}} (organizer_id, merchant_id);

-- The document's Inventory: one row per variant and location. Available is derived, never
-- written, and the checks make a negative quantity impossible whatever the code does.
CREATE TABLE {{table "inventory_items"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    variant_id BIGINT NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    quantity_on_hand BIGINT NOT NULL DEFAULT 0,
    quantity_reserved BIGINT NOT NULL DEFAULT 0,
    quantity_available BIGINT GENERATED ALWAYS AS (quantity_on_hand - quantity_reserved) STORED,
    reorder_point BIGINT NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    unit_cost BIGINT NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CONSTRAINT inventory_items_reserved_ck CHECK (quantity_reserved >= 0),
    CONSTRAINT inventory_items_available_ck CHECK (quantity_reserved <= quantity_on_hand)
);
CREATE UNIQUE INDEX inventory_items_location_variant_uq ON {{table "inventory_items"}} (location_id, variant_id);
CREATE INDEX inventory_items_variant_idx ON {{table "inventory_items"}} (merchant_id, variant_id);
CREATE INDEX inventory_items_tenant_idx ON {{table "inventory_items"}} (organizer_id, merchant_id);

CREATE TABLE {{table "inventory_tracking_types"}} (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('INBOUND', 'OUTBOUND', 'NEUTRAL')),
    quantity TEXT NOT NULL CHECK (quantity IN ('ON_HAND', 'RESERVED')),
    description TEXT NOT NULL
);

-- The audit trail: one row per change of one item, never updated or deleted.
CREATE TABLE {{table "inventory_trackings"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES {{table "inventory_items"}} (id),
    location_id BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    type TEXT NOT NULL,
    direction TEXT NOT NULL,
    quantity_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    on_hand_before BIGINT NOT NULL,
    on_hand_after BIGINT NOT NULL,
    reserved_before BIGINT NOT NULL,
    reserved_after BIGINT NOT NULL,
    cost_amount BIGINT NOT NULL DEFAULT 0,
    document_type TEXT NOT NULL,
    document_id BIGINT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    actor_kind TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    CONSTRAINT inventory_trackings_chain_ck CHECK (on_hand_after = on_hand_before + quantity_delta AND reserved_after = reserved_before + reserved_delta)
);
CREATE INDEX inventory_trackings_item_idx ON {{table "inventory_trackings"}} (item_id, id);
CREATE INDEX inventory_trackings_tenant_idx ON {{table "inventory_trackings"}} (organizer_id, merchant_id, created_at);
CREATE INDEX inventory_trackings_document_idx ON {{table "inventory_trackings"}} (document_type, document_id);

CREATE TABLE {{table "inventory_reservations"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES {{table "inventory_items"}} (id),
    location_id BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'EXPIRED', 'COMMITTED')),
    expires_at {{ts}},
    reason TEXT NOT NULL DEFAULT '',
    cost_amount BIGINT NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    closed_at {{ts}}
);
CREATE INDEX inventory_reservations_reference_idx ON {{table "inventory_reservations"}} (organizer_id, reference);
CREATE INDEX inventory_reservations_item_idx ON {{table "inventory_reservations"}} (item_id, status);

-- FIFO cost layers: one per inbound movement that brings stock with a cost.
CREATE TABLE {{table "inventory_cost_layers"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES {{table "inventory_items"}} (id),
    location_id BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    source_type TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    unit_cost BIGINT NOT NULL CHECK (unit_cost >= 0),
    quantity_received BIGINT NOT NULL CHECK (quantity_received > 0),
    quantity_remaining BIGINT NOT NULL CHECK (quantity_remaining >= 0 AND quantity_remaining <= quantity_received),
    received_at {{ts}} NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX inventory_cost_layers_item_idx ON {{table "inventory_cost_layers"}} (item_id, received_at, id);

CREATE TABLE {{table "inventory_vendors"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    tax_code TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX inventory_vendors_code_uq ON {{table "inventory_vendors"}} (organizer_id, code) WHERE deleted_at IS NULL;

CREATE TABLE {{table "purchase_orders"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    vendor_id BIGINT NOT NULL REFERENCES {{table "inventory_vendors"}} (id),
    location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PROCESSING', 'CONFIRMED', 'COMPLETED', 'CANCELLED')),
    currency TEXT NOT NULL DEFAULT 'VND',
    total_amount BIGINT NOT NULL DEFAULT 0,
    received_amount BIGINT NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    expected_at {{ts}},
    submitted_at {{ts}},
    confirmed_at {{ts}},
    completed_at {{ts}},
    cancelled_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX purchase_orders_code_uq ON {{table "purchase_orders"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX purchase_orders_tenant_idx ON {{table "purchase_orders"}} (organizer_id, merchant_id, status);

CREATE TABLE {{table "purchase_order_items"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    purchase_order_id BIGINT NOT NULL REFERENCES {{table "purchase_orders"}} (id),
    variant_id BIGINT NOT NULL,
    quantity_ordered BIGINT NOT NULL CHECK (quantity_ordered > 0),
    quantity_received BIGINT NOT NULL DEFAULT 0,
    unit_cost BIGINT NOT NULL CHECK (unit_cost >= 0),
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CONSTRAINT purchase_order_items_received_ck CHECK (quantity_received >= 0 AND quantity_received <= quantity_ordered)
);
CREATE UNIQUE INDEX purchase_order_items_variant_uq ON {{table "purchase_order_items"}} (purchase_order_id, variant_id);

CREATE TABLE {{table "purchase_order_receipts"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    purchase_order_id BIGINT NOT NULL REFERENCES {{table "purchase_orders"}} (id),
    location_id BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    lines {{json}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    received_at {{ts}} NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX purchase_order_receipts_order_idx ON {{table "purchase_order_receipts"}} (purchase_order_id);

CREATE TABLE {{table "inventory_adjustments"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'APPLIED', 'REJECTED')),
    reason TEXT NOT NULL DEFAULT '',
    lines {{json}} NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    processed_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE INDEX inventory_adjustments_tenant_idx ON {{table "inventory_adjustments"}} (organizer_id, merchant_id, created_at);

CREATE TABLE {{table "inventory_transfers"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    from_location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    to_location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    status TEXT NOT NULL CHECK (status IN ('IN_TRANSIT', 'RECEIVED', 'CANCELLED')),
    lines {{json}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    shipped_at {{ts}} NOT NULL,
    closed_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CONSTRAINT inventory_transfers_locations_ck CHECK (from_location_id <> to_location_id)
);
CREATE INDEX inventory_transfers_tenant_idx ON {{table "inventory_transfers"}} (organizer_id, merchant_id, created_at);

CREATE TABLE {{table "inventory_counts"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL REFERENCES {{table "inventory_locations"}} (id),
    lines {{json}} NOT NULL,
    variance BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT,
    created_at {{ts}} NOT NULL
);
CREATE INDEX inventory_counts_tenant_idx ON {{table "inventory_counts"}} (organizer_id, merchant_id, created_at);

-- Idempotency-Key records: the first successful response to (scope, key), kept for replays.
CREATE TABLE {{table "inventory_idempotency"}} (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX inventory_idempotency_created_idx ON {{table "inventory_idempotency"}} (created_at);
-- +down
DROP TABLE {{table "inventory_idempotency"}};
DROP TABLE {{table "inventory_counts"}};
DROP TABLE {{table "inventory_transfers"}};
DROP TABLE {{table "inventory_adjustments"}};
DROP TABLE {{table "purchase_order_receipts"}};
DROP TABLE {{table "purchase_order_items"}};
DROP TABLE {{table "purchase_orders"}};
DROP TABLE {{table "inventory_vendors"}};
DROP TABLE {{table "inventory_cost_layers"}};
DROP TABLE {{table "inventory_reservations"}};
DROP TABLE {{table "inventory_trackings"}};
DROP TABLE {{table "inventory_tracking_types"}};
DROP TABLE {{table "inventory_items"}};
DROP TABLE {{table "inventory_locations"}};
