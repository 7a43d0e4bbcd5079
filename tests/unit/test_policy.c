/*
 * test_policy.c
 *	  The policy compiler: the contract's example, inheritance, every
 *	  validation error with its line, CIDR patterns, the file checks of
 *	  policy_load (missing, unsafe, symlink, directory), and @include (each
 *	  file's place and safety, the digest, the change signatures).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "sha256.h"

#include "check.h"

static const char example[] =
	"version = 1;\n"
	"mode = \"audit\";\n"
	"log = {\n"
	"  path = \"/var/log/pgtls-shim/connections.jsonl\";\n"
	"  chain = true;\n"
	"};\n"
	"defaults = {\n"
	"  sslmode = \"verify-full\";\n"
	"  sslrootcert = \"/etc/pgtls-shim/global-bundle.pem\";\n"
	"  sslcrl = \"\";\n"
	"  min_protocol = \"TLSv1.2\";\n"
	"  override = \"upgrade\";\n"
	"  expiry_warning_days = 30;\n"
	"  unix_socket = \"allow\";\n"
	"  gssenc = \"refuse\";\n"
	"};\n"
	"rules = (\n"
	"  { name = \"rds\";\n"
	"    match = { host = [ \"*.rds.amazonaws.com\" ]; };\n"
	"    mode = \"enforce\"; },\n"
	"  { name = \"legacy-reports\";\n"
	"    match = { program = [ \"/opt/legacy/bin/*\" ]; dbname = [ \"reporting\" ]; };\n"
	"    mode = \"audit\";\n"
	"    sslrootcert = \"/etc/pgtls-shim/next-ca.pem\"; },\n"
	"  { name = \"local\";\n"
	"    match = { host = [ \"localhost\", \"/*\" ]; };\n"
	"    mode = \"off\"; }\n"
	");\n";

static void
test_example(void)
{
	struct pgs_errors errs = {0};
	struct pgs_policy *p = policy_parse_text(example, "ex.conf", &errs);

	CHECK(p != NULL && errs.n == 0);
	if (p == NULL)
	{
		for (size_t i = 0; i < errs.n; i++)
			printf("  %s\n", errs.msg[i]);
		errors_free(&errs);
		return;
	}
	CHECK(p->version == 1 && p->mode == PGS_MODE_AUDIT);
	CHECK(p->log.kind == PGS_LOG_FILE &&
		  strcmp(p->log.path, "/var/log/pgtls-shim/connections.jsonl") == 0);
	CHECK(p->log.chain && p->log.file_mode == 0600);
	CHECK(p->defaults.sslmode == PGS_SSL_VERIFY_FULL && p->defaults.sslcrl == NULL);
	CHECK(p->defaults.min_protocol == PGS_TLS_1_2 && !p->defaults.gssenc_allow);
	CHECK(p->nrules == 3);
	CHECK(strcmp(p->rules[0].name, "rds") == 0 && p->rules[0].mode == PGS_MODE_ENFORCE);
	CHECK(p->rules[0].match[PGS_M_HOST].n == 1 && p->rules[0].line == 18);
	CHECK(strcmp(p->rules[0].s.sslrootcert, "/etc/pgtls-shim/global-bundle.pem") == 0);
	CHECK(strcmp(p->rules[1].s.sslrootcert, "/etc/pgtls-shim/next-ca.pem") == 0);
	CHECK(p->rules[1].s.min_protocol == PGS_TLS_1_2); /* inherited */
	CHECK(p->rules[1].match[PGS_M_PROGRAM].n == 1 && p->rules[1].match[PGS_M_DBNAME].n == 1);
	CHECK(p->rules[2].match[PGS_M_HOST].n == 2 && p->rules[2].mode == PGS_MODE_OFF);
	CHECK(strcmp(p->rules[2].match[PGS_M_HOST].v[1].text, "/*") == 0);
	policy_free(p);
	errors_free(&errs);
}

/* Compiles TEXT; true when it fails with exactly the messages EXPECT. */
static bool
fails_with(const char *text, const char *const *expect)
{
	struct pgs_errors errs = {0};
	struct pgs_policy *p = policy_parse_text(text, "t.conf", &errs);
	size_t n = 0;
	bool ok;

	while (expect[n])
		n++;
	ok = p == NULL && errs.n == n;
	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(errs.msg[i], expect[i]) == 0;
	if (!ok)
	{
		printf("  got %zu error(s):\n", errs.n);
		for (size_t i = 0; i < errs.n; i++)
			printf("    %s\n", errs.msg[i]);
	}
	policy_free(p);
	errors_free(&errs);
	return ok;
}

