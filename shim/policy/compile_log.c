/*
 * compile_log.c
 *	  The log group: where records go (a file, stderr or syslog) and how.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cfgapi.h"
#include "compile_ctx.h"

static const char log_keys[] = "path\0chain\0mode\0ident\0facility\0socket\0";

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
	else if (config_setting_type(s) == CONFIG_TYPE_INT && cfg_reads_octal())
		v = cfg()->get_int(s); /* libconfig 1.7 read 0640 as octal already */
	else if (config_setting_type(s) == CONFIG_TYPE_INT)
	{
		/* libconfig 1.5 and 1.8 read 0640 as 640: its digits are the octal mode. */
		char digits[16];
		char *end;

		snprintf(digits, sizeof(digits), "%d", cfg()->get_int(s));
		v = strtol(digits, &end, 8);
		if (*end != '\0')
			v = -1;
	}
	if (v < 0 || v > 0777)
	{
		pc_err(c, s, "log.mode must be a file mode such as \"0640\"");
		return 0600;
	}
	if (v & 002)
		pc_err(c, s, "log.mode must not let others write the log");
	return (int) v;
}

void
compile_log(struct ctx *c, const config_setting_t *g, struct pgs_log_cfg *log)
{
	static const char fac_names[] = "user\0daemon\0auth\0authpriv\0local0\0local1\0local2\0"
									"local3\0local4\0local5\0local6\0local7\0";
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
	pc_check_keys(c, g, "log", log_keys, NULL);
	log->chain = pc_bool(c, g, "chain", true);
	if (pc_member(g, "mode"))
		log->file_mode = parse_file_mode(c, pc_member(g, "mode"));
	if (pc_str(c, g, "ident"))
		log->syslog_ident = pc_dup(c, pc_str(c, g, "ident"));
	log->syslog_socket = pc_path(c, g, "socket", log->syslog_socket, false);
	if (log->syslog_socket == NULL)
		log->syslog_socket = "/dev/log";
	if ((f = pc_enum(c, g, "facility", fac_names, 0, "a syslog facility such as local0")) >= 0)
		log->syslog_facility = fac_values[f];
	path = pc_str(c, g, "path");
	if (path == NULL || path[0] == '\0')
		return;
	log->at_path = pc_at(c, g, "path");
	if (strcmp(path, "stderr") == 0)
		log->kind = PGS_LOG_STDERR;
	else if (strcmp(path, "syslog") == 0)
		log->kind = PGS_LOG_SYSLOG;
	else if (path[0] != '/')
		pc_err(c, pc_member(g, "path"),
			   "log.path must be an absolute path, \"stderr\" or \"syslog\"");
	else
	{
		log->kind = PGS_LOG_FILE;
		log->path = pc_dup(c, path);
	}
}
