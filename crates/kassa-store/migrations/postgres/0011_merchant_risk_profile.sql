-- What risk rules need to know about a merchant beyond its record: where it
-- is registered (`lat,lon`, for mobile readers' distance), and when its name
-- or category last changed (milliseconds, comma-separated, newest last, at most 20),
-- and its tier (small | standard | large), which sets its limits in the rules.
ALTER TABLE merchants ADD COLUMN location TEXT;
ALTER TABLE merchants ADD COLUMN profile_changes TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN tier TEXT NOT NULL DEFAULT 'standard';
