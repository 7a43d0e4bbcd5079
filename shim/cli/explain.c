/*
 * explain.c
 *	  pgtls-shim explain [--policy FILE] [--program PATH] [--script PATH]
 *	  CONNINFO: what the
 *	  library would decide for this connection string, in this environment
 *	  (service file, PG* variables), without connecting.  The same code as
 *	  the library: plan_connection() resolves the values with libpq, decides
 *	  and rewrites.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmdopt.h"
#include "match.h"
#include "plan.h"
#include "predict.h"
#include "policy.h"
#include "redact.h"

const char cli_usage_explain[] =
	"usage: pgtls-shim explain [--policy FILE] [--program PATH] [--script PATH] CONNINFO\n"
	"  Prints the decision for the connection string CONNINFO without connecting:\n"
	"  each host and its rule, the mode, what would be injected, and the resulting\n"
	"  connection string with the password redacted.\n";

/* libpq's reason for rejecting the connection string CI, on stderr. */
static void
explain_parse_error(const struct pq_api *api, const char *ci)
{
	char *err = NULL;
	PQconninfoOption *opts = api->conninfoParse(ci, &err);

	cli_print_libpq_error(err ? err : "invalid connection string", ci, NULL);
	if (err)
		api->freemem(err);
	if (opts)
		api->conninfoFree(opts);
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

/* The decision D, as explain prints it. */
static void
print_decision(const struct pgs_decision *d)
{
	printf("rule:       %s%s%s\n", d->rule ? "\"" : "",
		   d->rule ? d->rule->name : "none (the top-level mode)", d->rule ? "\"" : "");
	printf("mode:       %s\n", pgs_mode_name(d->mode));
	if (d->mode == PGS_MODE_OFF)
	{
		printf("action:     none: the connection is left alone and not logged\n");
		return;
	}
	printf("sslmode:    %s requested, %s %s\n", pgs_sslmode_name(d->app_sslmode),
		   pgs_sslmode_name(d->enforced_sslmode),
		   d->mode == PGS_MODE_ENFORCE ? "enforced" : "in enforce (audit changes nothing)");
	for (size_t i = 0; i < d->ninject; i++)
		printf("%s %s=%s\n",
			   i == 0 ? (d->mode == PGS_MODE_ENFORCE ? "inject:    " : "would inject:")
					  : "           ",
			   d->inject[i].keyword, d->inject[i].value);
	if (d->refuse)
		printf("%s %s\n", d->mode == PGS_MODE_ENFORCE ? "refuse:    " : "would refuse:", d->refuse);
	for (size_t i = 0; i < d->nwarn; i++)
		printf("warning:    %s\n", d->warn[i]);
}

/* The rotation verdict, when a next_ca applies. */
static void
print_rotation(const struct pq_api *api, const struct pgs_plan *plan)
{
	const struct pgs_facts *f = &plan->fb.f;
	struct predict_ctx pc = {&plan->d, f, &api->caps, f->ntargets ? f->targets[0].host : ""};
	struct pgs_rotation rot;

	if (plan->d.mode == PGS_MODE_OFF)
		return;
	predict_rotation(&pc, &rot);
	if (rot.next_ca != NULL)
		printf("rotation:   to %s: as is %s, enforced %s%s%s\n", rot.next_ca, rot.as_is,
			   rot.enforced, rot.reason[0] ? ": " : "", rot.reason);
}

/* Why the plan for P could not be made, on stderr; false when it was made. */
static bool
plan_failed(enum plan_result r, const struct pgs_plan *plan, const struct pgs_params *p)
{
	switch (r)
	{
		case PLAN_OK:
			return false;
		case PLAN_LIBPQ_ERROR:
			cli_print_libpq_error(plan->fb.libpq_error ? plan->fb.libpq_error : "out of memory",
								  NULL, p);
			return true;
		case PLAN_OOM:
		case PLAN_REWRITE_OOM:
			fprintf(stderr, "pgtls-shim: out of memory\n");
			return true;
	}
	return true;
}

static int
explain(const struct pgs_policy *policy, const char *program, const char *script,
		const char *conninfo)
{
	const struct pq_api *api = cli_pq_api();
	struct pgs_params p;
	struct pgs_plan plan;
	char *cs = NULL;
	int rc;

	if (api == NULL)
	{
		fprintf(stderr, "pgtls-shim: out of memory\n");
		return 1;
	}
	if (!params_from_conninfo(api, conninfo, &p))
	{
		explain_parse_error(api, conninfo);
		params_free(api, &p);
		return 1;
	}
	if (!plan_failed(plan_connection(api, policy, &p, program, script, &plan), &plan, &p))
	{
		printf("policy:     %s\n", policy->path);
		printf("program:    %s\n", program ? program : "(none given: --program)");
		if (script)
			printf("script:     %s\n", script);
		print_targets(policy, &plan.fb.f);
		if (plan.d.refuse == NULL) /* as the library refuses before connecting */
			plan.d.refuse = predict_unchecked_chain(&plan.d, &plan.fb.f, &api->caps);
		print_decision(&plan.d);
		print_rotation(api, &plan);
		if ((cs = cli_redacted_conninfo(&p)) != NULL)
			printf("connection: %s\n", cs);
	}
	rc = cs != NULL ? 0 : 1;
	plan_free(api, &plan);
	params_free(api, &p);
	free(cs);
	return rc;
}

int
cmd_explain(int argc, char **argv)
{
	const char *policy_arg = NULL;
	const char *program = NULL;
	const char *script = NULL;
	const char *conninfo = NULL;
	static const struct option opts[] = {{"policy", required_argument, NULL, 'P'},
										 {"program", required_argument, NULL, 'p'},
										 {"script", required_argument, NULL, 's'},
										 CMDOPT_HELP,
										 {NULL, 0, NULL, 0}};
	const struct cmdopt c = {"explain", cli_usage_explain, opts, false};
	struct pgs_errors errs = {0};
	struct pgs_policy *policy;
	int ch, rc = 2;

	cmdopt_begin();
	while ((ch = cmdopt_next(&c, argc, argv, &rc)) != -1)
	{
		if (ch == CMDOPT_EXIT)
			return rc;
		if (ch == 'P')
			policy_arg = optarg;
		else if (ch == 'p')
			program = optarg;
		else if (ch == 's')
			script = optarg;
	}
	if (argc - optind != 1)
		return cmdopt_error(&c, optind == argc ? "a connection string is needed"
											   : "one connection string only");
	conninfo = argv[optind];
	policy = policy_load(cli_policy_path(policy_arg), &errs, NULL);
	if (policy == NULL)
	{
		cli_print_errors(&errs);
		errors_free(&errs);
		return 1;
	}
	rc = explain(policy, program, script, conninfo);
	policy_free(policy);
	errors_free(&errs);
	return rc;
}
