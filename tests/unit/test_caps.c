/*
 * test_caps.c
 *	  The decision across libpq versions: what each one's keywords allow the
 *	  shim to inject (libpq 15's emulation of sslrootcert=system, libpq 16's
 *	  verify-full demand with it, libpq 18's sslkeylogfile).  Each case
 *	  builds its own policy: no case depends on another's leftovers.
 */
#include <string.h>

#include "check.h"
#include "decide.h"

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

static bool
warned(const struct pgs_decision *d, const char *text)
{
	for (size_t i = 0; i < d->nwarn; i++)
	{
		if (strstr(d->warn[i], text))
			return true;
	}
	return false;
}

/* An enforce policy with no rules, floor FLOOR and sslrootcert ROOT. */
static struct pgs_policy
policy(enum pgs_sslmode floor, const char *root)
{
	return (struct pgs_policy){
		.mode = PGS_MODE_ENFORCE,
		.defaults = {.sslmode = floor, .sslrootcert = root},
	};
}

static struct pgs_facts
facts(const char *sslmode)
{
	struct pgs_facts f = {.ntargets = 1, .program = "/usr/bin/app", .sslmode = sslmode};

	f.targets[0] = (struct pgs_target){"db.example.com", "", "5432", false};
	return f;
}

static const struct pgs_caps caps15 = {
	.version = 150018,
	.has_ssl_min_protocol = true,
	.has_gssencmode = true,
	.has_sslcrl = true,
	.has_sslcrldir = true,
	.system_bundle = "/etc/ssl/certs/ca-certificates.crt",
};

static void
test_system_root(void)
{
	struct pgs_caps caps16 = caps15;
	struct pgs_policy p = policy(PGS_SSL_VERIFY_CA, "system");
	struct pgs_facts f = facts("prefer");
	struct pgs_decision d;

	caps16.version = 160004;
	caps16.has_sslrootcert_system = true;
	/* libpq 15: emulated with OpenSSL's default file, the floor as asked. */
	decide(&p, &f, &caps15, &d);
	CHECK(strcmp(injected(&d, "sslrootcert"), caps15.system_bundle) == 0);
	CHECK(strcmp(injected(&d, "sslmode"), "verify-ca") == 0 &&
		  d.enforced_sslmode == PGS_SSL_VERIFY_CA);
	/* libpq 16: native, and raised to verify-full, which libpq demands with it. */
	decide(&p, &f, &caps16, &d);
	CHECK(strcmp(injected(&d, "sslrootcert"), "system") == 0);
	CHECK(strcmp(injected(&d, "sslmode"), "verify-full") == 0);
	CHECK(d.enforced_sslmode == PGS_SSL_VERIFY_FULL && warned(&d, "requires sslmode verify-full"));
	/* A require floor too. */
	p = policy(PGS_SSL_REQUIRE, "system");
	decide(&p, &f, &caps16, &d);
	CHECK(strcmp(injected(&d, "sslmode"), "verify-full") == 0);
	/* The app's own root: "system" is not injected, nothing raised. */
	f.sslrootcert = "/etc/app/ca.pem";
	decide(&p, &f, &caps16, &d);
	CHECK(injected(&d, "sslrootcert") == NULL && strcmp(injected(&d, "sslmode"), "require") == 0);
}

static void
test_keylog(void)
{
	struct pgs_caps caps18 = caps15;
	struct pgs_policy p = policy(PGS_SSL_VERIFY_FULL, "/etc/ca.pem");
	struct pgs_facts f = facts("verify-full");
	struct pgs_decision d;

	caps18.version = 180001;
	caps18.has_sslrootcert_system = true;
	caps18.has_sslkeylogfile = true;
	decide(&p, &f, &caps18, &d);
	CHECK(injected(&d, "sslkeylogfile") == NULL && !warned(&d, "session keys"));
	f.sslkeylogfile = "/tmp/keys.log";
	decide(&p, &f, &caps18, &d);
	CHECK(strcmp(injected(&d, "sslkeylogfile"), "/dev/null") == 0);
	CHECK(warned(&d, "session keys"));
	/* Audit only warns: the injections are what enforce would do. */
	p.mode = PGS_MODE_AUDIT;
	decide(&p, &f, &caps18, &d);
	CHECK(warned(&d, "session keys"));
	/* Allowed by the policy: nothing. */
	p.mode = PGS_MODE_ENFORCE;
	p.defaults.sslkeylogfile_allow = true;
	decide(&p, &f, &caps18, &d);
	CHECK(injected(&d, "sslkeylogfile") == NULL && !warned(&d, "session keys"));
	/* A libpq without the keyword: a warning, no keyword it would reject. */
	p.defaults.sslkeylogfile_allow = false;
	decide(&p, &f, &caps15, &d);
	CHECK(injected(&d, "sslkeylogfile") == NULL && warned(&d, "session keys"));
}

int
main(void)
{
	test_system_root();
	test_keylog();
	return check_summary();
}
