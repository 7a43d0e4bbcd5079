-- pgtls-shim: `pgtls-shim report`'s definitions as DuckDB views.
--
-- Over a table the user creates and fills, one record per row:
--     CREATE TABLE pgtls_shim_records (rec JSON);
--     INSERT INTO pgtls_shim_records
--         SELECT json FROM read_json_objects('connections*.jsonl', format = 'newline_delimited');
-- this file creates three views, and nothing else (run it again after an
-- upgrade: CREATE OR REPLACE):
--   pgtls_shim_connections  one row per connect record, with report's
--                           per-record definitions as columns (group it by
--                           hostname, unit, ... for other groupings)
--   pgtls_shim_groups       report --json's "groups" (by program, host, rule)
--   pgtls_shim_readiness    report --json's totals and verdict, one row
-- The definitions are those of postgresql.sql (next to this file), which
-- lists them; this file says the same in DuckDB's JSON functions.  Strings
-- compare in byte order under DuckDB's default (binary) collation.  Needs
-- DuckDB 1.3 or later (its `lambda x:` syntax).

CREATE OR REPLACE VIEW pgtls_shim_connections AS
SELECT
    NULLIF(program, '') AS program,
    NULLIF(coalesce(script, program), '') AS script,
    NULLIF(host, '') AS host,
    NULLIF(rule, '') AS rule,
    ts, hostname, application_name, "user", dbname, unit, policy_sha256, mode, outcome,
    severity, tls,
    CASE WHEN tls THEN coalesce(protocol, 'unknown') END AS protocol,
    verified,
    would_refuse,
    would_refuse AND enforce AS refused,
    coalesce(outcome = 'failed', false) AS failed,
    CASE WHEN would_refuse THEN
        coalesce(reason, CASE WHEN enforce THEN outcome ELSE audit_reason END, 'unknown')
    END AS reason,
    expiry_warning,
    earliest_expiry,
    rotation_checked,
    would_break,
    CASE WHEN would_break THEN coalesce(break_reason, 'unknown') END AS break_reason,
    rec
FROM (
    SELECT *,
        CASE WHEN enforce THEN coalesce(outcome IN ('refused', 'failed'), false)
             ELSE audit_refuse END AS would_refuse,
        coalesce(rotation_checked AND CASE WHEN enforce THEN rotation_enforced
                                            ELSE rotation_as_is END = 'breaks', false)
            AS would_break
    FROM (
        SELECT
            rec,
            CASE WHEN json_type(j[2]) = 'VARCHAR' THEN json_extract_string(j[2], '$') END AS program,
            CASE WHEN json_type(j[3]) = 'VARCHAR' THEN json_extract_string(j[3], '$') END AS script,
            CASE WHEN json_type(j[4]) = 'VARCHAR' THEN json_extract_string(j[4], '$') END AS host,
            CASE WHEN json_type(j[5]) = 'VARCHAR' THEN json_extract_string(j[5], '$') END AS rule,
            CASE WHEN json_type(j[6]) = 'VARCHAR' THEN json_extract_string(j[6], '$') END AS ts,
            CASE WHEN json_type(j[7]) = 'VARCHAR' THEN json_extract_string(j[7], '$') END AS hostname,
            CASE WHEN json_type(j[8]) = 'VARCHAR' THEN json_extract_string(j[8], '$') END
                AS application_name,
            CASE WHEN json_type(j[9]) = 'VARCHAR' THEN json_extract_string(j[9], '$') END AS "user",
            CASE WHEN json_type(j[10]) = 'VARCHAR' THEN json_extract_string(j[10], '$') END AS dbname,
            CASE WHEN json_type(j[11]) = 'VARCHAR' THEN json_extract_string(j[11], '$') END AS unit,
            CASE WHEN json_type(j[12]) = 'VARCHAR' THEN json_extract_string(j[12], '$') END AS policy_sha256,
            CASE WHEN json_type(j[13]) = 'VARCHAR' THEN json_extract_string(j[13], '$') END AS mode,
            CASE WHEN json_type(j[14]) = 'VARCHAR' THEN json_extract_string(j[14], '$') END AS outcome,
            CASE WHEN json_type(j[15]) = 'VARCHAR' THEN json_extract_string(j[15], '$') END AS severity,
            CASE WHEN json_type(j[16]) = 'VARCHAR' THEN json_extract_string(j[16], '$') END AS reason,
            coalesce(json_type(j[13]) = 'VARCHAR' AND json_extract_string(j[13], '$') = 'enforce', false)
                AS enforce,
            coalesce(json_type(j[17]) = 'OBJECT', false) AS tls,
            CASE WHEN json_type(j[18]) = 'VARCHAR' THEN json_extract_string(j[18], '$') END AS protocol,
            coalesce(json_type(j[19]) = 'BOOLEAN' AND json_extract_string(j[19], '$') = 'true', false)
                AS verified,
            coalesce(json_type(j[20]) = 'OBJECT', false)
                AND coalesce(json_type(j[21]) = 'BOOLEAN' AND json_extract_string(j[21], '$') = 'true',
                             false) AS audit_refuse,
            CASE WHEN json_type(j[22]) = 'VARCHAR' THEN json_extract_string(j[22], '$') END AS audit_reason,
            coalesce(json_type(j[23]) = 'ARRAY' AND list_bool_or(list_transform(
                json_extract(j[23], '$[*]'),
                lambda w: json_type(w) = 'VARCHAR' AND json_extract_string(w, '$') ILIKE '%expir%')),
                false) AS expiry_warning,
            CASE WHEN json_type(j[24]) = 'ARRAY' THEN list_min(list_transform(
                json_extract(j[24], '$[*]'),
                lambda c: CASE WHEN json_type(c, '$.not_after') = 'VARCHAR'
                               THEN json_extract_string(c, '$.not_after') END)) END
                AS earliest_expiry,
            coalesce(json_type(j[25]) = 'OBJECT', false) AS rotation_checked,
            CASE WHEN json_type(j[26]) = 'VARCHAR' THEN json_extract_string(j[26], '$') END AS break_reason,
            CASE WHEN json_type(j[27]) = 'VARCHAR' THEN json_extract_string(j[27], '$') END AS rotation_as_is,
            CASE WHEN json_type(j[28]) = 'VARCHAR' THEN json_extract_string(j[28], '$') END AS rotation_enforced
        FROM (
            -- One parse per record: the fields, each as a small JSON value.
            SELECT rec, json_extract(rec, [
                '$.event', '$.program', '$.script', '$.host', '$.rule',
                '$.ts', '$.hostname', '$.application_name', '$.user', '$.dbname',
                '$.unit', '$.policy.sha256', '$.mode', '$.outcome', '$.severity',
                '$.reason', '$.tls', '$.tls.protocol', '$.verified', '$.audit',
                '$.audit.would_refuse', '$.audit.reason', '$.warnings', '$.chain', '$.rotation',
                '$.rotation.reason', '$.rotation.as_is', '$.rotation.enforced']) AS j
            FROM pgtls_shim_records
        )
        WHERE json_type(j[1]) = 'VARCHAR' AND json_extract_string(j[1], '$') = 'connect'
    )
);

