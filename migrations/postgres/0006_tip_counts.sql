-- Counts of tips by department, district, category, kind and status, kept by a trigger in
-- the same transaction as the change: the queue's counts and the oversight statistics read at
-- most some ten thousand rows here instead of scanning a million tips.

CREATE TABLE tip_counts (
    department_code   TEXT NOT NULL,
    district_code     TEXT NOT NULL,
    category_code     TEXT NOT NULL,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    tips              BIGINT NOT NULL,
    -- Of these, concluded (concluded_at set), and the seconds from receipt to conclusion.
    concluded         BIGINT NOT NULL,
    conclude_seconds  BIGINT NOT NULL,
    PRIMARY KEY (department_code, district_code, category_code, kind, status)
);

INSERT INTO tip_counts
SELECT department_code, district_code, category_code, kind, status, COUNT(*),
       SUM(CASE WHEN concluded_at IS NULL THEN 0 ELSE 1 END), COALESCE(SUM(concluded_at - received_at), 0)
FROM tips GROUP BY department_code, district_code, category_code, kind, status;

CREATE FUNCTION tip_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tip_counts SET tips = tips - 1,
            concluded = concluded - CASE WHEN OLD.concluded_at IS NULL THEN 0 ELSE 1 END,
            conclude_seconds = conclude_seconds - COALESCE(OLD.concluded_at - OLD.received_at, 0)
        WHERE department_code = OLD.department_code AND district_code = OLD.district_code
            AND category_code = OLD.category_code AND kind = OLD.kind
            AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO tip_counts VALUES (NEW.department_code, NEW.district_code, NEW.category_code, NEW.kind,
            NEW.status, 1, CASE WHEN NEW.concluded_at IS NULL THEN 0 ELSE 1 END,
            COALESCE(NEW.concluded_at - NEW.received_at, 0))
        ON CONFLICT (department_code, district_code, category_code, kind, status) DO UPDATE SET
            tips = tip_counts.tips + EXCLUDED.tips, concluded = tip_counts.concluded + EXCLUDED.concluded,
            conclude_seconds = tip_counts.conclude_seconds + EXCLUDED.conclude_seconds;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tip_counts_insert_delete AFTER INSERT OR DELETE ON tips
    FOR EACH ROW EXECUTE FUNCTION tip_counts_change();
CREATE TRIGGER tip_counts_update AFTER UPDATE OF department_code, district_code, category_code, kind,
    status, concluded_at, received_at ON tips
    FOR EACH ROW WHEN (OLD.department_code IS DISTINCT FROM NEW.department_code
        OR OLD.district_code IS DISTINCT FROM NEW.district_code OR OLD.category_code IS DISTINCT FROM NEW.category_code
        OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.concluded_at IS DISTINCT FROM NEW.concluded_at
        OR OLD.received_at IS DISTINCT FROM NEW.received_at)
    EXECUTE FUNCTION tip_counts_change();

-- Overdue tips are found by their due date (only open tips have one), counted by department
-- or district from the index alone.
DROP INDEX tips_due;
CREATE INDEX tips_due ON tips (due_at, department_code, district_code);

-- A department's open tips by due date: overdue and due-soon filters and the due-first order.
CREATE INDEX tips_department_due ON tips (department_code, due_at, status);

-- A department's tips newest or oldest first, carrying what the filters the counts above
-- cannot answer look at (status, assignee, due date), so those are counted from the index.
DROP INDEX tips_department;
CREATE INDEX tips_department ON tips (department_code, received_at, status, assignee_id, due_at);

-- A district's tips of a department, newest or oldest first.
CREATE INDEX tips_district ON tips (department_code, district_code, received_at);

-- The newest or oldest tips of all departments, for the 安委办, all or by status.
CREATE INDEX tips_received ON tips (received_at);
CREATE INDEX tips_status ON tips (status, received_at);
