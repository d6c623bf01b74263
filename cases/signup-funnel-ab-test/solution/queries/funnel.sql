-- Signup funnel per platform and for everyone: what people do in the 7 days after their first visit.
--
-- Output columns, in this order (the checks rely on them):
--   segment                   'all', 'android', 'ios', 'web' (users.platform; 'all' is everyone)
--   step                      'first_visit', 'signup_started', 'signup_completed', 'first_booking'
--   users                     people who did this step, and every step before it, within 7 days
--   conversion_from_previous  users / users at the previous step, as a fraction; 1.0 for first_visit
-- One row per segment and step (16 rows), ordered by segment (alphabetically), then by step in the
-- order above. Internal users (users.is_internal = 1) are left out; everyone else has a first_visit.
-- "Within 7 days" means occurred_at >= first_seen_at AND occurred_at < datetime(first_seen_at, '+7 days').
WITH people AS (
    SELECT user_id, platform, first_seen_at, datetime(first_seen_at, '+7 days') AS window_end
    FROM users
    WHERE is_internal = 0
),
flags AS (  -- one row per person: which steps they did inside their window (duplicates collapse here)
    SELECT p.user_id,
           p.platform,
           COALESCE(MAX(e.event_name = 'signup_started'), 0) AS started,
           COALESCE(MAX(e.event_name = 'signup_completed'), 0) AS completed,
           COALESCE(MAX(e.event_name = 'first_booking'), 0) AS booked
    FROM people AS p
    LEFT JOIN events AS e
           ON e.user_id = p.user_id
          AND e.occurred_at >= p.first_seen_at
          AND e.occurred_at < p.window_end
    GROUP BY p.user_id, p.platform
),
segmented AS (
    SELECT platform AS segment, started, completed, booked FROM flags
    UNION ALL
    SELECT 'all', started, completed, booked FROM flags
),
counts AS (  -- nested: a step counts only for people who also reached every step before it
    SELECT segment,
           COUNT(*) AS n1,
           SUM(started) AS n2,
           SUM(started AND completed) AS n3,
           SUM(started AND completed AND booked) AS n4
    FROM segmented
    GROUP BY segment
),
steps(step_order, step) AS (
    VALUES (1, 'first_visit'), (2, 'signup_started'), (3, 'signup_completed'), (4, 'first_booking')
)
SELECT c.segment,
       s.step,
       CASE s.step_order WHEN 1 THEN n1 WHEN 2 THEN n2 WHEN 3 THEN n3 ELSE n4 END AS users,
       CAST(CASE s.step_order WHEN 1 THEN n1 WHEN 2 THEN n2 WHEN 3 THEN n3 ELSE n4 END AS REAL)
           / CASE s.step_order WHEN 1 THEN n1 WHEN 2 THEN n1 WHEN 3 THEN n2 ELSE n3 END
           AS conversion_from_previous
FROM counts AS c
CROSS JOIN steps AS s
ORDER BY c.segment, s.step_order;
