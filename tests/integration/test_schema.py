"""doc/record.schema.json, the record's JSON Schema for log pipelines, is
the truth about what the library writes: records of every kind (audit and
enforce, ok, failed and refused, with a chain and a rotation, a
policy_error) validate against it, and records that break it do not."""
import json
import os
import unittest

import jsonschema

from shimtest import PKI, ShimCase, policy_text, tcp

SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "doc", "record.schema.json")


class Schema(ShimCase):
    def setUp(self):
        super().setUp()
        with open(SCHEMA) as f:
            self.validator = jsonschema.Draft202012Validator(json.load(f))

    def test_every_kind_of_record_validates(self):
        extra = 'next_ca = "%s/new-int.crt";' % PKI
        for mode in ["audit", "enforce"]:
            self.write_policy(policy_text(mode, defaults=extra))
            for server, ssl in [("good", "prefer"), ("wronghost", "prefer"), ("plain", "disable")]:
                self.client("connectdb", tcp(server, sslmode=ssl))
        self.write_policy("version = 1;\nmode = \"bogus\";\n")
        self.client("connectdb", tcp("good"))
        recs = self.records(event=None)
        kinds = {(r["event"], r.get("mode"), r.get("outcome")) for r in recs}
        self.assertTrue({("connect", "audit", "ok"), ("connect", "enforce", "ok"),
                         ("connect", "enforce", "failed")} <= kinds, kinds)
        self.assertTrue(any(r.get("rotation") for r in recs))
        for r in recs:
            errors = list(self.validator.iter_errors(r))
            self.assertEqual(errors, [], r)

    def test_a_broken_record_does_not(self):
        self.write_policy(policy_text("audit"))
        self.client("connectdb", tcp("good", sslmode="prefer"))
        rec = self.one_record()
        for key, bad in [("verification", "maybe"), ("schema_version", 1), ("pid", "1"),
                         ("local_port", 70000)]:
            broken = dict(rec, **{key: bad})
            self.assertFalse(self.validator.is_valid(broken), key)
        del rec["outcome"]
        self.assertFalse(self.validator.is_valid(rec))


if __name__ == "__main__":
    unittest.main()
