-- +up
-- The document's pricing schema: fare sets and their fares, fare rules, costs, taxes, tax sets
-- and tax types, promotions and their redemptions. Every tenant row carries its organizer and
-- merchant. Conditions and targets are JSON, validated by the engine before they are saved.

CREATE TABLE {{table "pricing_fare_sets"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    channels {{json}} NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX pricing_fare_sets_code_uq ON {{table "pricing_fare_sets"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX pricing_fare_sets_tenant_idx ON {{table "pricing_fare_sets"}} (organizer_id, merchant_id);

CREATE TABLE {{table "pricing_fares"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    fare_set_id BIGINT NOT NULL REFERENCES {{table "pricing_fare_sets"}} (id),
    variant_id BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    active_from {{ts}},
    active_to {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX pricing_fares_set_idx ON {{table "pricing_fares"}} (fare_set_id, variant_id);
CREATE INDEX pricing_fares_tenant_idx ON {{table "pricing_fares"}} (organizer_id, merchant_id);

CREATE TABLE {{table "pricing_fare_rules"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL CHECK (type IN ('OVERRIDE', 'DISCOUNT', 'MARKUP')),
    mode TEXT NOT NULL CHECK (mode IN ('PERCENT', 'AMOUNT')),
    value BIGINT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    conditions {{json}} NOT NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX pricing_fare_rules_tenant_idx ON {{table "pricing_fare_rules"}} (organizer_id, merchant_id);

-- The document's Cost: what a variant costs the merchant, for margins. Quotes do not read it.
CREATE TABLE {{table "pricing_costs"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    variant_id BIGINT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    active_from {{ts}},
    active_to {{ts}},
    note TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX pricing_costs_variant_idx ON {{table "pricing_costs"}} (merchant_id, variant_id);
CREATE INDEX pricing_costs_tenant_idx ON {{table "pricing_costs"}} (organizer_id, merchant_id);

-- The document's TaxType: the kinds of output VAT of a Vietnamese e-invoice (TSuat). Reference
-- data shared by every tenant.
CREATE TABLE {{table "pricing_tax_types"}} (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    rate_bp BIGINT,
    invoice_rate TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO {{table "pricing_tax_types"}} (id, code, name, rate_bp, invoice_rate, description) VALUES
    (1, 'VAT0', 'Thuế GTGT 0%', 0, '0%', 'Exported goods and services, international transport and the like'),
    (2, 'VAT5', 'Thuế GTGT 5%', 500, '5%', 'Essential goods and services: clean water, food staples, medical equipment, teaching aids'),
    (3, 'VAT8', 'Thuế GTGT 8%', 800, '8%', 'The reduced rate of 2025-07-01 to 2026-12-31 for goods and services normally at 10%'),
    (4, 'VAT10', 'Thuế GTGT 10%', 1000, '10%', 'The standard rate'),
    (5, 'KCT', 'Không chịu thuế GTGT', 0, 'KCT', 'Not subject to VAT; reported apart from 0%'),
    (6, 'KKKNT', 'Không kê khai, tính nộp thuế GTGT', 0, 'KKKNT', 'Not declared, not paid: sellers outside the VAT credit method'),
    (7, 'OTHER', 'Thuế suất khác', NULL, 'KHAC:AB.CD%', 'Any other rate, in basis points on the tax');

-- The document's Tax: a tax a merchant charges, of a type and at its rate.
CREATE TABLE {{table "pricing_taxes"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL REFERENCES {{table "pricing_tax_types"}} (code),
    rate_bp BIGINT NOT NULL CHECK (rate_bp >= 0 AND rate_bp <= 10000),
    description TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX pricing_taxes_code_uq ON {{table "pricing_taxes"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX pricing_taxes_tenant_idx ON {{table "pricing_taxes"}} (organizer_id, merchant_id);

-- The document's TaxSet: which variants and categories a tax applies to.
CREATE TABLE {{table "pricing_tax_sets"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    tax_id BIGINT NOT NULL REFERENCES {{table "pricing_taxes"}} (id),
    variant_ids {{json}} NOT NULL,
    categories {{json}} NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX pricing_tax_sets_code_uq ON {{table "pricing_tax_sets"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX pricing_tax_sets_tenant_idx ON {{table "pricing_tax_sets"}} (organizer_id, merchant_id);

CREATE TABLE {{table "pricing_promotions"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('PERCENT', 'FIXED', 'BUY_X_GET_Y')),
    level TEXT NOT NULL CHECK (level IN ('ITEM', 'ORDER')),
    value BIGINT NOT NULL,
    buy_target {{json}},
    get_target {{json}},
    conditions {{json}} NOT NULL,
    min_subtotal BIGINT NOT NULL DEFAULT 0,
    max_discount BIGINT NOT NULL DEFAULT 0,
    active_from {{ts}},
    active_to {{ts}},
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    total_limit BIGINT NOT NULL DEFAULT 0,
    per_customer_limit BIGINT NOT NULL DEFAULT 0,
    stackable BOOLEAN NOT NULL DEFAULT FALSE,
    priority INTEGER NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX pricing_promotions_code_uq ON {{table "pricing_promotions"}} (merchant_id, code) WHERE deleted_at IS NULL AND code <> '';
CREATE INDEX pricing_promotions_tenant_idx ON {{table "pricing_promotions"}} (organizer_id, merchant_id);

-- One row per redemption; a repeat for the same order counts once.
CREATE TABLE {{table "pricing_promotion_usages"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    promotion_id BIGINT NOT NULL REFERENCES {{table "pricing_promotions"}} (id),
    customer_id BIGINT,
    order_id BIGINT NOT NULL,
    used_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX pricing_promotion_usages_order_uq ON {{table "pricing_promotion_usages"}} (promotion_id, order_id);
CREATE INDEX pricing_promotion_usages_customer_idx ON {{table "pricing_promotion_usages"}} (promotion_id, customer_id);
CREATE INDEX pricing_promotion_usages_tenant_idx ON {{table "pricing_promotion_usages"}} (organizer_id, merchant_id);

-- The version of each merchant's pricing rows, bumped by triggers on every insert, update and
-- delete of the rows a quote reads (whatever writes them: the API, a bulk updateBy or deleteBy,
-- a restore, a seed, another process). A quote compares it with the version of its cached engine.
CREATE TABLE {{table "pricing_versions"}} (
    merchant_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
{{if pg}}
-- The migrator splits files at semicolons that end a line, so the function's statements end
-- mid-line.
CREATE FUNCTION {{table "pricing_bump_version"}}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP <> 'INSERT' THEN INSERT INTO {{table "pricing_versions"}} AS v (merchant_id, version) VALUES (OLD.merchant_id, 1)
        ON CONFLICT (merchant_id) DO UPDATE SET version = v.version + 1; END IF; IF TG_OP <> 'DELETE' THEN
        INSERT INTO {{table "pricing_versions"}} AS v (merchant_id, version) VALUES (NEW.merchant_id, 1)
        ON CONFLICT (merchant_id) DO UPDATE SET version = v.version + 1; END IF; RETURN NULL; END $$;
CREATE TRIGGER pricing_fare_sets_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_fare_sets"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
CREATE TRIGGER pricing_fares_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_fares"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
CREATE TRIGGER pricing_fare_rules_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_fare_rules"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
CREATE TRIGGER pricing_taxes_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_taxes"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
CREATE TRIGGER pricing_tax_sets_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_tax_sets"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
CREATE TRIGGER pricing_promotions_version AFTER INSERT OR UPDATE OR DELETE ON {{table "pricing_promotions"}} FOR EACH ROW EXECUTE FUNCTION {{table "pricing_bump_version"}}();
{{else}}
-- SQLite has one event per trigger; an UPDATE bumps the old merchant too (it may have moved).
CREATE TRIGGER pricing_fare_sets_version_i AFTER INSERT ON pricing_fare_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fare_sets_version_u AFTER UPDATE ON pricing_fare_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fare_sets_version_d AFTER DELETE ON pricing_fare_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fares_version_i AFTER INSERT ON pricing_fares BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fares_version_u AFTER UPDATE ON pricing_fares BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fares_version_d AFTER DELETE ON pricing_fares BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fare_rules_version_i AFTER INSERT ON pricing_fare_rules BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fare_rules_version_u AFTER UPDATE ON pricing_fare_rules BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_fare_rules_version_d AFTER DELETE ON pricing_fare_rules BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_taxes_version_i AFTER INSERT ON pricing_taxes BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_taxes_version_u AFTER UPDATE ON pricing_taxes BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_taxes_version_d AFTER DELETE ON pricing_taxes BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_tax_sets_version_i AFTER INSERT ON pricing_tax_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_tax_sets_version_u AFTER UPDATE ON pricing_tax_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_tax_sets_version_d AFTER DELETE ON pricing_tax_sets BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_promotions_version_i AFTER INSERT ON pricing_promotions BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (NEW.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_promotions_version_u AFTER UPDATE ON pricing_promotions BEGIN
    INSERT INTO pricing_versions (merchant_id, version) SELECT m, 1 FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
CREATE TRIGGER pricing_promotions_version_d AFTER DELETE ON pricing_promotions BEGIN
    INSERT INTO pricing_versions (merchant_id, version) VALUES (OLD.merchant_id, 1) ON CONFLICT (merchant_id) DO UPDATE SET version = version + 1; END;
{{end}}
-- +down
DROP TABLE {{table "pricing_versions"}};
DROP TABLE {{table "pricing_promotion_usages"}};
DROP TABLE {{table "pricing_promotions"}};
DROP TABLE {{table "pricing_tax_sets"}};
DROP TABLE {{table "pricing_taxes"}};
DROP TABLE {{table "pricing_tax_types"}};
DROP TABLE {{table "pricing_costs"}};
DROP TABLE {{table "pricing_fare_rules"}};
DROP TABLE {{table "pricing_fares"}};
DROP TABLE {{table "pricing_fare_sets"}};
{{if pg}}DROP FUNCTION {{table "pricing_bump_version"}}();{{end}}
