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
--
-- Below is the query behind the old dashboard. Product thinks its numbers look too good. Find out
-- why and fix it, or start again: the checks only read the result.
WITH steps(step_order, step) AS (
    VALUES (1, 'first_visit'), (2, 'signup_started'), (3, 'signup_completed'), (4, 'first_booking')
),
counts AS (
    SELECT platform AS segment, 'first_visit' AS step, COUNT(*) AS users
    FROM users
    GROUP BY platform
    UNION ALL
    SELECT u.platform, e.event_name, COUNT(*)
    FROM events AS e
    JOIN users AS u ON u.user_id = e.user_id
    GROUP BY u.platform, e.event_name
),
with_all AS (
    SELECT segment, step, users FROM counts
    UNION ALL
    SELECT 'all', step, SUM(users) FROM counts GROUP BY step
)
SELECT w.segment,
       w.step,
       w.users,
       COALESCE(CAST(w.users AS REAL) / LAG(w.users) OVER (PARTITION BY w.segment ORDER BY s.step_order), 1.0)
           AS conversion_from_previous
FROM with_all AS w
JOIN steps AS s ON s.step = w.step
ORDER BY w.segment, s.step_order;
