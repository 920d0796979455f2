-- +up
CREATE TABLE {{table "organizers"}} (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id BIGINT,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX organizers_owner_idx ON {{table "organizers"}} (owner_id);
CREATE TABLE {{table "users"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT REFERENCES {{table "organizers"}} (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'BLOCKED')),
    last_sign_in_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE INDEX users_organizer_idx ON {{table "users"}} (organizer_id);
CREATE TABLE {{table "user_identifiers"}} (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    scheme TEXT NOT NULL CHECK (scheme IN ('USERNAME', 'EMAIL', 'PHONE_NUMBER', 'USER_NUMBER', 'NX_AUTH')),
    value TEXT NOT NULL,
    verified_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX user_identifiers_value_uq ON {{table "user_identifiers"}} (scheme, value);
CREATE INDEX user_identifiers_user_idx ON {{table "user_identifiers"}} (user_id);
CREATE TABLE {{table "user_profiles"}} (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'vi',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX user_profiles_user_uq ON {{table "user_profiles"}} (user_id);
CREATE TABLE {{table "user_credentials"}} (
    user_id BIGINT PRIMARY KEY REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    changed_at {{ts}} NOT NULL
);
CREATE TABLE {{table "roles"}} (
    id BIGINT PRIMARY KEY,
    code INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX roles_code_uq ON {{table "roles"}} (code);
CREATE UNIQUE INDEX roles_name_uq ON {{table "roles"}} (name);
CREATE TABLE {{table "permissions"}} (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX permissions_code_uq ON {{table "permissions"}} (code);
CREATE TABLE {{table "role_permissions"}} (
    id BIGINT PRIMARY KEY,
    role_id BIGINT NOT NULL REFERENCES {{table "roles"}} (id) ON DELETE CASCADE,
    permission_id BIGINT NOT NULL REFERENCES {{table "permissions"}} (id) ON DELETE CASCADE,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX role_permissions_uq ON {{table "role_permissions"}} (role_id, permission_id);
CREATE TABLE {{table "user_roles"}} (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES {{table "roles"}} (id) ON DELETE CASCADE,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX user_roles_uq ON {{table "user_roles"}} (user_id, role_id);
CREATE TABLE {{table "employees"}} (
    id BIGINT PRIMARY KEY,
    organizer_id BIGINT NOT NULL REFERENCES {{table "organizers"}} (id),
    user_id BIGINT NOT NULL REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    code TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE')),
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    deleted_at {{ts}}
);
CREATE UNIQUE INDEX employees_user_uq ON {{table "employees"}} (user_id);
CREATE INDEX employees_organizer_idx ON {{table "employees"}} (organizer_id);
-- Merchants belong to commerce: merchant_id is a plain id, without a foreign key.
CREATE TABLE {{table "employee_merchants"}} (
    id BIGINT PRIMARY KEY,
    employee_id BIGINT NOT NULL REFERENCES {{table "employees"}} (id) ON DELETE CASCADE,
    organizer_id BIGINT NOT NULL,
    merchant_id BIGINT NOT NULL,
    pin_hash TEXT,
    pin_set_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX employee_merchants_uq ON {{table "employee_merchants"}} (employee_id, merchant_id);
CREATE INDEX employee_merchants_merchant_idx ON {{table "employee_merchants"}} (merchant_id);
CREATE TABLE {{table "mail_verifications"}} (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES {{table "users"}} (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL DEFAULT '',
    code_expires_at {{ts}},
    attempts INTEGER NOT NULL DEFAULT 0,
    token_hash TEXT,
    token_expires_at {{ts}},
    sends INTEGER NOT NULL DEFAULT 0,
    window_started_at {{ts}},
    last_sent_at {{ts}},
    locked_until {{ts}},
    verified_at {{ts}},
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX mail_verifications_email_uq ON {{table "mail_verifications"}} (email);
CREATE UNIQUE INDEX mail_verifications_token_uq ON {{table "mail_verifications"}} (token_hash);
-- Tokens identity issued (kind user or pin) and tokens signed out that it did not issue (kind
-- external). No foreign key: a token of a user who is gone must read as revoked, not vanish.
CREATE TABLE {{table "access_tokens"}} (
    jti TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    merchant_id BIGINT,
    issued_at {{ts}} NOT NULL,
    expires_at {{ts}} NOT NULL,
    revoked_at {{ts}}
);
CREATE INDEX access_tokens_user_idx ON {{table "access_tokens"}} (user_id);
CREATE INDEX access_tokens_expiry_idx ON {{table "access_tokens"}} (expires_at);
CREATE TABLE {{table "sign_in_throttles"}} (
    bucket TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    window_ends_at BIGINT NOT NULL
);
CREATE INDEX sign_in_throttles_end_idx ON {{table "sign_in_throttles"}} (window_ends_at);
-- +down
DROP TABLE {{table "sign_in_throttles"}};
DROP TABLE {{table "access_tokens"}};
DROP TABLE {{table "mail_verifications"}};
DROP TABLE {{table "employee_merchants"}};
DROP TABLE {{table "employees"}};
DROP TABLE {{table "user_roles"}};
DROP TABLE {{table "role_permissions"}};
DROP TABLE {{table "permissions"}};
DROP TABLE {{table "roles"}};
DROP TABLE {{table "user_credentials"}};
DROP TABLE {{table "user_profiles"}};
DROP TABLE {{table "user_identifiers"}};
DROP TABLE {{table "users"}};
DROP TABLE {{table "organizers"}};
