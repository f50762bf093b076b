//! The tables, written by hand in the type subset Diesel's `MultiBackend` shares between
//! PostgreSQL and SQLite (`BigInt`, `Text`, `Bool`, `Timestamp`, `Nullable`). Both migration
//! folders must produce tables that read as these types.

diesel::table! {
    /// Django's `auth_user`. `password` holds the encoded hash, never a password.
    users (id) {
        id -> BigInt,
        username -> Text,
        email -> Text,
        password -> Text,
        is_active -> Bool,
        is_staff -> Bool,
        is_superuser -> Bool,
        date_joined -> Timestamp,
        last_login -> Nullable<Timestamp>,
        first_name -> Text,
        last_name -> Text,
        tokens_cutoff_at -> Nullable<Timestamp>,
        tokens_cutoff_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Logins and the token families they start; `tag` leads every jti of the family.
    sessions (id) {
        id -> BigInt,
        tag -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// One opaque key per user: the salt it derives from and its digest, never the key.
    opaque_keys (user_id) {
        user_id -> BigInt,
        salt -> Text,
        digest -> Text,
        created -> Timestamp,
    }
}

diesel::table! {
    /// Keys another system issued (DRF's `authtoken_token`, brought over by an import): their
    /// digest only, at most one per user.
    imported_keys (user_id) {
        user_id -> BigInt,
        digest -> Text,
        created -> Timestamp,
    }
}

diesel::table! {
    /// simplejwt's `OutstandingToken`, by jti only (the token itself is never stored).
    outstanding_tokens (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        jti -> Text,
        created_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
        parent_jti -> Nullable<Text>,
    }
}

diesel::table! {
    /// simplejwt's `BlacklistedToken`; `token_id` is UNIQUE, which settles blacklisting races.
    blacklisted_tokens (id) {
        id -> BigInt,
        token_id -> BigInt,
        blacklisted_at -> Timestamp,
    }
}

diesel::table! {
    /// Failed logins per submitted name (keyed digest), for the lockout.
    login_failures (subject) {
        subject -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Periodic work shared by the instances: when it last started, and how often it ran.
    scheduled_tasks (name) {
        name -> Text,
        last_started_at -> Timestamp,
        runs -> BigInt,
    }
}

diesel::joinable!(opaque_keys -> users (user_id));
diesel::joinable!(imported_keys -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(outstanding_tokens -> users (user_id));
diesel::joinable!(blacklisted_tokens -> outstanding_tokens (token_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    opaque_keys,
    imported_keys,
    outstanding_tokens,
    blacklisted_tokens,
    sessions
);
