/*
 * explain.c
 *	  pgtls-shim explain [--policy FILE] [--program PATH] CONNINFO: what the
 *	  library would decide for this connection string, in this environment
 *	  (service file, PG* variables), without connecting.  The same code as
 *	  the library: libpq resolves the values, decide() decides.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conninfo.h"
#include "decide.h"
#include "policy.h"

const char cli_usage_explain[] =
	"usage: pgtls-shim explain [--policy FILE] [--program PATH] CONNINFO\n"
	"  Prints the decision for the connection string CONNINFO without connecting:\n"
	"  each host and its rule, the mode, what would be injected, and the resulting\n"
	"  connection string with the password redacted.\n";

#define MAX_SECRETS 8

/* Appends a copy of S[0..N) to the secrets OUT (*N_OUT of them) when not empty. */
static void
add_secret(char *out[], size_t *n_out, const char *s, size_t n)
{
	if (n > 0 && *n_out < MAX_SECRETS && (out[*n_out] = strndup(s, n)) != NULL)
		(*n_out)++;
}

/*
 * The passwords the text CI may hold, for when libpq cannot parse it: the
 * values of password= and sslpassword= (key/value or URI query) and the
 * password of a URI's user info.  Copies into OUT; returns their count.
 */
static size_t
raw_secrets(const char *ci, char *out[])
{
	const char *uri = strstr(ci, "://");
	const char *end = uri ? " \t\n&#" : " \t\n";
	size_t n = 0;

	for (const char *k = strstr(ci, "password"); k; k = strstr(k + 1, "password"))
	{
		const char *v = k + 8 + strspn(k + 8, " \t");

		if (*v++ != '=')
			continue;
		v += strspn(v, " \t");
		if (*v == '\'' && strchr(v + 1, '\'') != NULL)
			add_secret(out, &n, v + 1, (size_t) (strchr(v + 1, '\'') - v - 1));
		else
			add_secret(out, &n, v, strcspn(v, end));
	}
	if (uri != NULL)
	{
		const char *info = uri + 3;
		size_t hostpart = strcspn(info, "/?#");
		const char *at = memrchr(info, '@', hostpart);
		const char *colon = at ? memchr(info, ':', (size_t) (at - info)) : NULL;

		if (colon != NULL)
			add_secret(out, &n, colon + 1, (size_t) (at - colon - 1));
	}
	return n;
}

/* Prints libpq's message MSG on stderr, each of the N SECRETS replaced. */
static void
print_libpq_message(const char *msg, char *secrets[], size_t n)
{
	size_t len = strlen(msg);

	while (len > 0 && msg[len - 1] == '\n')
		len--;
	fputs("pgtls-shim: libpq: ", stderr);
	for (size_t i = 0; i < len;)
	{
		size_t j;

		for (j = 0; j < n; j++)
			if (strncmp(msg + i, secrets[j], strlen(secrets[j])) == 0)
				break;
		if (j < n)
		{
			fputs("********", stderr);
			i += strlen(secrets[j]);
		}
		else
			fputc(msg[i++], stderr);
	}
	fputc('\n', stderr);
	for (size_t j = 0; j < n; j++)
		free(secrets[j]);
}

/* libpq's reason for rejecting the connection string CI, on stderr. */
static void
explain_parse_error(const struct pq_api *api, const char *ci)
{
	char *secrets[MAX_SECRETS];
	size_t n = raw_secrets(ci, secrets);
	char *err = NULL;
	PQconninfoOption *opts = api->conninfoParse(ci, &err);

	print_libpq_message(err ? err : "invalid connection string", secrets, n);
	if (err)
		api->freemem(err);
	if (opts)
		api->conninfoFree(opts);
}

/*
 * libpq's reason for rejecting the parameters P, on stderr: asks it again,
 * with a password of "-" and an invalid target_session_attrs appended (as
 * facts_gather does) so that it never reaches the network nor sees the
 * password; the parameters' own passwords are redacted from the message.
 */
static void
explain_libpq_error(const struct pq_api *api, struct pgs_params *p)
{
	char *secrets[MAX_SECRETS];
	size_t n = 0, n0 = p->n;
	PGconn *conn;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->kw[i], "password") == 0 || strcmp(p->kw[i], "sslpassword") == 0)
			add_secret(secrets, &n, p->val[i], strlen(p->val[i]));
	if (!params_push(p, "password", "-") ||
		!params_push(p, "target_session_attrs", "pgtls-shim-probe"))
		conn = NULL;
	else
		conn = api->connectStartParams(p->kw, p->val, p->expand);
	p->n = n0;
	p->kw[n0] = p->val[n0] = NULL;
	print_libpq_message(conn ? api->errorMessage(conn) : "out of memory", secrets, n);
	if (conn)
		api->finish(conn);
}

