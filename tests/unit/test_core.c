/*
 * test_core.c
 *	  Unit tests of the pure core: JSON escaping, rule matching, the decision
 *	  (injection, upgrade vs force, multi-host, Unix sockets, capabilities)
 *	  and the record.  Policies are built in memory, not parsed.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decide.h"
#include "hostmatch.h"
#include "json.h"
#include "record.h"

#include "check.h"

static const char *
json_of(const char *s, size_t n, struct jbuf *b)
{
	jb_init(b);
	jb_strn(b, s, n);
	return b->p;
}

static void
test_json(void)
{
	struct jbuf b;

	CHECK(strcmp(json_of("a\"b\\c", 5, &b), "\"a\\\"b\\\\c\"") == 0);
	jb_free(&b);
	CHECK(strcmp(json_of("x\n\t\x01y", 5, &b), "\"x\\n\\t\\u0001y\"") == 0);
	jb_free(&b);
	/* valid UTF-8 passes, invalid bytes become U+FFFD */
	CHECK(strcmp(json_of("caf\xc3\xa9", 5, &b), "\"caf\xc3\xa9\"") == 0);
	jb_free(&b);
	CHECK(strcmp(json_of("a\xff"
						 "b",
						 3, &b),
				 "\"a\\ufffdb\"") == 0);
	jb_free(&b);
	CHECK(strcmp(json_of("\xc0\xaf", 2, &b), "\"\\ufffd\\ufffd\"") == 0); /* overlong */
	jb_free(&b);
	CHECK(strcmp(json_of("\xed\xa0\x80", 3, &b), "\"\\ufffd\\ufffd\\ufffd\"") == 0); /* surrogate */
	jb_free(&b);
	CHECK(strcmp(json_of("a\0b", 3, &b), "\"a\\u0000b\"") == 0);
	jb_free(&b);

	jb_init(&b);
	jb_obj_begin(&b);
	jb_kstr(&b, "a", NULL);
	jb_kint(&b, "n", -5);
	jb_key(&b, "arr");
	jb_arr_begin(&b);
	jb_bool(&b, true);
	jb_obj_begin(&b);
	jb_obj_end(&b);
	jb_arr_end(&b);
	jb_obj_end(&b);
	CHECK(jb_ok(&b) && strcmp(b.p, "{\"a\":null,\"n\":-5,\"arr\":[true,{}]}") == 0);
	jb_free(&b);
}

/* A policy: rule "legacy" audit on a program glob, "rds" enforce on
 * *.rds.amazonaws.com, "net" audit on a CIDR, "sock" off on sockets; top
 * level audit.  Each case builds its own (fresh_policy) and may change it:
 * no case sees another's changes. */
static struct pgs_pattern p_rds = {.text = "*.rds.amazonaws.com"};
static struct pgs_pattern p_sock = {.text = "/*"};
static struct pgs_pattern p_prog = {.text = "/opt/legacy/*"};

struct test_policy
{
	struct pgs_pattern cidr;
	struct pgs_rule rules[4];
	struct pgs_policy pol;
};

/* Fills *TP with the policy above, from scratch; pol.rules points into *TP. */
static void
fresh_policy(struct test_policy *tp)
{
	struct pgs_settings s = {
		.sslmode = PGS_SSL_VERIFY_FULL,
		.sslrootcert = "/etc/bundle.pem",
		.expiry_warning_days = 30,
	};

	memset(tp, 0, sizeof(*tp));
	tp->cidr = (struct pgs_pattern){
		.text = "10.1.0.0/16", .is_cidr = true, .family = AF_INET, .prefix_len = 16};
	inet_pton(AF_INET, "10.1.0.0", tp->cidr.addr);
	tp->pol.mode = PGS_MODE_AUDIT;
	tp->pol.defaults = s;
	tp->rules[0] = (struct pgs_rule){.name = "legacy", .mode = PGS_MODE_AUDIT, .s = s};
	tp->rules[0].match[PGS_M_PROGRAM] = (struct pgs_patterns){1, &p_prog};
	tp->rules[0].s.sslrootcert = "/etc/next.pem";
	tp->rules[1] = (struct pgs_rule){.name = "rds", .mode = PGS_MODE_ENFORCE, .s = s};
	tp->rules[1].match[PGS_M_HOST] = (struct pgs_patterns){1, &p_rds};
	tp->rules[2] = (struct pgs_rule){.name = "net", .mode = PGS_MODE_AUDIT, .s = s};
	tp->rules[2].match[PGS_M_HOSTADDR] = (struct pgs_patterns){1, &tp->cidr};
	tp->rules[3] = (struct pgs_rule){.name = "sock", .mode = PGS_MODE_OFF, .s = s};
	tp->rules[3].match[PGS_M_HOST] = (struct pgs_patterns){1, &p_sock};
	tp->pol.rules = tp->rules;
	tp->pol.nrules = 4;
}

