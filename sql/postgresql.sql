-- pgtls-shim: `pgtls-shim report`'s definitions as PostgreSQL views.
--
-- Over a table the user creates and fills, one record per row:
--     CREATE TABLE pgtls_shim_records (rec jsonb);
--     \copy pgtls_shim_records (rec) FROM 'connections.jsonl'
--           WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
-- this file creates three views, and nothing else (run it again after an
-- upgrade: CREATE OR REPLACE):
--   pgtls_shim_connections  one row per connect record, with report's
--                           per-record definitions as columns (group it by
--                           hostname, unit, ... for other groupings)
--   pgtls_shim_groups       report --json's "groups" (by program, host, rule)
--   pgtls_shim_readiness    report --json's totals and verdict, one row
-- Definitions (the same as shim/cli/report_read.c and report_groups.c):
--   a connection record: "event" = "connect"; other rows whose event is
--     policy_error, blind_spot or records_lost count as such; every other row is an
--     "unreadable line" to report.
--   would_refuse: in enforce, outcome refused or failed; in any other mode,
--     audit.would_refuse = true.  refused: would_refuse in enforce.
--   reasons: keyed by the record's "reason" (the shim's vocabulary; in audit
--     audit.reason when "reason" is absent), else the outcome in enforce,
--     else "unknown".
--   tls: "tls" is an object (protocol: tls.protocol, else "unknown");
--   verified: "verified" is true; failed: outcome "failed" in any mode.
--   expiry_warnings: a "warnings" entry that contains "expir" (any case);
--   earliest_expiry: the least chain[].not_after (byte order).
--   would_break: rotation.as_is = "breaks" in audit, rotation.enforced =
--     "breaks" in enforce.
--   records_lost: the sum of the records_lost events' "lost" (records the
--     shim could not write), records_lost_events their number.
--   ready_to_enforce: at least one connection record, none that would be
--     refused, no blind spot, no policy error, no records_lost event.
-- A key that is not a JSON string counts as null, and "" as null in the
-- group keys, as report reads them.  Unlike report, a tally keeps every key
-- (report folds keys past its 16th into "other").

CREATE OR REPLACE VIEW pgtls_shim_connections AS
SELECT
    NULLIF(f.program, '') AS program,
    NULLIF(coalesce(f.script, f.program), '') AS script,
    NULLIF(f.host, '') AS host,
    NULLIF(f.rule, '') AS rule,
    f.ts, f.hostname, f.application_name, f."user", f.dbname, f.unit,
    f.policy_sha256, f.mode, f.outcome, f.severity,
    f.tls,
    CASE WHEN f.tls THEN coalesce(f.protocol, 'unknown') END AS protocol,
    f.verified,
    d.would_refuse,
    d.would_refuse AND f.enforce AS refused,
    coalesce(f.outcome = 'failed', false) AS failed,
    CASE WHEN d.would_refuse THEN
        coalesce(f.reason, CASE WHEN f.enforce THEN f.outcome ELSE f.audit_reason END, 'unknown')
    END AS reason,
    f.expiry_warning,
    f.earliest_expiry,
    f.rotation_checked,
    d.would_break,
    CASE WHEN d.would_break THEN coalesce(f.break_reason, 'unknown') END AS break_reason,
    r.rec
