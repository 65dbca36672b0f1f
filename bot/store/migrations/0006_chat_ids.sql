-- 0006: integer ids for chats whose ids are text (Slack: T…, C…, U…, message "ts").
-- Every other table keys servers, channels, members and messages by integer; a face
-- with text ids maps each one here once and uses -id, so its ids are negative and can
-- never equal a Discord snowflake (positive) or the console's 0 and 1.
CREATE TABLE chat_ids (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT    NOT NULL CHECK (platform <> ''),
    external_id TEXT    NOT NULL CHECK (external_id <> ''),
    UNIQUE (platform, external_id)
);
