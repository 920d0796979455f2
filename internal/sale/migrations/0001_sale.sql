-- +up
CREATE TABLE {{table "sale_counters"}} (
    merchant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, name)
);

CREATE TABLE {{table "sale_shifts"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    register TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    opened_by BIGINT NOT NULL,
    opening_float BIGINT NOT NULL CHECK (opening_float >= 0),
    expected_cash BIGINT,
    counted_cash BIGINT,
    difference BIGINT,
    closed_by BIGINT,
    opened_at {{ts}} NOT NULL,
    closed_at {{ts}},
    z_report_id BIGINT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX sale_shifts_one_open ON {{table "sale_shifts"}} (merchant_id, register) WHERE status = 'OPEN';

CREATE TABLE {{table "sale_cash_movements"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL REFERENCES {{table "sale_shifts"}} (id),
    kind TEXT NOT NULL CHECK (kind IN ('FLOAT', 'CASH_IN', 'CASH_OUT', 'SALE', 'REFUND')),
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reference_id BIGINT,
    created_by BIGINT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX sale_cash_movements_shift ON {{table "sale_cash_movements"}} (shift_id);

CREATE TABLE {{table "sale_orders"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL REFERENCES {{table "sale_shifts"}} (id),
    number INTEGER NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('DINE_IN', 'TAKE_AWAY', 'DELIVERY')),
    table_code TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    customer_id BIGINT,
    promotion_codes TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL,
    subtotal BIGINT NOT NULL DEFAULT 0,
    discount_total BIGINT NOT NULL DEFAULT 0,
    tax_total BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    paid_total BIGINT NOT NULL DEFAULT 0,
    refunded_total BIGINT NOT NULL DEFAULT 0,
    pricing {{json}},
    expires_at {{ts}},
    created_by BIGINT NOT NULL,
    sent_to_kitchen_at {{ts}},
    checked_out_at {{ts}},
    paid_at {{ts}},
    completed_at {{ts}},
    cancelled_at {{ts}},
    cancel_reason TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    CHECK (paid_total >= 0 AND refunded_total >= 0 AND refunded_total <= paid_total)
);
CREATE INDEX sale_orders_merchant ON {{table "sale_orders"}} (merchant_id, created_at);
CREATE INDEX sale_orders_shift ON {{table "sale_orders"}} (shift_id, status);
CREATE UNIQUE INDEX sale_orders_number ON {{table "sale_orders"}} (merchant_id, number);

CREATE TABLE {{table "sale_order_items"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES {{table "sale_orders"}} (id),
    position INTEGER NOT NULL,
    variant_id BIGINT NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    category_code TEXT NOT NULL DEFAULT '',
    station_code TEXT NOT NULL DEFAULT '',
    track_stock BOOLEAN NOT NULL DEFAULT FALSE,
    quantity BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 9999),
    unit_price BIGINT NOT NULL,
    modifiers {{json}} NOT NULL,
    modifier_key TEXT NOT NULL DEFAULT '',
    subtotal BIGINT NOT NULL DEFAULT 0,
    discount BIGINT NOT NULL DEFAULT 0,
    tax_rate TEXT NOT NULL DEFAULT '',
    tax BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    refunded_quantity BIGINT NOT NULL DEFAULT 0,
    kitchen_status TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE INDEX sale_order_items_order ON {{table "sale_order_items"}} (order_id);

CREATE TABLE {{table "sale_payments"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES {{table "sale_orders"}} (id),
    shift_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    tendered BIGINT NOT NULL DEFAULT 0,
    change_due BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    reference TEXT NOT NULL,
    instruction {{json}},
    expires_at {{ts}},
    paid_at {{ts}},
    created_by BIGINT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE INDEX sale_payments_order ON {{table "sale_payments"}} (order_id);
CREATE UNIQUE INDEX sale_payments_reference ON {{table "sale_payments"}} (provider, reference);

CREATE TABLE {{table "sale_payment_callbacks"}} (
    id BIGINT PRIMARY KEY,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    payment_id BIGINT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    payload {{json}} NOT NULL,
    received_at {{ts}} NOT NULL
);
CREATE INDEX sale_payment_callbacks_ref ON {{table "sale_payment_callbacks"}} (provider, reference);

CREATE TABLE {{table "sale_kitchen_tickets"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES {{table "sale_orders"}} (id),
    order_number INTEGER NOT NULL,
    station_code TEXT NOT NULL,
    table_code TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE INDEX sale_kitchen_tickets_station ON {{table "sale_kitchen_tickets"}} (merchant_id, station_code, status);

CREATE TABLE {{table "sale_kitchen_items"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES {{table "sale_kitchen_tickets"}} (id),
    order_item_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    modifiers {{json}} NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('QUEUED', 'PREPARING', 'READY', 'SERVED', 'VOIDED')),
    updated_at {{ts}} NOT NULL
);
CREATE INDEX sale_kitchen_items_ticket ON {{table "sale_kitchen_items"}} (ticket_id);

CREATE TABLE {{table "sale_refunds"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES {{table "sale_orders"}} (id),
    payment_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    tax BIGINT NOT NULL,
    lines {{json}} NOT NULL,
    restock BOOLEAN NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE INDEX sale_refunds_order ON {{table "sale_refunds"}} (order_id);

CREATE TABLE {{table "sale_z_reports"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    shift_id BIGINT NOT NULL UNIQUE,
    number INTEGER NOT NULL,
    data {{json}} NOT NULL,
    created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX sale_z_reports_number ON {{table "sale_z_reports"}} (merchant_id, number);
-- +down
DROP TABLE {{table "sale_z_reports"}};
DROP TABLE {{table "sale_refunds"}};
DROP TABLE {{table "sale_kitchen_items"}};
DROP TABLE {{table "sale_kitchen_tickets"}};
DROP TABLE {{table "sale_payment_callbacks"}};
DROP TABLE {{table "sale_payments"}};
DROP TABLE {{table "sale_order_items"}};
DROP TABLE {{table "sale_orders"}};
DROP TABLE {{table "sale_cash_movements"}};
DROP TABLE {{table "sale_shifts"}};
DROP TABLE {{table "sale_counters"}};
