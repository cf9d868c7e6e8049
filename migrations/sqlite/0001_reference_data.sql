-- Reference data, loaded from seeds/.
-- Times are integer seconds since the Unix epoch; identifiers that leave the server are random text.

CREATE TABLE districts (
    code        TEXT PRIMARY KEY,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('district', 'county', 'zone', 'city')),
    position    BIGINT NOT NULL,
    retired_at  BIGINT
);

CREATE TABLE departments (
    code           TEXT PRIMARY KEY,
    name_zh        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    -- A local unit names its city-level department and the district it serves.
    parent_code    TEXT REFERENCES departments (code),
    district_code  TEXT REFERENCES districts (code),
    position       BIGINT NOT NULL,
    retired_at     BIGINT,
    CHECK ((parent_code IS NULL) = (district_code IS NULL))
);
CREATE UNIQUE INDEX departments_local_unit ON departments (parent_code, district_code)
    WHERE parent_code IS NOT NULL;

CREATE TABLE categories (
    code             TEXT PRIMARY KEY,
    name_zh          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    department_code  TEXT NOT NULL REFERENCES departments (code),
    position         BIGINT NOT NULL,
    retired_at       BIGINT
);

CREATE TABLE kinds (
    code      TEXT PRIMARY KEY,
    name_zh   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    hint_zh   TEXT NOT NULL,
    hint_en   TEXT NOT NULL,
    position  BIGINT NOT NULL
);

CREATE TABLE deadline_rules (
    step    TEXT PRIMARY KEY,
    days    BIGINT NOT NULL CHECK (days BETWEEN 1 AND 366),
    status  TEXT NOT NULL CHECK (status IN ('confirmed', 'predecessor', 'unconfirmed')),
    source  TEXT NOT NULL
);

-- Every reward policy ever loaded; the highest version is in force, and a reward records
-- the version it was computed under.
CREATE TABLE reward_policies (
    version    BIGINT PRIMARY KEY,
    code       TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  BIGINT NOT NULL
);