static const struct pgs_caps caps15 = {
	.has_ssl_min_protocol = true,
	.has_gssencmode = true,
	.has_sslcrl = true,
	.has_sslcrldir = true,
	.system_bundle = "/etc/ssl/certs/ca-certificates.crt",
};

static struct pgs_facts
facts1(const char *host, const char *addr, const char *sslmode)
{
	struct pgs_facts f = {.ntargets = 1, .program = "/usr/bin/app", .sslmode = sslmode};

	f.targets[0] = (struct pgs_target){host, addr, "5432", host[0] == '/'};
	return f;
}

static const char *
injected(const struct pgs_decision *d, const char *kw)
{
	for (size_t i = 0; i < d->ninject; i++)
	{
		if (strcmp(d->inject[i].keyword, kw) == 0)
			return d->inject[i].value;
	}
	return NULL;
}

/* Host glob, case-insensitive; upgrade from disable. */
static void
decide_host_glob_upgrades(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("DB.abc.RDS.amazonaws.com", "", "disable");

	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.rule == &tp.rules[1] && d.mode == PGS_MODE_ENFORCE);
	CHECK(d.app_sslmode == PGS_SSL_DISABLE && d.enforced_sslmode == PGS_SSL_VERIFY_FULL);
	CHECK(injected(&d, "sslmode") && strcmp(injected(&d, "sslmode"), "verify-full") == 0);
	CHECK(injected(&d, "sslrootcert") &&
		  strcmp(injected(&d, "sslrootcert"), "/etc/bundle.pem") == 0);
	CHECK(injected(&d, "gssencmode") && strcmp(injected(&d, "gssencmode"), "disable") == 0);
	CHECK(d.refuse == NULL);
}

/* A verify-full app with its own CA, for the upgrade and force cases. */
static struct pgs_facts
strong_app(void)
{
	struct pgs_facts f = facts1("x.rds.amazonaws.com", "", "verify-full");

	f.sslrootcert = "/app/ca.pem";
	return f;
}

/* Upgrade keeps a stronger or equal app setting and the app's own CA. */
static void
decide_upgrade_keeps_stronger(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = strong_app();

	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "sslmode") == NULL && injected(&d, "sslrootcert") == NULL);
	CHECK(d.enforced_sslmode == PGS_SSL_VERIFY_FULL);
}

/* Force replaces both, even a stronger sslmode. */
static void
decide_force_replaces(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = strong_app();

	fresh_policy(&tp);
	tp.rules[1].s.override = PGS_OVERRIDE_FORCE;
	tp.rules[1].s.sslmode = PGS_SSL_VERIFY_CA;
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "sslmode") && strcmp(injected(&d, "sslmode"), "verify-ca") == 0);
	CHECK(injected(&d, "sslrootcert") &&
		  strcmp(injected(&d, "sslrootcert"), "/etc/bundle.pem") == 0);
}

/* CIDR on hostaddr; no match falls to the top level. */
static void
decide_cidr_and_top_level(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("db.internal", "10.1.200.3", NULL);

	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.rule == &tp.rules[2] && d.mode == PGS_MODE_AUDIT);
	CHECK(d.app_sslmode == PGS_SSL_PREFER);
	f = facts1("db.internal", "10.2.0.1", NULL);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.rule == NULL && d.mode == PGS_MODE_AUDIT);
}

/* First match wins: program rule before host rule. */
static void
decide_first_match_wins(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("a.rds.amazonaws.com", "", NULL);

	fresh_policy(&tp);
	f.program = "/opt/legacy/report";
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.rule == &tp.rules[0]);
}

/* Socket: mode off, nothing injected. */
static void
decide_socket_off(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("/var/run/postgresql", "", NULL);

	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.mode == PGS_MODE_OFF && d.ninject == 0);
}

