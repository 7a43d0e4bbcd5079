/*
 * predict.c
 *	  The audit prediction: resolves what enforcement's libpq would check,
 *	  with libpq's own rules and order, and runs the check (cached).
 */
#include "predict.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "predcache.h"
#include "probe.h"
#include "reasons.h"
#include "trust.h"

/*
 * libpq's pqGetHomeDirectory: $HOME when set, else the password database's
 * entry for the effective user (the $HOME rule is in libpq 18 and in the
 * minor releases of 15 to 17 that Debian ships: 15.18 reads $HOME, checked
 * by test_rotation).  False when there is none.
 */
static bool
libpq_home(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd pw;
	struct passwd *res = NULL;
	char pwbuf[4096];

	if (home == NULL || home[0] == '\0')
	{
		if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || res == NULL)
			return false;
		home = res->pw_dir;
	}
	return snprintf(buf, len, "%s", home) < (int) len;
}

/* ~/.postgresql/NAME as libpq finds it, into BUF; NULL without a home. */
static const char *
home_file(const char *name, char *buf, size_t len)
{
	char home[4096];

	if (!libpq_home(home, sizeof(home)) ||
		snprintf(buf, len, "%s/.postgresql/%s", home, name) >= (int) len)
		return NULL;
	return buf;
}

static bool
exists(const char *path)
{
	struct stat st;

	return path != NULL && stat(path, &st) == 0;
}

