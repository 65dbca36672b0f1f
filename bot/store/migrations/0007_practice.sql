-- 0007: practice. Every answer a member gives to a practice item (a myth's claim or an
-- approach's check), and where each member stands on each item (the gap reached and
-- when it is due again). Both are private to the member: read back only for them, and
-- for facilitators only as counts of first and latest myth answers, never with ids.
-- cohort_id stays NULL until practice is narrowed to one cohort of a server.
CREATE TABLE practice_answers (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    cohort_id   INTEGER,
    user_id     INTEGER NOT NULL,
    item_id     TEXT    NOT NULL CHECK (length(item_id) BETWEEN 1 AND 100),
    choice      TEXT    NOT NULL CHECK (length(choice) BETWEEN 1 AND 20),
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at TEXT    NOT NULL
);
CREATE INDEX practice_answers_member ON practice_answers (guild_id, user_id, id);
CREATE INDEX practice_answers_item ON practice_answers (guild_id, item_id, user_id, id);

CREATE TABLE practice_state (
    guild_id    INTEGER NOT NULL,
    cohort_id   INTEGER,
    user_id     INTEGER NOT NULL,
    item_id     TEXT    NOT NULL,
    step        INTEGER NOT NULL CHECK (step >= 0),
    due_at      TEXT    NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, item_id)
);
