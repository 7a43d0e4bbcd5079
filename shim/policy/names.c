/*
 * names.c
 *	  Names of the policy's enumerations, for messages and records, and the
 *	  comparisons defined on them.
 */
#include <string.h>

#include "policy.h"

/* Arrays of arrays, not of pointers: nothing to relocate at start-up. */
static const char mode_names[][8] = {"off", "audit", "enforce"};
static const char sslmode_names[][12] = {"disable", "allow",	 "prefer",
										 "require", "verify-ca", "verify-full"};
static const char key_names[][17] = {"host",	"hostaddr",			"port",	 "dbname", "user",
									 "program", "application_name", "script"};

const char *
pgs_mode_name(enum pgs_mode mode)
{
	return (unsigned) mode < 3 ? mode_names[mode] : "?";
}

const char *
pgs_sslmode_name(enum pgs_sslmode mode)
{
	return (unsigned) mode < 6 ? sslmode_names[mode] : "?";
}

const char *
pgs_match_key_name(enum pgs_match_key key)
{
	return (unsigned) key < PGS_M_NKEYS ? key_names[key] : "?";
}

const char *
pgs_tlsver_name(enum pgs_tlsver v)
{
	switch (v)
	{
		case PGS_TLS_1_2:
			return "TLSv1.2";
		case PGS_TLS_1_3:
			return "TLSv1.3";
		case PGS_TLS_ANY:
			break;
	}
	return NULL;
}

bool
pgs_sslmode_parse(const char *s, enum pgs_sslmode *out)
{
	for (int i = 0; s != NULL && i < 6; i++)
	{
		if (strcmp(s, sslmode_names[i]) == 0)
		{
			*out = (enum pgs_sslmode) i;
			return true;
		}
	}
	return false;
}

int
pgs_tls_rank(const char *protocol)
{
	static const char *const names[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

	for (int i = 0; protocol != NULL && i < 4; i++)
	{
		if (strcmp(protocol, names[i]) == 0)
			return 10 + i;
	}
	return -1;
}

bool
pgs_tls_below(const char *protocol, enum pgs_tlsver min)
{
	return min != PGS_TLS_ANY && pgs_tls_rank(protocol) < pgs_tls_rank(pgs_tlsver_name(min));
}