/* Unix socket in enforce: nothing to inject; refuse only if told to. */
static void
decide_socket_enforce(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("/var/run/postgresql", "", NULL);

	fresh_policy(&tp);
	tp.rules[3].mode = PGS_MODE_ENFORCE;
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.mode == PGS_MODE_ENFORCE && d.ninject == 0 && d.refuse == NULL);

	fresh_policy(&tp);
	tp.rules[3].mode = PGS_MODE_ENFORCE;
	tp.rules[3].s.unix_socket_refuse = true;
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.refuse != NULL);
}

/* Multi-host: strictest mode wins; different CA bundles refused. */
static void
decide_multi_host(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("db.internal", "10.1.0.5", NULL);

	f.ntargets = 2;
	f.targets[1] = (struct pgs_target){"b.rds.amazonaws.com", "", "5432", false};
	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.rule == &tp.rules[1] && d.mode == PGS_MODE_ENFORCE && d.refuse == NULL);

	fresh_policy(&tp);
	tp.rules[2].s.sslrootcert = "/etc/other.pem";
	tp.rules[2].mode = PGS_MODE_ENFORCE;
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(d.refuse != NULL && strstr(d.refuse, "different CA bundles"));
}

/* Capabilities: no keyword, no injection, a warning instead. */
static void
decide_capabilities(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("c.rds.amazonaws.com", "", NULL);
	struct pgs_caps old = {.system_bundle = "/etc/ssl/certs/ca-certificates.crt"};

	fresh_policy(&tp);
	tp.rules[1].s.min_protocol = PGS_TLS_1_3;
	tp.rules[1].s.sslrootcert = "system";
	decide(&tp.pol, &f, &old, &d);
	CHECK(injected(&d, "ssl_min_protocol_version") == NULL);
	CHECK(injected(&d, "gssencmode") == NULL);
	CHECK(d.nwarn == 2 && strstr(d.warn[1], "checked after the handshake"));
	CHECK(injected(&d, "sslrootcert") &&
		  strcmp(injected(&d, "sslrootcert"), old.system_bundle) == 0);
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "ssl_min_protocol_version") &&
		  strcmp(injected(&d, "ssl_min_protocol_version"), "TLSv1.3") == 0);

	/* Upgrade never lowers the app's own minimum; TLSv1.2 is libpq's default. */
	fresh_policy(&tp);
	tp.rules[1].s.min_protocol = PGS_TLS_1_2;
	tp.rules[1].s.sslrootcert = "system";
	f.ssl_min_protocol_version = "TLSv1.2";
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "ssl_min_protocol_version") == NULL);
	f.ssl_min_protocol_version = "TLSv1";
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "ssl_min_protocol_version") != NULL);
}

/* App already disables GSS: nothing to inject for it. */
static void
decide_app_disables_gss(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("d.rds.amazonaws.com", "", "verify-full");

	fresh_policy(&tp);
	f.gssencmode = "disable";
	decide(&tp.pol, &f, &caps15, &d);
	CHECK(injected(&d, "gssencmode") == NULL);
}

static void
test_decide(void)
{
	decide_host_glob_upgrades();
	decide_upgrade_keeps_stronger();
	decide_force_replaces();
	decide_cidr_and_top_level();
	decide_first_match_wins();
	decide_socket_off();
	decide_socket_enforce();
	decide_multi_host();
	decide_capabilities();
	decide_app_disables_gss();
}

