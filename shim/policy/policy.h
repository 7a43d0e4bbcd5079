/*
 * policy.h
 *	  The compiled policy: an immutable, fully validated description of what
 *	  the shim does for each connection.  Built by policy.c from a libconfig
 *	  file; no libconfig type appears here.  A policy is never modified after
 *	  policy_load() returns it, so any number of threads may read it.
 */
#ifndef PGTLS_SHIM_POLICY_H
#define PGTLS_SHIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "attr.h"
#include "errors.h"
#include "filesig.h"

enum pgs_mode
{
	PGS_MODE_OFF = 0,
	PGS_MODE_AUDIT,
	PGS_MODE_ENFORCE
};

/* Ordered by strength: a larger value never verifies less. */
enum pgs_sslmode
{
	PGS_SSL_DISABLE = 0,
	PGS_SSL_ALLOW,
	PGS_SSL_PREFER,
	PGS_SSL_REQUIRE,
	PGS_SSL_VERIFY_CA,
	PGS_SSL_VERIFY_FULL
};

enum pgs_override
{
	PGS_OVERRIDE_UPGRADE = 0,
	PGS_OVERRIDE_FORCE
};

enum pgs_tlsver
{
	PGS_TLS_ANY = 0, /* no minimum configured */
	PGS_TLS_1_2,
	PGS_TLS_1_3
};

/* Where a setting is written: its file (the main one or an include) and line. */
struct pgs_srcloc
{
	const char *file; /* NULL: not written (a built-in default) */
	int line;
};

/* The settings whose place in the file `check` names (pgs_settings.at). */
enum pgs_setting_key
{
	PGS_K_SSLMODE = 0,
	PGS_K_SSLROOTCERT,
	PGS_K_SSLCRL,
	PGS_K_SSLCRLDIR,
	PGS_K_NEXT_CA,
	PGS_K_NKEYS
};

/* Settings of "defaults", and of each rule after inheriting them. */
struct pgs_settings
{
	enum pgs_sslmode sslmode; /* the floor: REQUIRE, VERIFY_CA or VERIFY_FULL */
	const char *sslrootcert;  /* NULL when unset; "system" for the OS store */
	const char *sslcrl;		  /* NULL when unset or "" */
	const char *sslcrldir;	  /* NULL when unset or "": a directory of CRLs (libpq 14+) */
	enum pgs_tlsver min_protocol;
	enum pgs_override override;
	int expiry_warning_days;
	const char *next_ca;	  /* the CA of the next rotation (PEM, issuing CA first), or NULL */
	bool unix_socket_refuse;  /* unix_socket = "refuse" */
	bool gssenc_allow;		  /* gssenc = "allow" */
	bool sslkeylogfile_allow; /* sslkeylogfile = "allow": apps may log TLS keys */
	struct pgs_srcloc at[PGS_K_NKEYS]; /* where each was set (inherited with the value) */
};

enum pgs_match_key
{
	PGS_M_HOST = 0,
	PGS_M_HOSTADDR,
	PGS_M_PORT,
	PGS_M_DBNAME,
	PGS_M_USER,
	PGS_M_PROGRAM,
	PGS_M_APPLICATION_NAME,
	PGS_M_SCRIPT,
	PGS_M_NKEYS
};

/* One pattern of a match list: a glob, or (hostaddr only) a CIDR block. */
struct pgs_pattern
{
	const char *text; /* the pattern as written */
	bool is_cidr;
	int family;		  /* AF_INET or AF_INET6 when is_cidr */
	uint8_t addr[16]; /* network address, family-sized prefix used */
	int prefix_len;
};

struct pgs_patterns
{
	size_t n; /* 0: the key is not named by the rule */
	const struct pgs_pattern *v;
};

struct pgs_rule
{
	const char *name;	/* unique within the policy */
	enum pgs_mode mode; /* the top-level mode when the rule names none */
	struct pgs_settings s;
	struct pgs_patterns match[PGS_M_NKEYS];
	int line;							   /* line of the rule in its file */
	const char *file;					   /* the file the rule is written in */
	struct pgs_srcloc at_key[PGS_M_NKEYS]; /* where each match key is written */
};

enum pgs_log_kind
{
	PGS_LOG_NONE = 0, /* no "log" group, or no path: records go nowhere */
	PGS_LOG_FILE,
	PGS_LOG_STDERR,
	PGS_LOG_SYSLOG
};

