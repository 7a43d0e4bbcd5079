/*
 * policy_compile.c
 *	  The policy schema: walks the libconfig tree, checks every key, type and
 *	  value, and builds the compiled policy.  Unknown keys are errors.  After
 *	  an error the walk goes on, so that all of them are reported.  libconfig
 *	  is reached through cfg() (held by policy_parse_text around the call).
 */
#include "policy_compile.h"

#include "cfgapi.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

struct ctx
{
	const char *path;
	struct arena *a;
	struct pgs_errors *errs;
	bool failed;
};

static const char *const top_keys[] = {"version",  "mode",	"log", "audit",
									   "defaults", "rules", NULL};
static const char *const log_keys[] = {"path",	   "chain",	 "mode", "ident",
									   "facility", "socket", NULL};
static const char *const audit_keys[] = {"probe", "probe_timeout_ms", NULL};
static const char *const settings_keys[] = {"sslmode",		"sslrootcert", "sslcrl",
											"min_protocol", "override",	   "expiry_warning_days",
											"unix_socket",	"gssenc",	   NULL};
static const char *const rule_keys[] = {"name", "mode", "match", NULL};
static const char *const mode_values[] = {"off", "audit", "enforce", NULL};

static void err(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
err(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started above */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errors_add(c->errs, "%s:%d: %s", c->path, s ? (int) config_setting_source_line(s) : 1, msg);
	c->failed = true;
}

static const char *
adup(struct ctx *c, const char *s)
{
	char *d = arena_alloc(c->a, strlen(s) + 1);

	if (d == NULL)
	{
		err(c, NULL, "out of memory");
		return NULL;
	}
	return memcpy(d, s, strlen(s) + 1);
}

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
	{
		if (strcmp(s, *list) == 0)
			return true;
	}
	return false;
}

/* Reports each member of group G not in ALLOWED (or ALLOWED2). */
static void
check_keys(struct ctx *c, const config_setting_t *g, const char *where, const char *const *allowed,
		   const char *const *allowed2)
{
	for (int i = 0; i < cfg()->length(g); i++)
	{
		const config_setting_t *m = cfg()->get_elem(g, (unsigned) i);
		const char *name = config_setting_name(m);

		if (name && !in_list(name, allowed) && !(allowed2 && in_list(name, allowed2)))
			err(c, m, "unknown setting \"%s%s%s\"", where, where[0] ? "." : "", name);
	}
}

static const config_setting_t *
member(const config_setting_t *g, const char *name)
{
	return g ? cfg()->get_member(g, name) : NULL;
}