static void
test_record(void)
{
	struct test_policy tp;
	struct pgs_decision d;
	struct pgs_facts f = facts1("a.rds.amazonaws.com", "", "prefer");
	struct pgs_observed o = {.ok = true,
							 .tls = true,
							 .protocol = "TLSv1.3",
							 .cipher = "TLS_AES_256_GCM_SHA384",
							 .key_bits = 256,
							 .nchain = 1};
	struct pgs_record r = {.who = {.ts_ms = 1700000000123, .pid = 42},
						   .facts = &f,
						   .d = &d,
						   .obs = &o,
						   .used_sslmode = PGS_SSL_VERIFY_FULL,
						   .verified = true,
						   .log_chain = true,
						   .now_s = 1700000000};
	struct jbuf b;

	f.application_name = "app\"1";
	o.chain[0].subject = "CN=a.rds.amazonaws.com";
	strcpy(o.chain[0].not_after, "2023-11-20T00:00:00Z");
	o.chain[0].not_after_t = 1700000000 + 5 * 86400;
	strcpy(o.chain[0].sha256, "00ff");
	fresh_policy(&tp);
	decide(&tp.pol, &f, &caps15, &d);
	jb_init(&b);
	CHECK(record_connect(&r, &b));
	CHECK(strncmp(b.p, "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"event\":\"connect\",\"pid\":42,",
				  60) == 0);
	CHECK(strstr(b.p, "\"application_name\":\"app\\\"1\"") != NULL);
	CHECK(strstr(b.p, "\"injected\":{\"sslmode\":\"verify-full\"") != NULL);
	CHECK(strstr(b.p, "\"audit\":null") != NULL);
	CHECK(strstr(b.p, "expires on 2023-11-20T00:00:00Z (in 5 days)") != NULL);
	CHECK(strstr(b.p, "\"tls\":{\"protocol\":\"TLSv1.3\"") != NULL);
	CHECK(b.p[b.len - 1] == '\n' && strchr(b.p, '\n') == b.p + b.len - 1);
	jb_free(&b);
}

static struct cert_name
nm(enum cert_name_type type, const char *s, size_t len)
{
	return (struct cert_name){type, (const unsigned char *) s, len ? len : strlen(s)};
}

/* libpq's rules (fe-secure-openssl.c): SANs in order, the first match or error wins. */
static void
test_hostmatch(void)
{
	static const unsigned char v4[4] = {10, 0, 0, 7};
	struct cert_name san[4] = {nm(CERT_NAME_DNS, "db.example.com", 0),
							   nm(CERT_NAME_DNS, "*.rds.amazonaws.com", 0),
							   {CERT_NAME_IP, v4, 4},
							   nm(CERT_NAME_DNS, "evil.com\0.example.com", 21)};
	struct cert_name cn = nm(CERT_NAME_DNS, "cn.example.com", 0);
	struct cert_name cn_ip = nm(CERT_NAME_DNS, "127.0.0.1", 0);
	struct cert_name dns_ip = nm(CERT_NAME_DNS, "127.0.0.1", 0);
	struct cert_names with_san = {.san = san, .nsan = 4, .cn = &cn};
	struct cert_names cn_only = {.cn = &cn};
	struct cert_names ip_only = {.san = &san[2], .nsan = 1, .cn = &cn};
	struct cert_names ip_as_dns = {.san = &dns_ip, .nsan = 1};
	struct cert_names ip_in_cn = {.san = san, .nsan = 1, .cn = &cn_ip};

	CHECK(hostmatch_check("db.example.com", &with_san) == 1);
	CHECK(hostmatch_check("DB.Example.COM", &with_san) == 1); /* case-insensitive */
	CHECK(hostmatch_check("a.rds.amazonaws.com", &with_san) == 1);
	CHECK(hostmatch_check("a.b.rds.amazonaws.com", &with_san) != 1); /* one label only */
	CHECK(hostmatch_check("rds.amazonaws.com", &with_san) != 1);
	CHECK(hostmatch_check("evil.com", &with_san) == -1);	  /* embedded NUL: an error */
	CHECK(hostmatch_check("cn.example.com", &with_san) != 1); /* CN ignored with dNSName SANs */
	CHECK(hostmatch_check("cn.example.com", &cn_only) == 1);
	CHECK(hostmatch_check("10.0.0.7", &with_san) == 1);		 /* IP host: iPAddress SAN */
	CHECK(hostmatch_check("10.0.0.8", &with_san) == -1);	 /* ...then the NUL name fails */
	CHECK(hostmatch_check("cn.example.com", &ip_only) == 1); /* no dNSName: CN counts */
	CHECK(hostmatch_check("127.0.0.1", &ip_as_dns) == 1);	 /* a dNSName holding the address */
	CHECK(hostmatch_check("127.0.0.1", &ip_in_cn) == 1);	 /* no iPAddress SAN: CN counts */
	CHECK(hostmatch_check("127.1", &ip_only) == 0);			 /* inet_aton's forms, compared */
	CHECK(hostmatch_check("", &cn_only) == -1 && hostmatch_check(NULL, &cn_only) == -1);
}

int
main(void)
{
	test_hostmatch();
	test_json();
	test_decide();
	test_record();
	return check_summary();
}
