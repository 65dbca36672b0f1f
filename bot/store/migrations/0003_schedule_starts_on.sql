-- 0003: the first local date a schedule may post on. A schedule created (or moved)
-- after that day's post time starts the next day, rather than posting at once.
ALTER TABLE schedules ADD COLUMN starts_on TEXT
    CHECK (starts_on IS NULL OR starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
