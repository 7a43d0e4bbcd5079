/*
 * fuzz_policy.c
 *	  The policy parser and validator: any text either compiles to a policy
 *	  or yields at least one "FILE:LINE: message" error, never both; a policy
 *	  that compiles is then used for a decision on fixed facts.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "fuzzlocale.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fuzz_locale_init();
	/*
	 * Keep libconfig mapped between inputs (the shim unloads it after each
	 * parse): LeakSanitizer can then name it in the stacks of its own leaks,
	 * which tests/fuzz/lsan.supp suppresses by module.
	 */
	if (dlopen("libconfig.so.9", RTLD_NOW | RTLD_NODELETE) == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct pgs_errors errs = {0};
	struct pgs_policy *policy;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	policy = policy_parse_text(text, "fuzz.conf", &errs);
	if (policy == NULL && errs.n == 0 && !errs.oom)
		abort(); /* refused without saying why */
	if (policy != NULL && errs.n != 0)
		abort(); /* compiled, yet reported an error */
	for (size_t i = 0; i < errs.n; i++)
		if (strncmp(errs.msg[i], "fuzz.conf", 9) != 0 || strchr(errs.msg[i], '\n') != NULL)
			abort(); /* every error names the file, on one line */
	if (policy != NULL)
	{
		struct pgs_facts facts = {
			.ntargets = 2,
			.targets = {{"db.example.com", "", "5432", false},
						{"/run/postgresql", "", "5432", true}},
			.dbname = "app",
			.user = "app",
			.program = "/usr/bin/app",
			.application_name = "",
			.sslmode = "prefer",
			.gssencmode = "prefer",
		};
		struct pgs_caps caps = {.has_ssl_min_protocol = true,
								.has_gssencmode = true,
								.has_sslcrl = true,
								.has_sslcrldir = true,
								.system_bundle = "/etc/ssl/certs/ca.pem"};
		struct pgs_decision d;

		decide(policy, &facts, &caps, &d);
		if (d.ninject > PGS_MAX_INJECT || d.nwarn > PGS_MAX_WARN)
			abort();
	}
	policy_free(policy);
	errors_free(&errs);
	free(text);
	return 0;
}
