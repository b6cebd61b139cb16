-- Each meeting's problems discussed and solutions recorded (the items still in its minutes), kept on the meeting
-- in the same transaction as every write of its items (board/meetings/minutes.py count_items), so that the
-- dashboards, the minutes overview and the minutes list read the meetings alone instead of grouping every item.
ALTER TABLE meetings ADD COLUMN problems INTEGER DEFAULT 0;
ALTER TABLE meetings ADD COLUMN solutions INTEGER DEFAULT 0;

UPDATE meetings SET
    problems = (SELECT count(*) FROM meeting_items i WHERE i.meeting_id = meetings.id AND NOT i.removed
                AND i.kind IN ('real_problem', 'anticipated_problem')),
    solutions = (SELECT count(*) FROM meeting_items i WHERE i.meeting_id = meetings.id AND NOT i.removed
                 AND i.solution <> '');
