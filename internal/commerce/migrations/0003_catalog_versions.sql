-- +up
-- catalog_versions has a row per merchant whose value changes, in the same transaction, with every
-- insert, update or delete of the rows sale and pricing read of it (the merchant, its stations,
-- categories, products, variants and modifiers), whoever writes them. Commerce's catalog cache
-- keeps what it read with the version it read first, and reads again when the version differs.
-- The value is never reused, also after a rollback (a sequence on PostgreSQL, a random 64-bit
-- number on SQLite), so rows read inside a transaction that rolled back never pass for current.
CREATE TABLE {{table "catalog_versions"}} (
    merchant_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
{{if pg}}
CREATE SEQUENCE {{table "catalog_version_seq"}};
-- The migrator splits files at semicolons that end a line, so the function's statements end
-- mid-line. The merchants table is its own merchant (id); the others name it (merchant_id).
CREATE FUNCTION {{table "commerce_bump_catalog"}}() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE m BIGINT; BEGIN
    IF TG_OP <> 'INSERT' THEN IF TG_TABLE_NAME = 'merchants' THEN m := OLD.id; ELSE m := OLD.merchant_id; END IF; INSERT INTO
        {{table "catalog_versions"}} AS v (merchant_id, version) VALUES (m, nextval('{{table "catalog_version_seq"}}'))
        ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END IF; IF TG_OP <> 'DELETE' THEN
        IF TG_TABLE_NAME = 'merchants' THEN m := NEW.id; ELSE m := NEW.merchant_id; END IF; INSERT INTO
        {{table "catalog_versions"}} AS v (merchant_id, version) VALUES (m, nextval('{{table "catalog_version_seq"}}'))
        ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END IF; RETURN NULL; END $$;
CREATE TRIGGER merchants_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "merchants"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER stations_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "stations"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER categories_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "categories"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER modifier_groups_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "modifier_groups"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER modifier_options_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "modifier_options"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER products_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "products"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER product_variants_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "product_variants"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
CREATE TRIGGER variant_modifier_groups_catalog_version AFTER INSERT OR UPDATE OR DELETE ON {{table "variant_modifier_groups"}} FOR EACH ROW EXECUTE FUNCTION {{table "commerce_bump_catalog"}}();
{{else}}
-- SQLite has one event per trigger; an UPDATE bumps the old merchant too (it may have moved).
CREATE TRIGGER merchants_catalog_version_i AFTER INSERT ON merchants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER merchants_catalog_version_u AFTER UPDATE ON merchants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.id AS m UNION SELECT OLD.id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER merchants_catalog_version_d AFTER DELETE ON merchants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER stations_catalog_version_i AFTER INSERT ON stations BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER stations_catalog_version_u AFTER UPDATE ON stations BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER stations_catalog_version_d AFTER DELETE ON stations BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER categories_catalog_version_i AFTER INSERT ON categories BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER categories_catalog_version_u AFTER UPDATE ON categories BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER categories_catalog_version_d AFTER DELETE ON categories BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_groups_catalog_version_i AFTER INSERT ON modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_groups_catalog_version_u AFTER UPDATE ON modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_groups_catalog_version_d AFTER DELETE ON modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_options_catalog_version_i AFTER INSERT ON modifier_options BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_options_catalog_version_u AFTER UPDATE ON modifier_options BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER modifier_options_catalog_version_d AFTER DELETE ON modifier_options BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER products_catalog_version_i AFTER INSERT ON products BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER products_catalog_version_u AFTER UPDATE ON products BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER products_catalog_version_d AFTER DELETE ON products BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER product_variants_catalog_version_i AFTER INSERT ON product_variants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER product_variants_catalog_version_u AFTER UPDATE ON product_variants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER product_variants_catalog_version_d AFTER DELETE ON product_variants BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER variant_modifier_groups_catalog_version_i AFTER INSERT ON variant_modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (NEW.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER variant_modifier_groups_catalog_version_u AFTER UPDATE ON variant_modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) SELECT m, random() FROM (SELECT NEW.merchant_id AS m UNION SELECT OLD.merchant_id) WHERE true ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
CREATE TRIGGER variant_modifier_groups_catalog_version_d AFTER DELETE ON variant_modifier_groups BEGIN
    INSERT INTO catalog_versions (merchant_id, version) VALUES (OLD.merchant_id, random()) ON CONFLICT (merchant_id) DO UPDATE SET version = excluded.version; END;
{{end}}
-- +down
{{if pg}}
DROP TRIGGER merchants_catalog_version ON {{table "merchants"}};
DROP TRIGGER stations_catalog_version ON {{table "stations"}};
DROP TRIGGER categories_catalog_version ON {{table "categories"}};
DROP TRIGGER modifier_groups_catalog_version ON {{table "modifier_groups"}};
DROP TRIGGER modifier_options_catalog_version ON {{table "modifier_options"}};
DROP TRIGGER products_catalog_version ON {{table "products"}};
DROP TRIGGER product_variants_catalog_version ON {{table "product_variants"}};
DROP TRIGGER variant_modifier_groups_catalog_version ON {{table "variant_modifier_groups"}};
DROP FUNCTION {{table "commerce_bump_catalog"}}();
DROP SEQUENCE {{table "catalog_version_seq"}};
{{else}}
DROP TRIGGER merchants_catalog_version_i;
DROP TRIGGER merchants_catalog_version_u;
DROP TRIGGER merchants_catalog_version_d;
DROP TRIGGER stations_catalog_version_i;
DROP TRIGGER stations_catalog_version_u;
DROP TRIGGER stations_catalog_version_d;
DROP TRIGGER categories_catalog_version_i;
DROP TRIGGER categories_catalog_version_u;
DROP TRIGGER categories_catalog_version_d;
DROP TRIGGER modifier_groups_catalog_version_i;
DROP TRIGGER modifier_groups_catalog_version_u;
DROP TRIGGER modifier_groups_catalog_version_d;
DROP TRIGGER modifier_options_catalog_version_i;
DROP TRIGGER modifier_options_catalog_version_u;
DROP TRIGGER modifier_options_catalog_version_d;
DROP TRIGGER products_catalog_version_i;
DROP TRIGGER products_catalog_version_u;
DROP TRIGGER products_catalog_version_d;
DROP TRIGGER product_variants_catalog_version_i;
DROP TRIGGER product_variants_catalog_version_u;
DROP TRIGGER product_variants_catalog_version_d;
DROP TRIGGER variant_modifier_groups_catalog_version_i;
DROP TRIGGER variant_modifier_groups_catalog_version_u;
DROP TRIGGER variant_modifier_groups_catalog_version_d;
{{end}}
DROP TABLE {{table "catalog_versions"}};
