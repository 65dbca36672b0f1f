-- 0002: small named values the bot keeps between runs, not tied to a server
-- (e.g. the fingerprint of the last slash-command sync).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
