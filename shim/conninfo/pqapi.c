/*
 * pqapi.c
 *	  What a libpq copy supports, read from its PQconndefaults() keyword list
 *	  and its version, so the shim injects only keywords that libpq knows
 *	  (an unknown one makes libpq fail with "invalid connection option").
 */
#include "pqapi.h"

#include <string.h>

bool
pq_api_probe_caps(struct pq_api *api)
{
	PQconninfoOption *opts = api->conndefaults();

	if (opts == NULL)
		return false;
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, "ssl_min_protocol_version") == 0)
			api->has_ssl_min_protocol = true;
		else if (strcmp(o->keyword, "gssencmode") == 0)
			api->has_gssencmode = true;
		else if (strcmp(o->keyword, "sslcrl") == 0)
			api->has_sslcrl = true;
	}
	api->conninfoFree(opts);
	api->has_sslrootcert_system = api->version >= 160000;
	return true;
}
