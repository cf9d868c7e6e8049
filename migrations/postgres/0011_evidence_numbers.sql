-- Evidence files are numbered per tip (证据-01, 证据-02, …) and shown under that neutral name;
-- the sender's own file name is kept, sealed, only with an original the reporter chose to
-- keep, and that original shares the number of its cleaned copy. Files from before have no
-- number and keep the name they were stored with.
ALTER TABLE attachments ADD COLUMN number INTEGER;
