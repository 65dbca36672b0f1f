-- 0004: settings a server's admins change from Discord (not config.yaml), one row per
-- server. facilitator_role_id names the facilitator role by id: a role's name can be
-- copied by anyone with Manage Roles, its id cannot.
CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    facilitator_role_id INTEGER CHECK (facilitator_role_id IS NULL OR facilitator_role_id > 0),
    updated_at          TEXT    NOT NULL
);
