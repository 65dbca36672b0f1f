-- 0008: cohorts. A server may run several cohorts at once, in different channels; each
-- has its own schedule, dates, curriculum, place in the sequence and roster.
--
-- Each server's schedule becomes one cohort named 'Cohort' that keeps its channel, time,
-- zone, weekdays, start date, round, pause and the channel where facilitators last spoke;
-- its quiet dates and prompt history move to it, so its place in the sequence is kept.
-- A server with history or quiet dates but no schedule (its schedule was deleted) gets
-- an ended cohort holding them, so nothing is lost.

CREATE TABLE cohorts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id          INTEGER NOT NULL,
    name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- a text channel, or a forum channel where each prompt is its own post
    channel_id        INTEGER NOT NULL,
    is_forum          INTEGER NOT NULL DEFAULT 0 CHECK (is_forum IN (0, 1)),
    post_time         TEXT    NOT NULL
        CHECK (post_time GLOB '[0-2][0-9]:[0-5][0-9]' AND post_time <= '23:59'),
    timezone          TEXT    NOT NULL CHECK (length(timezone) > 0),
    -- bit 0 = Monday ... bit 6 = Sunday, as date.weekday() numbers them.
    weekdays          INTEGER NOT NULL DEFAULT 127 CHECK (weekdays BETWEEN 0 AND 127),
    -- local dates (in timezone): no post before starts_on nor after ends_on
    starts_on         TEXT
        CHECK (starts_on IS NULL OR starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    ends_on           TEXT
        CHECK (ends_on IS NULL OR (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'
                                   AND (starts_on IS NULL OR ends_on >= starts_on))),
    curriculum        TEXT    NOT NULL DEFAULT 'default' CHECK (length(curriculum) BETWEEN 1 AND 64),
    -- goes up by one each time the cohort's sequence is used up and starts over
    round             INTEGER NOT NULL DEFAULT 1 CHECK (round >= 1),
    paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- NULL: follow prompts.when_finished in the settings
    when_finished     TEXT    CHECK (when_finished IS NULL OR when_finished IN ('stop', 'restart')),
    -- where facilitators last ran a command: the bot tells them about problems there
    notify_channel_id INTEGER,
    -- the facilitators' private channel: weekly digest and end-of-cohort summary
    digest_channel_id INTEGER,
    created_by        INTEGER,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    -- set when the cohort ends: posts, reminders and digests stop; its data stays
    ended_at          TEXT
);
-- One running cohort per channel, and running cohorts' names are unique in a server
-- (a name is how facilitators pick one); ended cohorts free both.
CREATE UNIQUE INDEX cohorts_running_per_channel ON cohorts (channel_id) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX cohorts_running_names ON cohorts (guild_id, name COLLATE NOCASE)
    WHERE ended_at IS NULL;
CREATE INDEX cohorts_by_guild ON cohorts (guild_id, id);

INSERT INTO cohorts (guild_id, name, channel_id, post_time, timezone, weekdays, starts_on,
                     round, paused, notify_channel_id, created_by, created_at, updated_at)
SELECT guild_id, 'Cohort', channel_id, post_time, timezone, weekdays, starts_on,
       round, paused, notify_channel_id, created_by, updated_at, updated_at
FROM schedules ORDER BY guild_id;

INSERT INTO cohorts (guild_id, name, channel_id, post_time, timezone, round, paused,
                     created_at, updated_at, ended_at)
SELECT orphan.guild_id, 'Cohort',
       COALESCE((SELECT h.channel_id FROM prompt_history h
                 WHERE h.guild_id = orphan.guild_id AND h.channel_id IS NOT NULL
                 ORDER BY h.id DESC LIMIT 1), 0),
       '09:00', 'UTC',
       COALESCE((SELECT MAX(h.round) FROM prompt_history h WHERE h.guild_id = orphan.guild_id), 1),
       1,
       strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'),
       strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'),
       strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')
FROM (SELECT guild_id FROM prompt_history UNION SELECT guild_id FROM quiet_dates) AS orphan
WHERE orphan.guild_id NOT IN (SELECT guild_id FROM schedules)
ORDER BY orphan.guild_id;

