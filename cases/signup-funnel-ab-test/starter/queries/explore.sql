-- A scratch pad: "Run checks" runs this query on data/events.db and shows the first 40 rows.
-- Nothing here is checked; change it as often as you like (one statement at a time).
SELECT event_name,
       COUNT(*) AS events,
       COUNT(DISTINCT user_id) AS people
FROM events
GROUP BY event_name
ORDER BY events DESC;