-- report --json's groups: one row per (program, host, rule), "" and null
-- being one key, in report's order (byte order of the keys, null as "").
CREATE OR REPLACE VIEW pgtls_shim_groups AS
WITH c AS (
    SELECT coalesce(program, '') AS kp, coalesce(host, '') AS kh, coalesce(rule, '') AS kr,
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
           min(earliest_expiry) FILTER (WHERE strlen(earliest_expiry) < 32) AS earliest_expiry,
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
    SELECT kp, kh, kr, kind, json_group_object(k, n) AS obj
    FROM t GROUP BY kp, kh, kr, kind
)
SELECT NULLIF(g.kp, '') AS program, NULLIF(g.kh, '') AS host, NULLIF(g.kr, '') AS rule,
       g.connections, g.would_refuse,
       CAST(NULL AS VARCHAR) AS script,
       g.tls, g.verified, g.refused, g.failed, g.expiry_warnings, g.earliest_expiry,
       coalesce(r.obj, '{}'::JSON) AS reasons,
       coalesce(p.obj, '{}'::JSON) AS protocols,
       g.rotation_checked, g.would_break,
       coalesce(b.obj, '{}'::JSON) AS break_reasons
FROM g
LEFT JOIN ta AS r ON r.kind = 'reasons' AND r.kp = g.kp AND r.kh = g.kh AND r.kr = g.kr
LEFT JOIN ta AS p ON p.kind = 'protocols' AND p.kp = g.kp AND p.kh = g.kh AND p.kr = g.kr
LEFT JOIN ta AS b ON b.kind = 'break_reasons' AND b.kp = g.kp AND b.kh = g.kh AND b.kr = g.kr
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
), e AS (
    SELECT CASE WHEN json_type(j[1]) = 'VARCHAR' THEN json_extract_string(j[1], '$') END AS event,
           CASE WHEN json_type(j[2]) = 'VARCHAR' THEN json_extract_string(j[2], '$')
                ELSE 'unknown' END AS program,
           CASE WHEN json_type(j[3]) IN ('UBIGINT', 'BIGINT')
                     AND regexp_full_match(json_extract_string(j[3], '$'), '[0-9]{1,18}')
                THEN CAST(json_extract_string(j[3], '$') AS BIGINT) ELSE 0 END AS lost
    FROM (SELECT json_extract(rec, ['$.event', '$.program', '$.lost']) AS j
          FROM pgtls_shim_records)
), ev AS (
    SELECT count(*) FILTER (WHERE event = 'policy_error') AS policy_errors,
           count(*) FILTER (WHERE event = 'blind_spot') AS blind_spots,
           count(*) FILTER (WHERE event = 'records_lost') AS records_lost_events,
           coalesce(sum(lost) FILTER (WHERE event = 'records_lost'), 0) AS records_lost,
           count(*) FILTER (WHERE event IS NULL OR event NOT IN
                            ('connect', 'policy_error', 'blind_spot', 'records_lost'))
               AS unreadable_lines
    FROM e
), bp AS (
    SELECT json_group_object(program, n) AS blind_spot_programs
    FROM (SELECT program, count(*) AS n FROM e WHERE event = 'blind_spot' GROUP BY program)
), v AS (
    SELECT conn.*, ev.*, bp.*,
           conn.connections > 0 AND conn.would_refuse = 0 AND ev.blind_spots = 0
               AND ev.policy_errors = 0 AND ev.records_lost_events = 0 AS ready
    FROM conn, ev, bp
)
SELECT ready AS ready_to_enforce, connections, would_refuse,
       refused, failed, policy_errors, blind_spots, records_lost, records_lost_events,
       coalesce(blind_spot_programs, '{}'::JSON) AS blind_spot_programs,
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