bool
predict_client_cert_fails(const struct pgs_facts *f)
{
	char cert_buf[4096];
	char key_buf[4096];
	const char *cert =
		f->sslcert ? f->sslcert : home_file("postgresql.crt", cert_buf, sizeof(cert_buf));
	const char *key;
	struct stat st;
	int fd;

	if ((f->sslcertmode != NULL && strcmp(f->sslcertmode, "disable") == 0) || cert == NULL)
		return false;
	if (stat(cert, &st) != 0)
		return errno != ENOENT && errno != ENOTDIR;
	fd = open(cert, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return true; /* "could not read certificate file" */
	close(fd);
	if (f->sslkey != NULL && strchr(f->sslkey, ':') != NULL)
		return false; /* "engine:key", an OpenSSL engine's */
	key = f->sslkey ? f->sslkey : home_file("postgresql.key", key_buf, sizeof(key_buf));
	return !exists(key); /* "certificate present, but not private key" */
}

/*
 * The root libpq looks at for sslrootcert ROOT: "system" when this libpq
 * has it, else the file (~/.postgresql/root.crt by default); *EXISTS: libpq
 * finds it (it stat()s the file), so it checks the chain.
 */
static const char *
resolve_root(const char *root, const struct pgs_caps *caps, char *buf, size_t len, bool *found)
{
	if (root != NULL && strcmp(root, "system") == 0 && caps->has_sslrootcert_system)
	{
		*found = true;
		return "system";
	}
	if (root == NULL)
		root = home_file("root.crt", buf, len);
	*found = exists(root);
	return root;
}

const char *
predict_app_rootcert(const struct pgs_facts *f, const struct pgs_caps *caps, char *buf, size_t len)
{
	bool found;
	const char *root = resolve_root(f->sslrootcert, caps, buf, len, &found);

	return found ? root : NULL;
}

/*
 * Whether libpq may end up with a GSS-encrypted session (no TLS) that D's
 * policy allows: gssenc = "allow" and the gssencmode libpq will use is not
 * "disable" (unset is libpq's "prefer").
 */
static bool
gss_may_be_used(const struct pgs_decision *d, const struct pgs_facts *f,
				const struct pgs_caps *caps)
{
	const char *mode = decision_enforced(d, "gssencmode", f->gssencmode);

	return d->settings != NULL && d->settings->gssenc_allow && caps->has_gssencmode &&
		   (mode == NULL || strcmp(mode, "disable") != 0);
}

const char *
predict_unchecked_chain(const struct pgs_decision *d, const struct pgs_facts *f,
						const struct pgs_caps *caps)
{
	char buf[4096];
	bool found;

	if (d->mode == PGS_MODE_OFF || d->enforced_sslmode != PGS_SSL_REQUIRE || f->ntargets == 0)
		return NULL;
	for (size_t i = 0; i < f->ntargets; i++)
	{
		if (f->targets[i].unix_socket)
			return NULL; /* it may be the one used: the backstop decides after connecting */
	}
	if (gss_may_be_used(d, f, caps))
		return NULL; /* a GSS session passes by the gssenc rule: the backstop decides */
	(void) resolve_root(decision_enforced(d, "sslrootcert", f->sslrootcert), caps, buf, sizeof(buf),
						&found);
	return found ? NULL : R_NOT_VERIFIED;
}

void
predict_tls(const struct predict_ctx *c, const struct pgs_observed *obs,
			struct pgs_prediction *pred)
{
	char rootbuf[4096];
	char crlbuf[4096];
	const char *crl = decision_enforced(c->d, "sslcrl", c->f->sslcrl);
	bool found;
	const char *root = resolve_root(decision_enforced(c->d, "sslrootcert", c->f->sslrootcert),
									c->caps, rootbuf, sizeof(rootbuf), &found);
	struct verify_input in = {
		.chain = obs->chain,
		.nchain = obs->nchain,
		.x509 = obs->x509_ossl ? obs->x509 : NULL,
		.x509_ossl = obs->x509_ossl,
		.security_level = obs->security_level,
		.rootcert = root,
		.root_exists = found,
		.root_required = c->d->enforced_sslmode >= PGS_SSL_VERIFY_CA,
		.crldir = decision_enforced(c->d, "sslcrldir", c->f->sslcrldir),
		.check_host = c->d->enforced_sslmode == PGS_SSL_VERIFY_FULL,
		.host = c->host,
	};

	in.crl =
		(crl == NULL && in.crldir == NULL) ? home_file("root.crl", crlbuf, sizeof(crlbuf)) : crl;
	predcache_predict(&in, pred);
	if (pred->reason == NULL && !found)
		pred->reason = R_NOT_VERIFIED; /* require with no root file: libpq checks nothing */
	if (pred->reason == NULL && pgs_tls_below(obs->protocol, c->d->settings->min_protocol))
		pred->reason = R_OLD_PROTOCOL;
}

const char *
predict_by_probe(const struct predict_ctx *c, const struct pgs_observed *obs, int timeout_ms,
				 struct pgs_observed *probe, struct pgs_prediction *pred)
{
	probe_server(c->host, obs->hostaddr, obs->port, timeout_ms, probe);
	if (!probe->tls)
	{
		if (probe->error && strcmp(probe->error, R_NO_TLS_SERVER) == 0)
			return R_NO_TLS_SERVER;
		return probe->error && strcmp(probe->error, R_HANDSHAKE) == 0 ? R_HANDSHAKE : NULL;
	}
	predict_tls(c, probe, pred);
	return pred->reason;
}

const char *
predict_verify_host(const struct pgs_facts *f, const char *obs_host, const char *obs_port)
{
	for (size_t i = 0; obs_host != NULL && i < f->ntargets; i++)
	{
		const struct pgs_target *t = &f->targets[i];

		if (obs_port && t->port[0] && strcmp(t->port, obs_port) != 0)
			continue;
		if (t->host[0] ? strcmp(t->host, obs_host) == 0 : strcmp(t->hostaddr, obs_host) == 0)
			return t->host;
	}
	return obs_host;
}

/*
 * The verdict for one store: libpq at SSLMODE with sslrootcert ROOT.
 * UNCHECKED is the verdict where libpq checks no chain; NAME says whose
 * store it is in the reason, appended to OUT->reason.
 */
static const char *
rotation_verdict(const struct predict_ctx *c, const char *root, enum pgs_sslmode sslmode,
				 const char *unchecked, const char *name, struct pgs_rotation *out)
{
	char buf[4096];
	char why[300];
	bool found;
	const char *store = resolve_root(root, c->caps, buf, sizeof(buf), &found);
	size_t used = strlen(out->reason);

	if (sslmode <= PGS_SSL_ALLOW || (!found && sslmode < PGS_SSL_VERIFY_CA))
		return unchecked;
	if (!found)
		snprintf(why, sizeof(why), "no root certificate file %s", store ? store : "");
	else if (trust_next_ca(store, c->d->settings->next_ca, why, sizeof(why)) == 1)
		return "ok";
	snprintf(out->reason + used, sizeof(out->reason) - used, "%s%s: %s%s%s", used ? "; " : "", name,
			 found ? store : "", found ? " " : "", why);
	return "breaks";
}

void
predict_rotation(const struct predict_ctx *c, struct pgs_rotation *out)
{
	memset(out, 0, sizeof(*out));
	if (c->d->settings == NULL || c->d->settings->next_ca == NULL)
		return;
	out->next_ca = c->d->settings->next_ca;
	out->as_is =
		rotation_verdict(c, c->f->sslrootcert, c->d->app_sslmode, "unaffected", "as is", out);
	out->enforced = rotation_verdict(c, decision_enforced(c->d, "sslrootcert", c->f->sslrootcert),
									 c->d->enforced_sslmode, "ok", "enforced", out);
}
