"""Records of a small synthetic fleet for the report tests
(test_fleet_report.py, test_fleet_metrics.py): every --by dimension set
on some records and null on others, label values that need escaping,
enforce refusals whose libpq text names hosts and ports, records_lost
events, rotation, chains."""
import json
import random

POLICIES = ["a" * 64, "b" * 64]


def record(i, **over):
    h = i % 3
    rec = {
        "ts": "2026-11-26T00:%02d:%02d.000Z" % (i // 60 % 60, i % 60), "event": "connect",
        "pid": 100 + i, "program": "/usr/bin/python3.11",
        "script": "/srv/app%d/main.py" % (i % 2) if i % 4 else None,
        "hostname": "web%d" % h, "application_name": "svc%d" % (i % 3) if i % 5 else None,
        "user": "u%d" % (i % 2), "dbname": "db%d" % (i % 2) if i % 6 else None,
        "unit": "app%d.service" % (i % 2) if i % 7 else None,
        "policy": {"path": "/etc/pgtls-shim/policy.conf", "sha256": POLICIES[i % 2]}
        if i % 8 else None,
        "rule": "r%d" % (i % 2) if i % 3 else None, "mode": "audit",
        "host": "db%d.example.com" % (i % 4), "port": "5432", "transport": "tcp",
        "outcome": "ok", "error": None,
        "tls": {"protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384", "key_bits": 256,
                "compression": False},
        "verified": True, "reason": None,
        "chain": [{"subject": "CN=x", "issuer": "CN=ca", "serial": "01",
                   "not_before": "2025-01-01T00:00:00Z",
                   "not_after": "2027-%02d-01T00:00:00Z" % (1 + i % 12), "sha256": "ab" * 32,
                   "key": "RSA 2048"}],
        "audit": {"would_verify": True, "verify_error": None, "hostname_match": True,
                  "would_refuse": False, "reason": None, "would_inject": {}},
        "warnings": [], "local_addr": "10.0.0.%d" % (h + 1), "local_port": 30000 + i,
        "severity": "info", "rotation": None,
    }
    rec.update(over)
    return rec


def fleet(n=240):
    """N records of three hosts, shuffled, plus the odd ones: refusals in
    enforce keyed by libpq's text before (one per port), a failure with no
    reason, labels to escape."""
    recs = [record(i) for i in range(n)]
    for i, port in enumerate((5433, 5434, 5435)):
        err = ('pgtls-shim: refused by rule "r1" (enforce): wrong host: connection to server '
               'at "127.0.0.1", port %d failed: server certificate for "x" does not match '
               'host name "db.test"' % port)
        recs.append(record(1000 + i, mode="enforce", outcome="failed", error=err,
                           reason="wrong host", verified=False, audit=None))
    recs.append(record(1010, mode="enforce", outcome="failed", verified=False, audit=None,
                       error='connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
                             'password authentication failed for user "app"'))
    recs.append(record(1011, mode="enforce", outcome="refused", verified=False, audit=None,
                       error="pgtls-shim: refused by rule \"r1\" (enforce): something new"))
    recs.append(record(1012, program='/opt/we"ird\\path\nx', unit=None, rule=None,
                       audit={"would_verify": False, "verify_error": "x",
                              "hostname_match": False, "would_refuse": True,
                              "reason": "unknown CA"}, reason="unknown CA"))
    recs.append(record(1013, rotation={"next_ca": "/n.pem", "as_is": "breaks",
                                       "enforced": "breaks", "reason": "lacks next_ca"}))
    random.Random(23).shuffle(recs)
    return recs


def lost(n, ts="2026-11-26T01:00:00.000Z", hostname="web1"):
    return {"ts": ts, "event": "records_lost", "pid": 7, "program": "/usr/bin/x",
            "hostname": hostname, "lost": n, "since": ts, "error": "No space left on device",
            "severity": "error"}


def write(path, recs):
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    return path
