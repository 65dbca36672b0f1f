-- 0005: sharing a reflection is reserved before it is sent, and anonymity lasts.
--
-- seen_anonymously: once a reflection has been shown (or was being shown) without its
-- author's name, exports and listings for anyone but its author keep it anonymous,
-- whatever its visibility is later changed to.
ALTER TABLE reflections ADD COLUMN seen_anonymously INTEGER NOT NULL DEFAULT 0
    CHECK (seen_anonymously IN (0, 1));
UPDATE reflections SET seen_anonymously = 1 WHERE visibility = 'anonymous';

-- A share in flight: set before the post is sent, cleared once it is recorded or known
-- not to exist. A crash in between leaves it set, and the bot settles it on restart by
-- looking for the post in this channel, so no public post is ever left untracked.
ALTER TABLE reflections ADD COLUMN pending_channel_id INTEGER;
ALTER TABLE reflections ADD COLUMN pending_visibility TEXT
    CHECK (pending_visibility IS NULL OR pending_visibility IN ('cohort', 'anonymous'));
ALTER TABLE reflections ADD COLUMN pending_since TEXT;
CREATE INDEX reflections_pending ON reflections (pending_since)
    WHERE pending_since IS NOT NULL;
