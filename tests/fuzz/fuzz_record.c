/*
 * fuzz_record.c
 *	  The JSON record writer.  Every string of a record (host, database,
 *	  user, program, libpq's error, certificate names) comes from the fuzzer,
 *	  with any bytes: the record must always be exactly one line that
 *	  json-c parses, in strict mode with UTF-8 validation, as an object.
 *	  The policy_error record gets the same check.  Under a locale from the
 *	  environment (fuzzlocale.h; de_DE has a decimal comma) the writer must
 *	  still write duration_ms as a JSON number with the right value.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "fuzzlocale.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fuzz_locale_init();
	return 0;
}

static const char policy_text[] = "version = 1; mode = \"audit\";\n"
								  "log = { path = \"stderr\"; chain = true; };\n"
								  "defaults = { sslmode = \"verify-full\"; "
								  "sslrootcert = \"/ca.pem\"; expiry_warning_days = 30; };\n"
								  "rules = ( { name = \"r\"; match = { user = [ \"*\" ]; }; "
								  "mode = \"enforce\"; } );\n";

/* Stops the run with WHY and the record, for the log of scripts/fuzz.sh. */
static void
fail(const char *why, const struct jbuf *b)
{
	fprintf(stderr, "fuzz_record: %s: %.*s\n", why, (int) (b->len < 4096 ? b->len : 4096), b->p);
	abort();
}

/* duration_ms is a number of milliseconds: DURATION_US / 1000, to the microsecond. */
static void
check_duration(json_object *o, int64_t duration_us, const struct jbuf *b)
{
	json_object *v;
	double diff;

	if (!json_object_object_get_ex(o, "duration_ms", &v) ||
		!(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		fail("duration_ms is not a number", b);
	diff = json_object_get_double(v) - (double) duration_us / 1000.0;
	if (diff > 0.0005 || diff < -0.0005)
		fail("duration_ms is not duration_us / 1000", b);
}

/*
 * Exactly one line, one JSON object; with DURATION_US >= 0, its duration_ms.
 * Parsed in the C locale: what json-c reads must not depend on the locale
 * the writer ran under.
 */
static void
check_line(const struct jbuf *b, int64_t duration_us)
{
	json_tokener *tok;
	json_object *o;
	locale_t old;

	if (b->len == 0 || b->p[b->len - 1] != '\n' || memchr(b->p, '\n', b->len - 1) != NULL ||
		memchr(b->p, '\0', b->len) != NULL)
		fail("not exactly one line", b);
	old = fuzz_c_locale_begin();
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, b->p, (int) b->len - 1);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
		json_tokener_get_error(tok) != json_tokener_success)
		fail("not one JSON object", b);
	if (duration_us >= 0)
		check_duration(o, duration_us, b);
	json_object_put(o);
	json_tokener_free(tok);
	fuzz_c_locale_end(old);
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgs_policy *policy;
	struct pgs_errors errs = {0};
	struct fields fs;
	struct pgs_facts facts = {0};
	struct pgs_caps caps = {.has_ssl_min_protocol = true, .has_gssencmode = true};
	struct pgs_decision d;
	struct pgs_observed obs = {0};
	struct pgs_prediction pred = {0};
	struct pgs_record r = {0};
	struct jbuf b;

	if (policy == NULL && (policy = policy_parse_text(policy_text, "fuzz", &errs)) == NULL)
		abort();
	if (!fields_split(&fs, data, size))
		return 0;
	facts.ntargets = 1;
	facts.targets[0].host = fields_next(&fs);
	facts.targets[0].hostaddr = fields_next(&fs);
	facts.targets[0].port = fields_next(&fs);
	facts.dbname = fields_next(&fs);
	facts.user = fields_next(&fs);
	facts.program = fields_next(&fs);
	facts.application_name = fields_next(&fs);
	facts.sslmode = fields_next(&fs);
	facts.sslrootcert = fields_next(&fs);
	decide(policy, &facts, &caps, &d);

	obs.tls = true;
	obs.error = (char *) fields_next(&fs);
	obs.host = (char *) fields_next(&fs);
	obs.protocol = (char *) fields_next(&fs);
	obs.cipher = (char *) fields_next(&fs);
	while (obs.nchain < PGS_MAX_CHAIN && fs.next < fs.n)
	{
		struct pgs_cert *c = &obs.chain[obs.nchain++];

		c->subject = (char *) fields_next(&fs);
		c->issuer = (char *) fields_next(&fs);
		c->serial = (char *) fields_next(&fs);
		copy(c->not_after, sizeof(c->not_after), fields_next(&fs));
		copy(c->key, sizeof(c->key), fields_next(&fs));
		c->not_after_t = (time_t) size * 1000;
	}
	pred.checked = true;
	copy(pred.verify_error, sizeof(pred.verify_error), obs.error);
	pred.hostname_match = (int) (size % 3) - 1;

	r.who = (struct pgs_origin){.ts_ms = (int64_t) size * 977,
								.pid = 1,
								.program = facts.program,
								.script = facts.user,
								.hostname = facts.application_name};
	r.facts = &facts;
	r.d = &d;
	r.obs = &obs;
	r.outcome = (enum pgs_outcome)(size % 3);
	r.error = obs.error;
	r.refuse_reason = obs.cipher;
	r.log_chain = true;
	r.duration_us = (int64_t) size * 1000 / 7;
	r.now_s = 1700000000;
	r.extra_warning = obs.host;
	r.pred = &pred;
	jb_init(&b);
	if (record_connect(&r, &b))
		check_line(&b, r.duration_us);
	jb_free(&b);

	jb_init(&b);
	if (record_policy_error(&r.who, facts.dbname, &b))
		check_line(&b, -1);
	jb_free(&b);

	r.who.unit = obs.protocol;
	r.who.policy = policy;
	jb_init(&b);
	if (record_records_lost(&r.who, size, (int64_t) size * 991, obs.port, &b))
		check_line(&b, -1);
	jb_free(&b);
	fields_free(&fs);
	return 0;
}
