-- Freshness of the data: the last successful loader run, its age in minutes, and the latest run's error when that
-- run failed (a failed run never hides the last good one). A run that lost the run lease (lease_lost) published
-- nothing: it counts as a failed one, with its reason.
CREATE OR REPLACE VIEW {db}.bi_freshness AS
SELECT
    if(successes > 0, last_success, NULL)                                   AS last_success_at,
    if(successes > 0, dateDiff('second', last_success, now64(3)) / 60, NULL) AS age_minutes,
    if(successes > 0, success_window_until, NULL)                           AS last_success_window_until,
    last_run_at,
    last_run_status,
    if(last_run_status IN ('failed', 'lease_lost'), last_run_error, '') AS last_error,
    arrayCount(x -> x > last_success, failures)                             AS failed_since_success
FROM
(
    SELECT
        countIf(status = 'success')                                  AS successes,
        maxIf(finished_at, status = 'success')                       AS last_success,
        argMaxIf(window_until, finished_at, status = 'success')      AS success_window_until,
        max(finished_at)                                             AS last_run_at,
        argMax(status, finished_at)                                  AS last_run_status,
        argMax(error, finished_at)                                   AS last_run_error,
        groupArrayIf(finished_at, status IN ('failed', 'lease_lost')) AS failures
    FROM {db}.meta_job_runs
    WHERE job = 'qtickets_api' AND status IN ('success', 'failed', 'lease_lost')
)
