/*
 * compile.c
 *	  The policy schema: walks the libconfig tree, checks every key, type and
 *	  value, and builds the compiled policy.  Unknown keys are errors.  After
 *	  an error the walk goes on, so that all of them are reported.  libconfig
 *	  is reached through cfg(), valid while parse.c holds the document.
 */
#include <string.h>

#include "cfgapi.h"
#include "compile.h"
#include "compile_ctx.h"

static const char top_keys[] = "version\0mode\0log\0audit\0defaults\0rules\0";
static const char audit_keys[] = "probe\0probe_timeout_ms\0";
static const char settings_keys[] =
	"sslmode\0sslrootcert\0sslcrl\0sslcrldir\0min_protocol\0override\0"
	"expiry_warning_days\0unix_socket\0gssenc\0next_ca\0";
static const char rule_keys[] = "name\0mode\0match\0";
static const char mode_values[] = "off\0audit\0enforce\0";

/* The settings `check` locates, in the order of enum pgs_setting_key. */
static const char located_keys[] = "sslmode\0sslrootcert\0sslcrl\0sslcrldir\0next_ca\0";

static void
compile_settings(struct ctx *c, const config_setting_t *g, struct pgs_settings *s)
{
	static const char floors[] = "require\0verify-ca\0verify-full\0";
	static const char tls[] = "TLSv1.2\0TLSv1.3\0"; /* after PGS_TLS_ANY */
	static const char overrides[] = "upgrade\0force\0";
	static const char allow_refuse[] = "allow\0refuse\0";
	int v;

	if (g == NULL)
		return;
	v = pc_enum(c, g, "sslmode", floors, (int) s->sslmode - PGS_SSL_REQUIRE,
				"require, verify-ca or verify-full");
	if (v >= 0)
		s->sslmode = (enum pgs_sslmode)(v + PGS_SSL_REQUIRE);
	s->sslrootcert = pc_path(c, g, "sslrootcert", s->sslrootcert, true);
	s->sslcrl = pc_path(c, g, "sslcrl", s->sslcrl, false);
	s->sslcrldir = pc_path(c, g, "sslcrldir", s->sslcrldir, false);
	v = pc_enum(c, g, "min_protocol", tls, (int) s->min_protocol - 1, "TLSv1.2 or TLSv1.3");
	if (v >= 0)
		s->min_protocol = (enum pgs_tlsver)(v + 1);
	if ((v = pc_enum(c, g, "override", overrides, (int) s->override, "upgrade or force")) >= 0)
		s->override = (enum pgs_override) v;
	s->expiry_warning_days =
		(int) pc_int(c, g, "expiry_warning_days", s->expiry_warning_days, 0, 36500);
	s->next_ca = pc_path(c, g, "next_ca", s->next_ca, false);
	if ((v = pc_enum(c, g, "unix_socket", allow_refuse, s->unix_socket_refuse,
					 "allow or refuse")) >= 0)
		s->unix_socket_refuse = v == 1;
	if ((v = pc_enum(c, g, "gssenc", allow_refuse, !s->gssenc_allow, "allow or refuse")) >= 0)
		s->gssenc_allow = v == 0;
	if ((v = pc_enum(c, g, "sslkeylogfile", allow_refuse, !s->sslkeylogfile_allow,
					 "allow or refuse")) >= 0)
		s->sslkeylogfile_allow = v == 0;
	v = 0;
	for (const char *k = located_keys; *k && v < PGS_K_NKEYS; k += strlen(k) + 1, v++)
		if (pc_member(g, k) != NULL)
			s->at[v] = pc_at(c, g, k);
}

static void
compile_rule(struct ctx *c, const config_setting_t *g, const struct pgs_policy *p,
			 struct pgs_rule *r, size_t index)
{
	struct pgs_srcloc at = pc_loc(c, g);
	const char *name;
	int mode;

	r->line = at.line;
	r->file = at.file;
	r->s = p->defaults;
	r->mode = p->mode;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP)
	{
		pc_err(c, g, "each rule must be a group { ... }");
		return;
	}
	pc_check_keys(c, g, "", rule_keys, settings_keys);
	name = pc_str(c, g, "name");
	if (name == NULL || name[0] == '\0')
	{
		if (!pc_member(g, "name") || name)
			pc_err(c, g, "rule has no name");
	}
	else
	{
		r->name = pc_dup(c, name);
		for (size_t i = 0; i < index; i++)
		{
			if (p->rules[i].name && strcmp(p->rules[i].name, name) == 0)
				pc_err(c, pc_member(g, "name"), "duplicate rule name \"%s\" (first at %s%s%d)",
					   name, p->rules[i].file == r->file ? "line " : p->rules[i].file,
					   p->rules[i].file == r->file ? "" : ":", p->rules[i].line);
		}
	}
	if ((mode = pc_enum(c, g, "mode", mode_values, (int) p->mode, "off, audit or enforce")) >= 0)
		r->mode = (enum pgs_mode) mode;
	compile_settings(c, g, &r->s);
	compile_match(c, pc_group(c, g, "match"), r);
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
		pc_err(c, s, "rules must be a list ( { ... }, ... )");
		return;
	}
	n = cfg()->length(s);
	if (n == 0)
		return;
	if ((rules = arena_alloc(c->a, (size_t) n * sizeof(*rules))) == NULL)
	{
		pc_err(c, s, "out of memory");
		return;
	}
	p->rules = rules;
	for (int i = 0; i < n; i++)
	{
		compile_rule(c, cfg()->get_elem(s, (unsigned) i), p, &rules[i], (size_t) i);
		p->uses_hostaddr |= rules[i].match[PGS_M_HOSTADDR].n > 0;
	}
	p->nrules = (size_t) n;
}

bool
policy_compile(const config_setting_t *root, const char *path, const struct src_text *src,
			   struct arena *a, struct pgs_policy *p, struct pgs_errors *errs)
{
	struct ctx c = {.path = path, .src = src, .files = &p->files, .a = a, .errs = errs};
	const struct pgs_sources files = p->files;
	const config_setting_t *audit;
	int mode;

	memset(p, 0, sizeof(*p));
	p->files = files;
	p->path = pc_dup(&c, path);
	pc_check_keys(&c, root, "", top_keys, NULL);
	if (pc_member(root, "version") == NULL)
		pc_err(&c, NULL, "missing setting \"version\" (version = 1;)");
	else if (pc_int(&c, root, "version", 1, 1, 1) == 1)
		p->version = 1;
	mode = pc_enum(&c, root, "mode", mode_values, PGS_MODE_AUDIT, "off, audit or enforce");
	p->mode = mode >= 0 ? (enum pgs_mode) mode : PGS_MODE_AUDIT;
	p->at_mode = pc_at(&c, root, "mode");
	compile_log(&c, pc_group(&c, root, "log"), &p->log);
	audit = pc_group(&c, root, "audit");
	if (audit)
		pc_check_keys(&c, audit, "audit", audit_keys, NULL);
	p->audit.probe = pc_bool(&c, audit, "probe", false);
	p->audit.probe_timeout_ms = (int) pc_int(&c, audit, "probe_timeout_ms", 2000, 1, 60000);
	p->defaults = (struct pgs_settings){
		.sslmode = PGS_SSL_VERIFY_FULL,
		.expiry_warning_days = 30,
	};
	{
		const config_setting_t *d = pc_group(&c, root, "defaults");

		if (d)
			pc_check_keys(&c, d, "defaults", settings_keys, NULL);
		compile_settings(&c, d, &p->defaults);
	}
	compile_rules(&c, pc_member(root, "rules"), p);
	return !c.failed && !errs->oom;
}
