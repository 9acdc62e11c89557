-- The mailer ANALYZEs mail_jobs during a rush (jobs_table.analyse_if_misjudged), and so does
-- the statistics worker as the table grows. No query filters on these wide columns, yet ANALYZE
-- sampled and summarised them: 290-320 -> 175-185 ms per ANALYZE at 120,000 jobs.
ALTER TABLE mail_jobs
    ALTER COLUMN fact SET STATISTICS 0,
    ALTER COLUMN context SET STATISTICS 0,
    ALTER COLUMN last_error SET STATISTICS 0,
    ALTER COLUMN message_id SET STATISTICS 0;