struct pgs_log_cfg
{
	enum pgs_log_kind kind;
	const char *path;		   /* PGS_LOG_FILE: absolute path */
	bool chain;				   /* log the certificate chain (default true) */
	int file_mode;			   /* log.mode, default 0600 */
	const char *syslog_ident;  /* log.ident, default "pgtls-shim" */
	int syslog_facility;	   /* log.facility, default LOG_USER */
	const char *syslog_socket; /* log.socket, default "/dev/log" */
	struct pgs_srcloc at_path; /* where log.path is written */
};

struct pgs_audit_cfg
{
	bool probe;			  /* audit.probe, default false */
	int probe_timeout_ms; /* audit.probe_timeout_ms, default 2000 */
};

/* One file a policy was read from, as it was when opened. */
struct pgs_source_file
{
	char *path;			 /* the main file as named, an include as resolved */
	struct file_sig sig; /* of the descriptor read; !exists when it could not be opened */
};

/* The files of a policy: the main one first, then each @include in the order read. */
struct pgs_sources
{
	size_t n;
	struct pgs_source_file *v;
};

struct pgs_policy
{
	const char *path;	/* the file it was read from */
	int version;		/* always 1 */
	enum pgs_mode mode; /* for connections no rule matches; default audit */
	struct pgs_log_cfg log;
	struct pgs_audit_cfg audit;
	struct pgs_settings defaults;
	const struct pgs_rule *rules;
	size_t nrules;
	bool uses_hostaddr;		   /* some rule matches hostaddr: resolve names to match it */
	struct pgs_srcloc at_mode; /* where the top-level mode is written */
	struct pgs_sources files;  /* the main file and its includes (a copy; policy_free frees) */

	/* clang-format off */
	char sha256[65];	/* lowercase hex: the main file's bytes, then each include's, as loaded; "" unknown */
	/* clang-format on */
};

/*
 * Opens PATH, checks that it is safe (see policy_check_file) and compiles it.
 * Returns the new policy, owned by the caller (policy_free), or NULL with
 * every problem found appended to *errs (a parse error stops at the first).
 * *missing is set when the file does not exist (so callers can tell "no
 * policy" from "bad policy"); it may be NULL.
 */
struct pgs_policy *policy_load(const char *path, struct pgs_errors *errs, bool *missing) PGS_WUR;

/*
 * policy_load, also giving the files read in *READ (zeroed by the caller,
 * freed with policy_sources_free), whether or not the policy is valid: a
 * change to any of them is a change to the policy.
 */
struct pgs_policy *policy_load_files(const char *path, struct pgs_errors *errs, bool *missing,
									 struct pgs_sources *read) PGS_WUR;

/* True when a file of SRC is not as it was when read (changed, replaced, created, removed). */
bool policy_sources_changed(const struct pgs_sources *src);

void policy_sources_free(struct pgs_sources *src);

/*
 * Compiles policy text already in memory, named PATH in messages.  No file
 * access or permission check.  Same return contract as policy_load.
 */
struct pgs_policy *policy_parse_text(const char *text, const char *path,
									 struct pgs_errors *errs) PGS_WUR;

/*
 * Checks the opened file FD for safety: a regular file, not writable by group
 * or others, owned by root or by EUID.  Returns true when safe; otherwise
 * false with a message appended to *errs.
 */
bool policy_check_file(int fd, const char *path, uid_t euid, struct pgs_errors *errs) PGS_WUR;

void policy_free(struct pgs_policy *policy);

/* Names, for messages and records. */
const char *pgs_mode_name(enum pgs_mode mode);
const char *pgs_sslmode_name(enum pgs_sslmode mode);
const char *pgs_tlsver_name(enum pgs_tlsver v); /* "TLSv1.2"; NULL for ANY */
const char *pgs_match_key_name(enum pgs_match_key key);

/* Parses a libpq sslmode keyword value; false when unknown. */
bool pgs_sslmode_parse(const char *s, enum pgs_sslmode *out) PGS_WUR;
/* Parses "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" into a comparable rank. */
int pgs_tls_rank(const char *protocol); /* -1 when unknown */
/*
 * True when PROTOCOL (as libpq or OpenSSL names it, NULL when unknown) is
 * below the floor MIN; never for PGS_TLS_ANY.  The one min_protocol rule.
 */
bool pgs_tls_below(const char *protocol, enum pgs_tlsver min);

#endif