FROM pgtls_shim_records r
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN jsonb_typeof(r.rec->'program') = 'string' THEN r.rec->>'program' END AS program,
        CASE WHEN jsonb_typeof(r.rec->'script') = 'string' THEN r.rec->>'script' END AS script,
        CASE WHEN jsonb_typeof(r.rec->'host') = 'string' THEN r.rec->>'host' END AS host,
        CASE WHEN jsonb_typeof(r.rec->'rule') = 'string' THEN r.rec->>'rule' END AS rule,
        CASE WHEN jsonb_typeof(r.rec->'ts') = 'string' THEN r.rec->>'ts' END AS ts,
        CASE WHEN jsonb_typeof(r.rec->'hostname') = 'string' THEN r.rec->>'hostname' END AS hostname,
        CASE WHEN jsonb_typeof(r.rec->'application_name') = 'string'
             THEN r.rec->>'application_name' END AS application_name,
        CASE WHEN jsonb_typeof(r.rec->'user') = 'string' THEN r.rec->>'user' END AS "user",
        CASE WHEN jsonb_typeof(r.rec->'dbname') = 'string' THEN r.rec->>'dbname' END AS dbname,
        CASE WHEN jsonb_typeof(r.rec->'unit') = 'string' THEN r.rec->>'unit' END AS unit,
        CASE WHEN jsonb_typeof(r.rec->'policy'->'sha256') = 'string'
             THEN r.rec->'policy'->>'sha256' END AS policy_sha256,
        CASE WHEN jsonb_typeof(r.rec->'mode') = 'string' THEN r.rec->>'mode' END AS mode,
        coalesce(r.rec->'mode' = '"enforce"', false) AS enforce,
        CASE WHEN jsonb_typeof(r.rec->'outcome') = 'string' THEN r.rec->>'outcome' END AS outcome,
        CASE WHEN jsonb_typeof(r.rec->'severity') = 'string' THEN r.rec->>'severity' END AS severity,
        CASE WHEN jsonb_typeof(r.rec->'reason') = 'string' THEN r.rec->>'reason' END AS reason,
        coalesce(jsonb_typeof(r.rec->'tls') = 'object', false) AS tls,
        CASE WHEN jsonb_typeof(r.rec->'tls'->'protocol') = 'string'
             THEN r.rec->'tls'->>'protocol' END AS protocol,
        coalesce(r.rec->'verified' = 'true', false) AS verified,
        coalesce(jsonb_typeof(r.rec->'audit') = 'object'
                 AND r.rec->'audit'->'would_refuse' = 'true', false) AS audit_refuse,
        CASE WHEN jsonb_typeof(r.rec->'audit'->'reason') = 'string'
             THEN r.rec->'audit'->>'reason' END AS audit_reason,
        EXISTS (SELECT 1
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.rec->'warnings') = 'array'
                                               THEN r.rec->'warnings' END) AS w(v)
                WHERE jsonb_typeof(w.v) = 'string' AND (w.v #>> '{}') ILIKE '%expir%')
            AS expiry_warning,
        (SELECT min((c.v->>'not_after') COLLATE "C")
         FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.rec->'chain') = 'array'
                                        THEN r.rec->'chain' END) AS c(v)
         WHERE jsonb_typeof(c.v->'not_after') = 'string') AS earliest_expiry,
        coalesce(jsonb_typeof(r.rec->'rotation') = 'object', false) AS rotation_checked,
        CASE WHEN jsonb_typeof(r.rec->'rotation'->'reason') = 'string'
             THEN r.rec->'rotation'->>'reason' END AS break_reason,
        CASE WHEN r.rec->'mode' = '"enforce"' THEN r.rec->'rotation'->'enforced'
             ELSE r.rec->'rotation'->'as_is' END AS rotation_verdict
) f
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN f.enforce THEN coalesce(f.outcome IN ('refused', 'failed'), false)
             ELSE f.audit_refuse END AS would_refuse,
        coalesce(f.rotation_checked AND f.rotation_verdict = '"breaks"', false) AS would_break
) d
WHERE r.rec->'event' = '"connect"';

-- report --json's groups: one row per (program, host, rule), "" and null
-- being one key, in report's order (byte order of the keys, null as "").
CREATE OR REPLACE VIEW pgtls_shim_groups AS
WITH c AS (
    SELECT coalesce(program, '') COLLATE "C" AS kp, coalesce(host, '') COLLATE "C" AS kh,
           coalesce(rule, '') COLLATE "C" AS kr,
           would_refuse, tls, protocol, verified, refused, failed, reason,
           expiry_warning, earliest_expiry, rotation_checked, would_break, break_reason
    FROM pgtls_shim_connections
), g AS (
    SELECT kp, kh, kr,
           count(*) AS connections,
           count(*) FILTER (WHERE would_refuse) AS would_refuse,
           count(*) FILTER (WHERE tls) AS tls,
           count(*) FILTER (WHERE verified) AS verified,
           count(*) FILTER (WHERE refused) AS refused,
           count(*) FILTER (WHERE failed) AS failed,
           count(*) FILTER (WHERE expiry_warning) AS expiry_warnings,
           min(earliest_expiry) FILTER (WHERE octet_length(earliest_expiry) < 32)
               AS earliest_expiry,
           count(*) FILTER (WHERE rotation_checked) AS rotation_checked,
           count(*) FILTER (WHERE would_break) AS would_break
    FROM c GROUP BY kp, kh, kr
), t AS (
    SELECT kp, kh, kr, 'reasons' AS kind, reason AS k, count(*) AS n
    FROM c WHERE would_refuse GROUP BY kp, kh, kr, reason
    UNION ALL
    SELECT kp, kh, kr, 'protocols', protocol, count(*)
    FROM c WHERE tls GROUP BY kp, kh, kr, protocol
    UNION ALL
    SELECT kp, kh, kr, 'break_reasons', break_reason, count(*)
    FROM c WHERE would_break GROUP BY kp, kh, kr, break_reason
), ta AS (
    SELECT kp, kh, kr,
           jsonb_object_agg(k, n) FILTER (WHERE kind = 'reasons') AS reasons,
           jsonb_object_agg(k, n) FILTER (WHERE kind = 'protocols') AS protocols,
           jsonb_object_agg(k, n) FILTER (WHERE kind = 'break_reasons') AS break_reasons
    FROM t GROUP BY kp, kh, kr
)
SELECT NULLIF(g.kp, '') AS program, NULLIF(g.kh, '') AS host, NULLIF(g.kr, '') AS rule,
       g.connections, g.would_refuse,
       NULL::text AS script,
       g.tls, g.verified, g.refused, g.failed, g.expiry_warnings, g.earliest_expiry,
       coalesce(ta.reasons, '{}'::jsonb) AS reasons,
       coalesce(ta.protocols, '{}'::jsonb) AS protocols,
       g.rotation_checked, g.would_break,
       coalesce(ta.break_reasons, '{}'::jsonb) AS break_reasons