/* The string at G.NAME; NULL when absent or (with an error) not a string. */
static const char *
get_str(struct ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = member(g, name);

	if (s == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
	{
		err(c, s, "%s must be a string", name);
		return NULL;
	}
	return cfg()->get_string(s);
}

/* Index of G.NAME's value in VALUES, DEF when absent, -1 (error) when invalid. */
static int
get_enum(struct ctx *c, const config_setting_t *g, const char *name, const char *const *values,
		 int def, const char *expect)
{
	const char *v = get_str(c, g, name);

	if (v == NULL)
		return def;
	for (int i = 0; values[i]; i++)
	{
		if (strcmp(v, values[i]) == 0)
			return i;
	}
	err(c, member(g, name), "%s must be %s, not \"%s\"", name, expect, v);
	return -1;
}

static bool
get_bool(struct ctx *c, const config_setting_t *g, const char *name, bool def)
{
	const config_setting_t *s = member(g, name);

	if (s == NULL)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
	{
		err(c, s, "%s must be a boolean (true or false)", name);
		return def;
	}
	return cfg()->get_bool(s);
}

static long long
get_int(struct ctx *c, const config_setting_t *g, const char *name, long long def, long long min,
		long long max)
{
	const config_setting_t *s = member(g, name);
	long long v;

	if (s == NULL)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
	{
		err(c, s, "%s must be an integer", name);
		return def;
	}
	v = cfg()->get_int64(s);
	if (v < min || v > max)
	{
		err(c, s, "%s must be between %lld and %lld", name, min, max);
		return def;
	}
	return v;
}

static const config_setting_t *
get_group(struct ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = member(g, name);

	if (s != NULL && config_setting_type(s) != CONFIG_TYPE_GROUP)
	{
		err(c, s, "%s must be a group { ... }", name);
		return NULL;
	}
	return s;
}

/* An absolute path, "" (unset: NULL) or, when SYSTEM_OK, "system". */
static const char *
get_path(struct ctx *c, const config_setting_t *g, const char *name, const char *def,
		 bool system_ok)
{
	const char *v = get_str(c, g, name);

	if (v == NULL)
		return def;
	if (v[0] == '\0')
		return NULL;
	if (system_ok && strcmp(v, "system") == 0)
		return adup(c, v);
	if (v[0] != '/')
	{
		err(c, member(g, name), "%s must be an absolute path%s", name,
			system_ok ? " or \"system\"" : "");
		return def;
	}
	return adup(c, v);
}

static void
compile_settings(struct ctx *c, const config_setting_t *g, struct pgs_settings *s)
{
	static const char *const floors[] = {"require", "verify-ca", "verify-full", NULL};
	static const char *const tls[] = {"", "TLSv1.2", "TLSv1.3", NULL};
	static const char *const overrides[] = {"upgrade", "force", NULL};
	static const char *const allow_refuse[] = {"allow", "refuse", NULL};
	int v;

	if (g == NULL)
		return;
	v = get_enum(c, g, "sslmode", floors, (int) s->sslmode - PGS_SSL_REQUIRE,
				 "require, verify-ca or verify-full");
	if (v >= 0)
		s->sslmode = (enum pgs_sslmode)(v + PGS_SSL_REQUIRE);
	s->sslrootcert = get_path(c, g, "sslrootcert", s->sslrootcert, true);
	s->sslcrl = get_path(c, g, "sslcrl", s->sslcrl, false);
	if ((v = get_enum(c, g, "min_protocol", tls, (int) s->min_protocol, "TLSv1.2 or TLSv1.3")) >= 0)
		s->min_protocol = (enum pgs_tlsver) v;
	if ((v = get_enum(c, g, "override", overrides, (int) s->override, "upgrade or force")) >= 0)
		s->override = (enum pgs_override) v;
	s->expiry_warning_days =
		(int) get_int(c, g, "expiry_warning_days", s->expiry_warning_days, 0, 36500);
	if ((v = get_enum(c, g, "unix_socket", allow_refuse, s->unix_socket_refuse,
					  "allow or refuse")) >= 0)
		s->unix_socket_refuse = v == 1;
	if ((v = get_enum(c, g, "gssenc", allow_refuse, !s->gssenc_allow, "allow or refuse")) >= 0)
		s->gssenc_allow = v == 0;
}

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
	bool scalar = config_setting_is_scalar(s);
	int n = scalar ? 1 : cfg()->length(s);
	struct pgs_pattern *v;

	if (!scalar && !config_setting_is_aggregate(s))
	{
		err(c, s, "match.%s must be a list of strings", name);
		return;
	}
	if (n == 0)
	{
		err(c, s, "match.%s is empty", name);
		return;
	}
	if ((v = arena_alloc(c->a, (size_t) n * sizeof(*v))) == NULL)
	{
		err(c, s, "out of memory");
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
			err(c, e, "match.%s must contain only strings", name);
			continue;
		}
		if (key == PGS_M_HOSTADDR && strchr(text, '/') && !parse_cidr(text, &v[i]))
			err(c, e, "invalid CIDR \"%s\" in match.hostaddr", text);
		if (key == PGS_M_PROGRAM && text[0] != '/')
			err(c, e, "match.program patterns must be absolute paths: \"%s\"", text);
		v[i].text = adup(c, text);
	}
	out->n = (size_t) n;
	out->v = v;
}

static void
compile_match(struct ctx *c, const config_setting_t *g, struct pgs_rule *r)
{
	static const char *const keys[] = {"host",	  "hostaddr",		  "port", "dbname", "user",
									   "program", "application_name", NULL};

	if (g == NULL)
		return;
	check_keys(c, g, "match", keys, NULL);
	for (int k = 0; k < PGS_M_NKEYS; k++)
	{
		const config_setting_t *s = member(g, keys[k]);

		if (s != NULL)
			compile_patterns(c, s, (enum pgs_match_key) k, &r->match[k]);
	}
}

static void
compile_rule(struct ctx *c, const config_setting_t *g, const struct pgs_policy *p,
			 struct pgs_rule *r, size_t index)
{
	const char *name;
	int mode;

	r->line = (int) config_setting_source_line(g);
	r->s = p->defaults;
	r->mode = p->mode;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
	{
		err(c, g, "each rule must be a group { ... }");
		return;
	}
	check_keys(c, g, "", rule_keys, settings_keys);
	name = get_str(c, g, "name");
	if (name == NULL || name[0] == '\0')
	{
		if (!member(g, "name") || name)
			err(c, g, "rule has no name");
	}
	else
	{
		r->name = adup(c, name);
		for (size_t i = 0; i < index; i++)
		{
			if (p->rules[i].name && strcmp(p->rules[i].name, name) == 0)
				err(c, member(g, "name"), "duplicate rule name \"%s\" (first at line %d)", name,
					p->rules[i].line);
		}
	}
	if ((mode = get_enum(c, g, "mode", mode_values, (int) p->mode, "off, audit or enforce")) >= 0)
		r->mode = (enum pgs_mode) mode;
	compile_settings(c, g, &r->s);
	compile_match(c, get_group(c, g, "match"), r);
}

