"""Writes N connection records in 10,000 (program, host, rule) groups to
stdout, as the shim writes them (one JSON object per line, the full field
set, a chain of two certificates): the input of scripts/bench.sh's report
section.  Usage: report_gen.py N [GROUPS]"""
import json
import sys


def record(i, groups):
    g = i % groups
    host = "db%d.cluster-c9abcdefghij.eu-west-1.rds.amazonaws.com" % (g % 1000)
    would = i % 10 == 0
    cert = {"subject": "CN=" + host, "issuer": "CN=Amazon RDS eu-west-1 Root CA RSA2048 G1",
            "serial": "0123456789abcdef", "not_before": "2025-01-01T00:00:00Z",
            "not_after": "2027-%02d-01T00:00:00Z" % (1 + i % 12), "sha256": "ab" * 32,
            "key": "RSA 2048"}
    return {
        "ts": "2026-11-22T00:%02d:%02d.000Z" % (i // 60 % 60, i % 60), "event": "connect",
        "pid": 1000 + i % 30000, "program": "/usr/bin/app%d" % (g // 1000),
        "application_name": None, "rule": "r%d" % (g % 7), "mode": "audit", "host": host,
        "hostaddr": "10.0.%d.%d" % (g // 250 % 250, g % 250), "port": "5432", "dbname": "d",
        "user": "u", "transport": "tcp", "sslmode_requested": "prefer",
        "sslmode_effective": "prefer", "injected": {}, "outcome": "ok", "error": None,
        "tls": {"protocol": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384", "key_bits": 256,
                "compression": False},
        "gssenc": False, "verified": i % 2 == 0, "chain": [cert, dict(cert, subject=cert["issuer"])],
        "audit": {"would_verify": not would, "verify_error": None, "hostname_match": True,
                  "would_refuse": would, "reason": "unknown CA" if would else None,
                  "would_inject": {"sslmode": "verify-full"}},
        "warnings": [], "duration_ms": 1.5, "verification": "none", "app_sslrootcert": None,
        "local_addr": "10.1.0.2", "local_port": 40000 + i % 20000, "hostname": "web1",
        "shim_version": "0.1.0", "schema_version": 2, "script": None, "rotation": None,
    }


def main():
    n = int(sys.argv[1])
    groups = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    out = sys.stdout
    for i in range(n):
        out.write(json.dumps(record(i, groups), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
