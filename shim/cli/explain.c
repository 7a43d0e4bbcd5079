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
		fprintf(stderr, "pgtls-shim: invalid connection string\n");
		params_free(api, &p);
		return 1;
	}
	switch (facts_gather(api, &p, program, &fb, &probe))
	{
		case FACTS_OK:
			break;
		case FACTS_LIBPQ_ERROR:
			fprintf(stderr, "pgtls-shim: libpq rejects these parameters\n");
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