-- Prompt history per cohort: "never twice, never skipped" now holds per cohort.
CREATE TABLE prompt_history_by_cohort (
    id         INTEGER PRIMARY KEY,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id),
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
    -- a prompt is used at most once per round of a cohort ...
    UNIQUE (cohort_id, round, prompt_id)
);
-- Each server had exactly one cohort after the inserts above, so the join moves every row.
INSERT INTO prompt_history_by_cohort (id, cohort_id, guild_id, round, prompt_id, status,
                                      local_date, channel_id, message_id, thread_id, at)
SELECT h.id, c.id, h.guild_id, h.round, h.prompt_id, h.status, h.local_date, h.channel_id,
       h.message_id, h.thread_id, h.at
FROM prompt_history AS h JOIN cohorts AS c ON c.guild_id = h.guild_id;
DROP TABLE prompt_history;
ALTER TABLE prompt_history_by_cohort RENAME TO prompt_history;
-- ... and a cohort gets at most one scheduled post per local date.
CREATE UNIQUE INDEX prompt_history_one_per_date ON prompt_history (cohort_id, local_date);
CREATE INDEX prompt_history_by_guild ON prompt_history (guild_id, id);
CREATE INDEX prompt_history_by_thread ON prompt_history (thread_id) WHERE thread_id IS NOT NULL;

CREATE TABLE quiet_dates_by_cohort (
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id),
    local_date TEXT    NOT NULL
        CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    PRIMARY KEY (cohort_id, local_date)
) WITHOUT ROWID;
INSERT INTO quiet_dates_by_cohort (cohort_id, local_date)
SELECT c.id, q.local_date FROM quiet_dates AS q JOIN cohorts AS c ON c.guild_id = q.guild_id;
DROP TABLE quiet_dates;
ALTER TABLE quiet_dates_by_cohort RENAME TO quiet_dates;

DROP TABLE schedules;

-- The cohort a reflection was written in (its post, its channel, or the author's cohort);
-- NULL when that cannot be told. Until now a server was one cohort.
ALTER TABLE reflections ADD COLUMN cohort_id INTEGER REFERENCES cohorts (id);
UPDATE reflections SET cohort_id = (SELECT c.id FROM cohorts AS c WHERE c.guild_id = reflections.guild_id);
CREATE INDEX reflections_by_cohort ON reflections (cohort_id, about_kind, about_id)
    WHERE cohort_id IS NOT NULL;

-- The roster: members who joined (or whom a facilitator added). No privileged intent is
-- needed: members say so themselves. display_name is the name recorded when the member
-- joined or last acted. A reminder is opt-in: remind_at is NULL until the member asks.
CREATE TABLE cohort_members (
    cohort_id     INTEGER NOT NULL REFERENCES cohorts (id),
    user_id       INTEGER NOT NULL,
    guild_id      INTEGER NOT NULL,
    display_name  TEXT    NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    joined_at     TEXT    NOT NULL,
    -- the facilitator who added the member; NULL when they joined themselves
    added_by      INTEGER,
    seen_at       TEXT    NOT NULL,
    remind_at     TEXT
        CHECK (remind_at IS NULL OR (remind_at GLOB '[0-2][0-9]:[0-5][0-9]' AND remind_at <= '23:59')),
    -- NULL: the cohort's zone
    remind_zone   TEXT    CHECK (remind_zone IS NULL OR length(remind_zone) > 0),
    -- a reminder could not be sent as a DM (closed): said privately at their next command
    dm_refused_on TEXT,
    PRIMARY KEY (cohort_id, user_id)
) WITHOUT ROWID;
CREATE INDEX cohort_members_by_member ON cohort_members (guild_id, user_id);

-- What the bot sends on a cohort's behalf besides its posts: reminders (one per member
-- and local date), weekly digests (one per week, keyed by its Monday) and the
-- end-of-cohort summary. Reserved before sending, like posts, so never sent twice.
CREATE TABLE cohort_deliveries (
    id         INTEGER PRIMARY KEY,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('reminder', 'digest', 'final')),
    -- the member reminded; 0 for what goes to the facilitators
    user_id    INTEGER NOT NULL DEFAULT 0,
    local_date TEXT    NOT NULL
        CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    channel_id INTEGER,
    message_id INTEGER,
    -- NULL while reserved and in flight
    outcome    TEXT    CHECK (outcome IS NULL OR outcome IN ('sent', 'refused', 'unclear')),
    at         TEXT    NOT NULL,
    UNIQUE (cohort_id, kind, user_id, local_date)
);
CREATE INDEX cohort_deliveries_in_flight ON cohort_deliveries (at) WHERE outcome IS NULL;