static void
print_targets(const struct pgs_policy *policy, const struct pgs_facts *f)
{
	for (size_t i = 0; i < f->ntargets; i++)
	{
		const struct pgs_target *t = &f->targets[i];
		const struct pgs_rule *r = policy_match(policy, f, t);

		printf("host:       %s%s%s port %s (%s) -> %s%s%s (%s)\n", t->host[0] ? t->host : "(none)",
			   t->hostaddr[0] ? " hostaddr " : "", t->hostaddr, t->port,
			   t->unix_socket ? "unix socket" : "tcp", r ? "rule \"" : "no rule", r ? r->name : "",
			   r ? "\"" : "", pgs_mode_name(r ? r->mode : policy->mode));
	}
}

static int
explain(const struct pgs_policy *policy, const char *program, const char *conninfo)
{
	const struct pq_api *api = cli_pq_api();
	struct pgs_params p;
	struct pgs_factbuf fb;
	struct pgs_decision d;
	PGconn *probe = NULL;
	struct pgs_caps caps;
	char *cs;
	int rc = 1;

	if (api == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return 1;
	}
	caps = (struct pgs_caps){
		.has_ssl_min_protocol = api->has_ssl_min_protocol,
		.has_gssencmode = api->has_gssencmode,
		.has_sslcrl = api->has_sslcrl,
		.has_sslrootcert_system = api->has_sslrootcert_system,
		.system_bundle = "/etc/ssl/certs/ca-certificates.crt",
	};
	if (!params_from_conninfo(api, conninfo, &p))
	{
		explain_parse_error(api, conninfo);
		params_free(api, &p);
		return 1;
	}
	switch (facts_gather(api, &p, program, &fb, &probe))
	{
		case FACTS_OK:
			break;
		case FACTS_LIBPQ_ERROR:
			explain_libpq_error(api, &p);
			params_free(api, &p);
			return 1;
		case FACTS_OOM:
			fprintf(stderr, "pgtls-shim: out of memory\n");
			params_free(api, &p);
			return 1;
	}
	api->finish(probe);
	decide(policy, &fb.f, &caps, &d);
	printf("policy:     %s\n", policy->path);
	printf("program:    %s\n", program ? program : "(none given: --program)");
	print_targets(policy, &fb.f);
	printf("rule:       %s%s%s\n", d.rule ? "\"" : "",
		   d.rule ? d.rule->name : "none (the top-level mode)", d.rule ? "\"" : "");
	printf("mode:       %s\n", pgs_mode_name(d.mode));
	if (d.mode == PGS_MODE_OFF)
		printf("action:     none: the connection is left alone and not logged\n");
	else
	{
		printf("sslmode:    %s requested, %s %s\n", pgs_sslmode_name(d.requested),
			   pgs_sslmode_name(d.effective),
			   d.mode == PGS_MODE_ENFORCE ? "enforced" : "in enforce (audit changes nothing)");
		for (size_t i = 0; i < d.ninject; i++)
			printf("%s %s=%s\n",
				   i == 0 ? (d.mode == PGS_MODE_ENFORCE ? "inject:    " : "would inject:")
						  : "           ",
				   d.inject[i].keyword, d.inject[i].value);
		if (d.refuse)
			printf("%s %s\n",
				   d.mode == PGS_MODE_ENFORCE ? "refuse:    " : "would refuse:", d.refuse);
		for (size_t i = 0; i < d.nwarn; i++)
			printf("warning:    %s\n", d.warn[i]);
		if (d.mode == PGS_MODE_ENFORCE && !d.refuse)
		{
			for (size_t i = 0; i < d.ninject; i++)
			{
				if (!params_push(&p, d.inject[i].keyword, d.inject[i].value))
					goto out;
			}
		}
	}
	cs = params_redacted(&p);
	if (cs == NULL)
		goto out;
	printf("connection: %s\n", cs);
	free(cs);
	rc = 0;
out:
	factbuf_free(api, &fb);
	params_free(api, &p);
	return rc;
}

int
cmd_explain(int argc, char **argv)
{
	const char *policy_arg = NULL;
	const char *program = NULL;
	const char *conninfo = NULL;
	bool bad = false;
	struct pgs_errors errs = {0};
	struct pgs_policy *policy;
	int rc;

	for (int i = 1; i < argc; i++)
	{
		if (cli_is_help(argv[i]))
			return cli_usage(cli_usage_explain, true);
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
			policy_arg = argv[++i];
		else if (strcmp(argv[i], "--program") == 0 && i + 1 < argc)
			program = argv[++i];
		else if (conninfo == NULL && argv[i][0] != '-')
			conninfo = argv[i];
		else
			bad = true;
	}
	if (conninfo == NULL || bad)
		return cli_usage(cli_usage_explain, false);
	policy = policy_load(cli_policy_path(policy_arg), &errs, NULL);
	if (policy == NULL)
	{
		cli_print_errors(&errs);
		errors_free(&errs);
		return 1;
	}
	rc = explain(policy, program, conninfo);
	policy_free(policy);
	errors_free(&errs);
	return rc;
}
