-- +up
-- The document's FinanceWallet: where a merchant's money is. balance is the sum of the wallet's
-- postings, changed only in the transaction that inserts a posting (store.post) and proved by the
-- reconciliation. methods are the tender methods (and PURCHASE) whose money the wallet receives;
-- finance_wallet_routes keeps them unique per merchant.
CREATE TABLE {{table "finance_wallets"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('CASH', 'BANK', 'EWALLET', 'CREDIT_CARD')),
    currency TEXT NOT NULL DEFAULT 'VND',
    balance BIGINT NOT NULL DEFAULT 0,
    methods {{json}} NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    account_number TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX finance_wallets_default_uq ON {{table "finance_wallets"}} (merchant_id, type) WHERE is_default AND deleted_at IS NULL;
CREATE INDEX finance_wallets_tenant_idx ON {{table "finance_wallets"}} (organizer_id, merchant_id);

-- Which live wallet of a merchant receives a tender method: one per method.
CREATE TABLE {{table "finance_wallet_routes"}} (
    merchant_id BIGINT NOT NULL,
    method TEXT NOT NULL,
    wallet_id BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, method)
);
CREATE INDEX finance_wallet_routes_wallet_idx ON {{table "finance_wallet_routes"}} (wallet_id);

-- The document's FinanceCategory.
CREATE TABLE {{table "finance_categories"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('INCOME', 'EXPENSE')),
    description TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX finance_categories_code_uq ON {{table "finance_categories"}} (merchant_id, code) WHERE deleted_at IS NULL;
CREATE INDEX finance_categories_tenant_idx ON {{table "finance_categories"}} (organizer_id, merchant_id);

-- The document's FinanceTransaction: one posting of one wallet, never updated or deleted (the
-- triggers below refuse it whatever the code does). amount is signed: what the posting adds to
-- the wallet's balance. source_key names what the posting records (PAYMENT:<id>,
-- REFUND:<id>, PURCHASE_RECEIPT:<id>, REVERSAL:<id>, TRANSFER:<id>:OUT, MANUAL:<id>): unique
-- per merchant, it makes every handler and every reversal post once.
CREATE TABLE {{table "finance_transactions"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    wallet_id BIGINT NOT NULL REFERENCES {{table "finance_wallets"}} (id),
    category_id BIGINT,
    type TEXT NOT NULL CHECK (type IN ('INCOME', 'EXPENSE', 'TRANSFER')),
    amount BIGINT NOT NULL CHECK (amount <> 0 AND amount >= -1000000000000 AND amount <= 1000000000000),
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    source_key TEXT NOT NULL,
    reference_id BIGINT,
    reverses_id BIGINT REFERENCES {{table "finance_transactions"}} (id),
    transfer_id BIGINT,
    counter_wallet_id BIGINT,
    description TEXT NOT NULL DEFAULT '',
    occurred_at {{ts}} NOT NULL,
    created_by BIGINT NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX finance_transactions_source_uq ON {{table "finance_transactions"}} (merchant_id, source_key);
CREATE INDEX finance_transactions_wallet_idx ON {{table "finance_transactions"}} (wallet_id, occurred_at);
CREATE INDEX finance_transactions_tenant_idx ON {{table "finance_transactions"}} (organizer_id, merchant_id, occurred_at);
CREATE INDEX finance_transactions_reverses_idx ON {{table "finance_transactions"}} (reverses_id);
{{if pg}}
CREATE FUNCTION {{table "finance_postings_append_only"}}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'finance postings are append-only: post a reversal' USING ERRCODE = '23514'; END $$;
CREATE TRIGGER finance_transactions_append_only BEFORE UPDATE OR DELETE ON {{table "finance_transactions"}} FOR EACH ROW EXECUTE FUNCTION {{table "finance_postings_append_only"}}();
{{else}}
CREATE TRIGGER finance_transactions_no_update BEFORE UPDATE ON finance_transactions BEGIN SELECT RAISE(ABORT, 'finance postings are append-only: post a reversal'); END;
CREATE TRIGGER finance_transactions_no_delete BEFORE DELETE ON finance_transactions BEGIN SELECT RAISE(ABORT, 'finance postings are append-only: post a reversal'); END;
{{end}}
-- +down
DROP TABLE {{table "finance_transactions"}};
{{if pg}}
DROP FUNCTION {{table "finance_postings_append_only"}}();
{{end}}
DROP TABLE {{table "finance_categories"}};
DROP TABLE {{table "finance_wallet_routes"}};
DROP TABLE {{table "finance_wallets"}};
