-- A/B read-out of the experiment named 'bankid_signup', per platform and for everyone.
--
-- Output columns, in this order (the checks rely on them):
--   segment       'all', 'android', 'ios', 'web' (users.platform; 'all' is everyone)
--   variant       'A' or 'B'
--   users         people assigned to the variant
--   signups       of those, people with a signup_completed within 7 days of their assignment
--   signup_rate   signups / users, as a fraction
--   bookings      of those, people with a first_booking within 7 days of their assignment
--   booking_rate  bookings / users, as a fraction
-- One row per segment and variant (8 rows), ordered by segment, then variant. Internal users are left
-- out. A person's assignment time is their earliest assigned_at in the experiment; "within 7 days"
-- means occurred_at >= that time AND occurred_at < datetime(that time, '+7 days').
WITH assigned AS (
    SELECT a.user_id, u.platform, a.variant, MIN(a.assigned_at) AS assigned_at
    FROM experiment_assignments AS a
    JOIN experiments AS x ON x.experiment_id = a.experiment_id
    JOIN users AS u ON u.user_id = a.user_id
    WHERE x.name = 'bankid_signup'  -- by name: ids differ between extracts
      AND u.is_internal = 0
    GROUP BY a.user_id, u.platform, a.variant
),
outcomes AS (
    SELECT s.platform,
           s.variant,
           EXISTS (SELECT 1 FROM events AS e
                   WHERE e.user_id = s.user_id AND e.event_name = 'signup_completed'
                     AND e.occurred_at >= s.assigned_at
                     AND e.occurred_at < datetime(s.assigned_at, '+7 days')) AS signed_up,
           EXISTS (SELECT 1 FROM events AS e
                   WHERE e.user_id = s.user_id AND e.event_name = 'first_booking'
                     AND e.occurred_at >= s.assigned_at
                     AND e.occurred_at < datetime(s.assigned_at, '+7 days')) AS booked
    FROM assigned AS s
),
segmented AS (
    SELECT platform AS segment, variant, signed_up, booked FROM outcomes
    UNION ALL
    SELECT 'all', variant, signed_up, booked FROM outcomes
)
SELECT segment,
       variant,
       COUNT(*) AS users,
       SUM(signed_up) AS signups,
       AVG(signed_up) AS signup_rate,
       SUM(booked) AS bookings,
       AVG(booked) AS booking_rate
FROM segmented
GROUP BY segment, variant
ORDER BY segment, variant;
