-- Tips filed per clock hour by every instance together: the whole-system cap
-- (limits.tips_per_hour) holds however many instances serve the portal.
CREATE TABLE intake_hours (
    hour  BIGINT PRIMARY KEY,  -- Unix time / 3600
    tips  BIGINT NOT NULL
);
