-- ANALYZE samples 300 rows per unit of the largest statistics target: 30,000 rows at the
-- default 100, read from as many pages of a table that outgrows shared_buffers. The mailer's
-- ANALYZE mid-rush (jobs_table.analyse_if_misjudged) took 0.4-0.9 s of a core at 560,000 jobs,
-- in the middle of the decisions. The claim's plan needs the share of pending jobs and the
-- order of magnitude of the rest: 9,000 sampled rows tell that (ANALYZE 380-480 -> ~90 ms).
ALTER TABLE mail_jobs
    ALTER COLUMN id SET STATISTICS 30,
    ALTER COLUMN seq SET STATISTICS 30,
    ALTER COLUMN fact_source SET STATISTICS 30,
    ALTER COLUMN fact_id SET STATISTICS 30,
    ALTER COLUMN fact_type SET STATISTICS 30,
    ALTER COLUMN template SET STATISTICS 30,
    ALTER COLUMN event_id SET STATISTICS 30,
    ALTER COLUMN registration_id SET STATISTICS 30,
    ALTER COLUMN recipient SET STATISTICS 30,
    ALTER COLUMN status SET STATISTICS 30,
    ALTER COLUMN attempts SET STATISTICS 30,
    ALTER COLUMN next_attempt_at SET STATISTICS 30,
    ALTER COLUMN created_at SET STATISTICS 30,
    ALTER COLUMN finished_at SET STATISTICS 30,
    ALTER COLUMN lane SET STATISTICS 30,
    ALTER COLUMN fanout_id SET STATISTICS 30,
    ALTER COLUMN resent_after_interruption SET STATISTICS 30;
