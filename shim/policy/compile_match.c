/*
 * compile_match.c
 *	  A rule's match group: one list of glob patterns per key, CIDR blocks
 *	  for hostaddr, absolute paths for program.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfgapi.h"
#include "compile_ctx.h"

static bool
parse_cidr(const char *text, struct pgs_pattern *p)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t) (slash - text) >= sizeof(addr))
		return false;
	memcpy(addr, text, (size_t) (slash - text));
	addr[slash - text] = '\0';
	p->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, p->addr) != 1)
		return false;
	len = strtol(slash + 1, &end, 10);
	if (end == slash + 1 || *end != '\0' || len < 0 || len > (p->family == AF_INET ? 32 : 128))
		return false;
	p->prefix_len = (int) len;
	p->is_cidr = true;
	return true;
}

static void
compile_patterns(struct ctx *c, const config_setting_t *s, enum pgs_match_key key,
				 struct pgs_patterns *out)
{
	const char *name = pgs_match_key_name(key);
	bool scalar = cfg_is_scalar(s);
	int n = scalar ? 1 : cfg()->length(s);
	struct pgs_pattern *v;

	if (!scalar && !config_setting_is_array(s) && !config_setting_is_list(s))
	{
		pc_err(c, s, "match.%s must be a list of strings", name);
		return;
	}
	if (n == 0)
	{
		pc_err(c, s, "match.%s is empty", name);
		return;
	}
	if ((v = arena_alloc(c->a, (size_t) n * sizeof(*v))) == NULL)
	{
		pc_err(c, s, "out of memory");
		return;
	}
	for (int i = 0; i < n; i++)
	{
		const config_setting_t *e = scalar ? s : cfg()->get_elem(s, (unsigned) i);
		char num[32];
		const char *text;

		if (key == PGS_M_PORT && config_setting_type(e) == CONFIG_TYPE_INT)
		{
			snprintf(num, sizeof(num), "%d", cfg()->get_int(e));
			text = num;
		}
		else if (config_setting_type(e) == CONFIG_TYPE_STRING)
			text = cfg()->get_string(e);
		else
		{
			pc_err(c, e, "match.%s must contain only strings", name);
			continue;
		}
		if (key == PGS_M_HOSTADDR && strchr(text, '/') && !parse_cidr(text, &v[i]))
			pc_err(c, e, "invalid CIDR \"%s\" in match.hostaddr", text);
		if ((key == PGS_M_PROGRAM || key == PGS_M_SCRIPT) && text[0] != '/')
			pc_err(c, e, "match.%s patterns must be absolute paths: \"%s\"", name, text);
		v[i].text = pc_dup(c, text);
	}
	out->n = (size_t) n;
	out->v = v;
}

void
compile_match(struct ctx *c, const config_setting_t *g, struct pgs_rule *r)
{
	static const char keys[] =
		"host\0hostaddr\0port\0dbname\0user\0program\0application_name\0script\0";

	if (g == NULL)
		return;
	pc_check_keys(c, g, "match", keys, NULL);
	for (int k = 0; k < PGS_M_NKEYS; k++)
	{
		const config_setting_t *s = pc_member(g, pgs_match_key_name((enum pgs_match_key) k));

		if (s != NULL)
		{
			r->at_key[k] = pc_loc(c, s);
			compile_patterns(c, s, (enum pgs_match_key) k, &r->match[k]);
		}
	}
}
