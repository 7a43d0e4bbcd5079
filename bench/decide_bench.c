/*
 * decide_bench.c
 *	  decide_bench RULES ITERATIONS: compiles a policy of RULES rules in which
 *	  only the last one matches, and prints the mean time of one decide() in
 *	  microseconds: "rules R us_per_decision T".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "policy.h"

int
main(int argc, char **argv)
{
	int nrules;
	long iters;
	size_t cap;
	char *text;
	size_t len;
	struct pgs_errors errs = {0};
	struct pgs_policy *p;
	struct pgs_facts f = {.ntargets = 1,
						  .dbname = "orders",
						  .user = "app",
						  .program = "/usr/bin/app",
						  .sslmode = "prefer"};
	struct pgs_caps caps = {
		.has_ssl_min_protocol = true, .has_gssencmode = true, .has_sslcrl = true};
	struct pgs_decision d;
	struct timespec a;
	struct timespec b;
	volatile size_t sink = 0;

	if (argc != 3)
		return 2;
	nrules = atoi(argv[1]);
	iters = atol(argv[2]);
	cap = (size_t) nrules * 160 + 256;
	text = malloc(cap);
	len = (size_t) snprintf(text, cap, "version = 1;\nmode = \"audit\";\nrules = (\n");
	for (int i = 0; i < nrules; i++)
		len += (size_t) snprintf(text + len, cap - len,
								 "%s{ name = \"r%d\"; match = { host = [ \"db%d.*.example.com\" ]; "
								 "user = [ \"app\" ]; }; mode = \"enforce\"; }\n",
								 i ? "," : "", i, i == nrules - 1 ? 0 : i + 1);
	snprintf(text + len, cap - len, ");\n");
	p = policy_parse_text(text, "bench.conf", &errs);
	if (p == NULL)
	{
		fprintf(stderr, "%s\n", errs.n ? errs.msg[0] : "?");
		return 1;
	}
	f.targets[0] = (struct pgs_target){"db0.eu-1.example.com", "", "5432", false};
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < iters; i++)
	{
		decide(p, &f, &caps, &d);
		sink += d.ninject;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (d.rule != &p->rules[nrules - 1])
		return 1; /* the benchmark must scan every rule */
	printf("rules %d us_per_decision %.3f\n", nrules,
		   ((double) (b.tv_sec - a.tv_sec) * 1e6 + (double) (b.tv_nsec - a.tv_nsec) / 1e3) /
			   (double) iters);
	policy_free(p);
	errors_free(&errs);
	free(text);
	return sink == 0;
}
