-- 0001: the first cohort-bot schema.
--
-- Applied by bot/store/migrate.py inside one transaction together with every other
-- pending migration; do not put BEGIN/COMMIT here. Never edit a shipped migration:
-- add 0002_*.sql instead, so existing databases upgrade in place.
--
-- Ids are Discord snowflakes (they fit in SQLite's 64-bit INTEGER). Timestamps are
-- UTC ISO-8601 text with microseconds ('2025-01-31T08:00:00.000000+00:00'), so text
-- order is time order. Local dates are 'YYYY-MM-DD' in the server's schedule timezone.

-- One posting schedule per server.
CREATE TABLE schedules (
    guild_id          INTEGER PRIMARY KEY,
    channel_id        INTEGER NOT NULL,
    post_time         TEXT    NOT NULL
        CHECK (post_time GLOB '[0-2][0-9]:[0-5][0-9]' AND post_time <= '23:59'),
    timezone          TEXT    NOT NULL CHECK (length(timezone) > 0),
    -- bit 0 = Monday ... bit 6 = Sunday, as date.weekday() numbers them.
    weekdays          INTEGER NOT NULL DEFAULT 127 CHECK (weekdays BETWEEN 0 AND 127),
    paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- where facilitators last ran a command: the bot tells them about problems there.
    notify_channel_id INTEGER,
    -- goes up by one each time the prompt sequence is used up and starts over.
    round             INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    created_by        INTEGER,
    updated_at        TEXT    NOT NULL
);

-- Dates on which a server wants no scheduled post (holidays, breaks).
CREATE TABLE quiet_dates (
    guild_id   INTEGER NOT NULL,
    local_date TEXT    NOT NULL
        CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    PRIMARY KEY (guild_id, local_date)
) WITHOUT ROWID;

-- Every prompt a server has used, by prompt id (not position), so maintainers can
-- insert, reorder and delete prompts without moving any server's place.
CREATE TABLE prompt_history (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    round      INTEGER NOT NULL CHECK (round >= 1),
    prompt_id  TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('posted', 'skipped', 'manual')),
    -- set for scheduled posts only; NULL for manual posts and skips.
    local_date TEXT
        CHECK (local_date IS NULL
               OR local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    channel_id INTEGER,
    -- NULL while a post is reserved but not yet confirmed as sent.
    message_id INTEGER,
    thread_id  INTEGER,
    at         TEXT    NOT NULL,
    -- a prompt is used at most once per round ...
    UNIQUE (guild_id, round, prompt_id)
);
-- ... and a server gets at most one scheduled post per local date (NULLs are distinct,
-- so manual posts and skips are not limited).
CREATE UNIQUE INDEX prompt_history_one_per_date ON prompt_history (guild_id, local_date);

-- Members' reflections. AUTOINCREMENT so a deleted reflection's number is never
-- given to someone else's new one.
CREATE TABLE reflections (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          INTEGER NOT NULL,
    author_id         INTEGER NOT NULL,
    about_kind        TEXT    NOT NULL
        CHECK (about_kind IN ('prompt', 'approach', 'expert', 'myth')),
    about_id          TEXT    NOT NULL,
    text              TEXT    NOT NULL,
    visibility        TEXT    NOT NULL DEFAULT 'private'
        CHECK (visibility IN ('private', 'cohort', 'anonymous')),
    shared_channel_id INTEGER,
    shared_message_id INTEGER,
    created_at        TEXT    NOT NULL,
    edited_at         TEXT
);
CREATE INDEX reflections_by_author ON reflections (guild_id, author_id, id);
CREATE INDEX reflections_by_time ON reflections (guild_id, created_at);
CREATE INDEX reflections_by_subject ON reflections (guild_id, about_kind, about_id);
