-- The host's local date (MMDD) and time (hhmmss) of each transaction, for
-- transactions recorded before the host kept its own (it kept the request's
-- fields 12 and 13, which terminals may leave empty): from the time the
-- transaction was recorded, in China Standard Time (UTC+8), the domestic
-- networks' time.
UPDATE transactions SET local_date = to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'MMDD')
 WHERE local_date IS NULL OR local_date = '';
UPDATE transactions SET local_time = to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'HH24MISS')
 WHERE local_time IS NULL OR local_time = '';