#define FAILS(text, ...) CHECK(fails_with(text, (const char *const[]){__VA_ARGS__, NULL}))

static void
test_errors(void)
{
	FAILS("version = 1;\nmode = \"enforce\"\nrules = (;\n", "t.conf:3: syntax error");
	FAILS("mode = \"audit\";\n", "t.conf:1: missing setting \"version\" (version = 1;)");
	FAILS("version = 2;\n", "t.conf:1: version must be between 1 and 1");
	FAILS("version = 1;\nmode = \"strict\";\n",
		  "t.conf:2: mode must be off, audit or enforce, not \"strict\"");
	FAILS("version = 1;\nsslmod = \"x\";\n", "t.conf:2: unknown setting \"sslmod\"");
	FAILS("version = 1;\ndefaults = {\n  sslmode = \"prefer\";\n  sslrootcert = \"rel.pem\";\n"
		  "  expiry_warning_days = -1;\n  bogus = 1;\n};\n",
		  "t.conf:6: unknown setting \"defaults.bogus\"",
		  "t.conf:3: sslmode must be require, verify-ca or verify-full, not \"prefer\"",
		  "t.conf:4: sslrootcert must be an absolute path or \"system\"",
		  "t.conf:5: expiry_warning_days must be between 0 and 36500");
	FAILS("version = 1;\nrules = (\n  { mode = \"audit\"; },\n  { name = \"a\"; },\n"
		  "  { name = \"a\";\n    match = { host = []; hostaddr = [\"10.0.0.0/33\", \"x/8\"]; "
		  "program = [\"rel\"]; colour = [\"x\"]; };\n  }\n);\n",
		  "t.conf:3: rule has no name", "t.conf:5: duplicate rule name \"a\" (first at line 4)",
		  "t.conf:6: unknown setting \"match.colour\"", "t.conf:6: match.host is empty",
		  "t.conf:6: invalid CIDR \"10.0.0.0/33\" in match.hostaddr",
		  "t.conf:6: invalid CIDR \"x/8\" in match.hostaddr",
		  "t.conf:6: match.program patterns must be absolute paths: \"rel\"");
	FAILS("version = 1;\nlog = { path = \"relative.log\"; mode = \"0666\"; chain = 1; };\n",
		  "t.conf:2: chain must be a boolean (true or false)",
		  "t.conf:2: log.mode must not let others write the log",
		  "t.conf:2: log.path must be an absolute path, \"stderr\" or \"syslog\"");
	FAILS("version = 1;\nrules = { a = 1; };\n", "t.conf:2: rules must be a list ( { ... }, ... )");
	FAILS("version = 1;\ndefaults = 3;\n", "t.conf:2: defaults must be a group { ... }");
}

static void
test_values(void)
{
	struct pgs_errors errs = {0};
	struct pgs_policy *p =
		policy_parse_text("version = 1;\nmode = \"enforce\";\n"
						  "log = { path = \"syslog\"; mode = 0640; facility = \"local3\"; ident = "
						  "\"db\"; chain = false; };\n"
						  "defaults = { sslmode = \"verify-ca\"; sslrootcert = \"system\"; "
						  "override = \"force\"; gssenc = \"allow\"; unix_socket = \"refuse\"; };\n"
						  "rules = ( { name = \"n\"; match = { hostaddr = [ \"10.1.0.0/16\", "
						  "\"fd00::/8\", \"192.168.*\" ]; port = 5432; user = \"app\"; }; } );\n",
						  "v.conf", &errs);

	CHECK(p != NULL);
	if (p == NULL)
		return;
	CHECK(p->log.kind == PGS_LOG_SYSLOG && !p->log.chain && p->log.file_mode == 0640);
	CHECK(strcmp(p->log.syslog_ident, "db") == 0);
	CHECK(p->defaults.sslmode == PGS_SSL_VERIFY_CA &&
		  strcmp(p->defaults.sslrootcert, "system") == 0);
	CHECK(p->defaults.override == PGS_OVERRIDE_FORCE && p->defaults.gssenc_allow);
	CHECK(p->defaults.unix_socket_refuse);
	CHECK(p->rules[0].mode == PGS_MODE_ENFORCE); /* top-level mode */
	{
		const struct pgs_patterns *h = &p->rules[0].match[PGS_M_HOSTADDR];
		uint8_t a[16];

		inet_pton(AF_INET, "10.1.0.0", a);
		CHECK(h->n == 3 && h->v[0].is_cidr && h->v[0].family == AF_INET);
		CHECK(h->v[0].prefix_len == 16 && memcmp(h->v[0].addr, a, 4) == 0);
		CHECK(h->v[1].is_cidr && h->v[1].family == AF_INET6 && h->v[1].prefix_len == 8);
		CHECK(!h->v[2].is_cidr);
	}
	CHECK(strcmp(p->rules[0].match[PGS_M_PORT].v[0].text, "5432") == 0);
	CHECK(strcmp(p->rules[0].match[PGS_M_USER].v[0].text, "app") == 0);
	policy_free(p);
	errors_free(&errs);
}