FROM g LEFT JOIN ta ON ta.kp = g.kp AND ta.kh = g.kh AND ta.kr = g.kr
ORDER BY g.kp, g.kh, g.kr;

-- report --json's totals and verdict: one row.
CREATE OR REPLACE VIEW pgtls_shim_readiness AS
WITH conn AS (
    SELECT count(*) AS connections,
           count(*) FILTER (WHERE would_refuse) AS would_refuse,
           count(*) FILTER (WHERE refused) AS refused,
           count(*) FILTER (WHERE failed) AS failed,
           count(*) FILTER (WHERE rotation_checked) AS rotation_checked,
           count(*) FILTER (WHERE would_break) AS would_break
    FROM pgtls_shim_connections
), ev AS (
    SELECT count(*) FILTER (WHERE rec->'event' = '"policy_error"') AS policy_errors,
           count(*) FILTER (WHERE rec->'event' = '"blind_spot"') AS blind_spots,
           count(*) FILTER (WHERE rec->'event' = '"records_lost"') AS records_lost_events,
           coalesce(sum(CASE WHEN rec->'event' = '"records_lost"'
                              AND jsonb_typeof(rec->'lost') = 'number'
                              AND rec->>'lost' ~ '^[0-9]{1,18}$'
                             THEN (rec->>'lost')::bigint ELSE 0 END), 0) AS records_lost,
           count(*) FILTER (WHERE rec->'event' IS NULL OR rec->'event' NOT IN
                            ('"connect"', '"policy_error"', '"blind_spot"', '"records_lost"'))
               AS unreadable_lines
    FROM pgtls_shim_records
), bp AS (
    SELECT jsonb_object_agg(program, n) AS blind_spot_programs
    FROM (SELECT CASE WHEN jsonb_typeof(rec->'program') = 'string' THEN rec->>'program'
                      ELSE 'unknown' END AS program, count(*) AS n
          FROM pgtls_shim_records WHERE rec->'event' = '"blind_spot"' GROUP BY 1) s
), v AS (
    SELECT conn.*, ev.*, bp.*,
           conn.connections > 0 AND conn.would_refuse = 0 AND ev.blind_spots = 0
               AND ev.policy_errors = 0 AND ev.records_lost_events = 0 AS ready
    FROM conn, ev, bp
)
SELECT ready AS ready_to_enforce, connections, would_refuse,
       refused, failed, policy_errors, blind_spots, records_lost, records_lost_events,
       coalesce(blind_spot_programs, '{}'::jsonb) AS blind_spot_programs,
       unreadable_lines,
       CASE WHEN NOT ready THEN concat_ws(', ',
           CASE WHEN connections = 0 THEN 'no connection records' END,
           CASE WHEN would_refuse > 0 THEN would_refuse || ' connection'
               || CASE WHEN would_refuse = 1 THEN '' ELSE 's' END || ' would be refused' END,
           CASE WHEN blind_spots > 0 THEN blind_spots || ' blind spot'
               || CASE WHEN blind_spots = 1 THEN '' ELSE 's' END END,
           CASE WHEN policy_errors > 0 THEN policy_errors || ' policy error'
               || CASE WHEN policy_errors = 1 THEN '' ELSE 's' END END,
           CASE WHEN records_lost_events > 0 THEN records_lost || ' record'
               || CASE WHEN records_lost = 1 THEN '' ELSE 's' END || ' lost' END)
       END AS not_ready_because,
       rotation_checked, would_break,
       CASE WHEN rotation_checked > 0 THEN would_break = 0 END AS ready_to_rotate
FROM v;
