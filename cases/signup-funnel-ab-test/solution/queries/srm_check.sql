-- Sample-ratio check of the experiment named 'bankid_signup': did we get the 50/50 split we asked for?
--
-- Output columns, in this order (the checks rely on them):
--   segment     'all', 'android', 'ios', 'web' (users.platform; 'all' is everyone)
--   users_a     people assigned to A
--   users_b     people assigned to B
--   share_b     users_b / (users_a + users_b), as a fraction
--   chi_square  (users_a - users_b)^2 / (users_a + users_b): the chi-square statistic against 50/50
--   srm         1 if chi_square > 10.83 (p < 0.001 with one degree of freedom), else 0
-- One row per segment (4 rows), ordered by segment. Internal users are left out; each person counts
-- once, however many assignment rows they have.
WITH assigned AS (
    SELECT DISTINCT a.user_id, u.platform, a.variant
    FROM experiment_assignments AS a
    JOIN experiments AS x ON x.experiment_id = a.experiment_id
    JOIN users AS u ON u.user_id = a.user_id
    WHERE x.name = 'bankid_signup'  -- by name: ids differ between extracts
      AND u.is_internal = 0
),
segmented AS (
    SELECT platform AS segment, variant FROM assigned
    UNION ALL
    SELECT 'all', variant FROM assigned
),
counts AS (
    SELECT segment, SUM(variant = 'A') AS users_a, SUM(variant = 'B') AS users_b
    FROM segmented
    GROUP BY segment
),
tested AS (
    SELECT segment, users_a, users_b,
           CAST(users_b AS REAL) / (users_a + users_b) AS share_b,
           CAST((users_a - users_b) * (users_a - users_b) AS REAL) / (users_a + users_b) AS chi_square
    FROM counts
)
SELECT segment, users_a, users_b, share_b, chi_square, chi_square > 10.83 AS srm
FROM tested
ORDER BY segment;