static bool
load_fails(const char *path, const char *needle, bool expect_missing)
{
	struct pgs_errors errs = {0};
	bool missing = false;
	struct pgs_policy *p = policy_load(path, &errs, &missing);
	bool ok = p == NULL && errs.n == 1 && strstr(errs.msg[0], needle) && missing == expect_missing;

	if (!ok && errs.n)
		printf("  got: %s\n", errs.msg[0]);
	policy_free(p);
	errors_free(&errs);
	return ok;
}

static void
test_files(void)
{
	char dir[] = "/tmp/pgtls-shim-unit-XXXXXX";
	char path[256];
	char link[300];
	struct pgs_errors errs = {0};
	struct pgs_policy *p;
	FILE *f;

	if (mkdtemp(dir) == NULL)
	{
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	CHECK(load_fails(path, "no such file", true));
	f = fopen(path, "w");
	fputs("version = 1;\n", f);
	fclose(f);
	chmod(path, 0666);
	CHECK(load_fails(path, "unsafe permissions", false));
	chmod(path, 0620);
	CHECK(load_fails(path, "writable by group or others", false));
	chmod(path, 0644);
	p = policy_load(path, &errs, NULL);
	CHECK(p != NULL && errs.n == 0);
	policy_free(p);
	errors_free(&errs);
	/* A symbolic link to a safe file is followed (Kubernetes ConfigMaps). */
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	CHECK(symlink(path, link) == 0);
	p = policy_load(link, &errs, NULL);
	CHECK(p != NULL);
	policy_free(p);
	errors_free(&errs);
	CHECK(load_fails(dir, "not a regular file", false));
	unlink(link);
	unlink(path);
	rmdir(dir);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
test_includes(void)
{
	static const char main_text[] = "version = 1;\n# @include \"nope.inc\"\n"
									"/*\n@include \"nope.inc\" */\n"
									"  @include \"rules.inc\"\nmode = \"audit\";\n";
	static const char inc_text[] = "\nrules = ( { name = \"r\";\n  mode = \"off\"; } );\n";
	char dir[] = "/tmp/pgtls-shim-unit-XXXXXX";
	char path[256];
	char inc[256];
	char want[65];
	struct sha256 h;
	struct pgs_errors errs = {0};
	struct pgs_sources read = {0};
	struct pgs_policy *p;

	if (mkdtemp(dir) == NULL)
	{
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/policy.conf", dir);
	snprintf(inc, sizeof(inc), "%s/rules.inc", dir);
	write_file(path, main_text, 0644);
	write_file(inc, inc_text, 0644);
	p = policy_load_files(path, &errs, NULL, &read);
	CHECK(p != NULL && errs.n == 0);
	sha256_init(&h);
	sha256_update(&h, main_text, strlen(main_text));
	sha256_update(&h, inc_text, strlen(inc_text));
	sha256_final_hex(&h, want);
	CHECK(p && strcmp(p->sha256, want) == 0);
	CHECK(p && p->nrules == 1 && strcmp(p->rules[0].file, inc) == 0 && p->rules[0].line == 2);
	CHECK(p && p->at_mode.file && strcmp(p->at_mode.file, path) == 0 && p->at_mode.line == 6);
	CHECK(read.n == 2 && !policy_sources_changed(&read));
	policy_free(p);
	write_file(inc, "rules = ();\n", 0644);
	CHECK(policy_sources_changed(&read));
	policy_sources_free(&read);
	chmod(inc, 0664);
	CHECK(load_fails(path, "rules.inc: unsafe permissions", false));
	unlink(inc);
	CHECK(load_fails(path, "rules.inc: no such file", false));
	/* Text in memory has no directory to read includes from. */
	p = policy_parse_text("version = 1;\n@include \"x\"\n", "t.conf", &errs);
	CHECK(p == NULL && errs.n == 1 && strstr(errs.msg[0], "t.conf:2: @include") == errs.msg[0]);
	errors_free(&errs);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_example();
	test_errors();
	test_values();
	test_files();
	test_includes();
	return check_summary();
}
