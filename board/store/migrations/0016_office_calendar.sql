-- Office calendars: each office's time zone and working week, and its public holidays (board.org.calendar).
-- The calendar sits in its own table rather than in columns of offices: DuckDB may run an update of a row that
-- other rows reference as delete plus insert (see 0011), and teams, suggestions and meetings reference offices.
-- An office without a row here follows the organisation's time zone (settings.time_zone), Monday to Friday.
CREATE TABLE office_calendars (
    office_id INTEGER PRIMARY KEY REFERENCES offices (id),
    -- an IANA name ("Europe/Warsaw"); NULL: the organisation's time zone (settings.time_zone)
    time_zone VARCHAR,
    -- the working weekdays as Python numbers, comma-separated, in order: '0,1,2,3,4' is Monday to Friday,
    -- '6,0,1,2,3' Sunday to Thursday
    working_days VARCHAR NOT NULL DEFAULT '0,1,2,3,4'
);

-- Public holidays, imported from CSV: no deadline counts them as working days.
CREATE TABLE office_holidays (
    office_id INTEGER NOT NULL REFERENCES offices (id),
    day DATE NOT NULL,
    name VARCHAR NOT NULL,
    PRIMARY KEY (office_id, day)
);