static int
parse_file_mode(struct ctx *c, const config_setting_t *s)
{
	long v = -1;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
	{
		char *end;

		v = strtol(cfg()->get_string(s), &end, 8);
		if (*end != '\0' || end == cfg()->get_string(s))
			v = -1;
	}
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
	{
		/* libconfig has no octal: read the digits of 0640 (= 640) as octal. */
		char digits[16];
		char *end;

		snprintf(digits, sizeof(digits), "%d", cfg()->get_int(s));
		v = strtol(digits, &end, 8);
		if (*end != '\0')
			v = -1;
	}
	if (v < 0 || v > 0777)
	{
		err(c, s, "log.mode must be a file mode such as \"0640\"");
		return 0600;
	}
	if (v & 002)
		err(c, s, "log.mode must not let others write the log");
	return (int) v;
}

static void
compile_log(struct ctx *c, const config_setting_t *g, struct pgs_log_cfg *log)
{
	static const char *const fac_names[] = {"user",	  "daemon", "auth",	  "authpriv", "local0",
											"local1", "local2", "local3", "local4",	  "local5",
											"local6", "local7", NULL};
	static const int fac_values[] = {LOG_USER,	 LOG_DAEMON, LOG_AUTH,	 LOG_AUTHPRIV,
									 LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
									 LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
	const char *path;
	int f;

	log->chain = true;
	log->file_mode = 0600;
	log->syslog_ident = "pgtls-shim";
	log->syslog_facility = LOG_USER;
	log->syslog_socket = "/dev/log";
	if (g == NULL)
		return;
	check_keys(c, g, "log", log_keys, NULL);
	log->chain = get_bool(c, g, "chain", true);
	if (member(g, "mode"))
		log->file_mode = parse_file_mode(c, member(g, "mode"));
	if (get_str(c, g, "ident"))
		log->syslog_ident = adup(c, get_str(c, g, "ident"));
	log->syslog_socket = get_path(c, g, "socket", log->syslog_socket, false);
	if (log->syslog_socket == NULL)
		log->syslog_socket = "/dev/log";
	if ((f = get_enum(c, g, "facility", fac_names, 0, "a syslog facility such as local0")) >= 0)
		log->syslog_facility = fac_values[f];
	path = get_str(c, g, "path");
	if (path == NULL || path[0] == '\0')
		return;
	if (strcmp(path, "stderr") == 0)
		log->kind = PGS_LOG_STDERR;
	else if (strcmp(path, "syslog") == 0)
		log->kind = PGS_LOG_SYSLOG;
	else if (path[0] != '/')
		err(c, member(g, "path"), "log.path must be an absolute path, \"stderr\" or \"syslog\"");
	else
	{
		log->kind = PGS_LOG_FILE;
		log->path = adup(c, path);
	}
}

static void
compile_rules(struct ctx *c, const config_setting_t *s, struct pgs_policy *p)
{
	struct pgs_rule *rules;
	int n;

	if (s == NULL)
		return;
	if (!config_setting_is_list(s) && !config_setting_is_array(s))
	{
		err(c, s, "rules must be a list ( { ... }, ... )");
		return;
	}
	n = cfg()->length(s);
	if (n == 0)
		return;
	if ((rules = arena_alloc(c->a, (size_t) n * sizeof(*rules))) == NULL)
	{
		err(c, s, "out of memory");
		return;
	}
	p->rules = rules;
	for (int i = 0; i < n; i++)
		compile_rule(c, cfg()->get_elem(s, (unsigned) i), p, &rules[i], (size_t) i);
	p->nrules = (size_t) n;
}

bool
policy_compile(const config_setting_t *root, const char *path, struct arena *a,
			   struct pgs_policy *p, struct pgs_errors *errs)
{
	struct ctx c = {.path = path, .a = a, .errs = errs};
	const config_setting_t *audit;
	int mode;

	memset(p, 0, sizeof(*p));
	p->path = adup(&c, path);
	check_keys(&c, root, "", top_keys, NULL);
	if (member(root, "version") == NULL)
		err(&c, NULL, "missing setting \"version\" (version = 1;)");
	else if (get_int(&c, root, "version", 1, 1, 1) == 1)
		p->version = 1;
	mode = get_enum(&c, root, "mode", mode_values, PGS_MODE_AUDIT, "off, audit or enforce");
	p->mode = mode >= 0 ? (enum pgs_mode) mode : PGS_MODE_AUDIT;
	compile_log(&c, get_group(&c, root, "log"), &p->log);
	audit = get_group(&c, root, "audit");
	if (audit)
		check_keys(&c, audit, "audit", audit_keys, NULL);
	p->audit.probe = get_bool(&c, audit, "probe", false);
	p->audit.probe_timeout_ms = (int) get_int(&c, audit, "probe_timeout_ms", 2000, 1, 60000);
	p->defaults = (struct pgs_settings){
		.sslmode = PGS_SSL_VERIFY_FULL,
		.expiry_warning_days = 30,
	};
	{
		const config_setting_t *d = get_group(&c, root, "defaults");

		if (d)
			check_keys(&c, d, "defaults", settings_keys, NULL);
		compile_settings(&c, d, &p->defaults);
	}
	compile_rules(&c, member(root, "rules"), p);
	return !c.failed && !errs->oom;
}
