/*
 * fuzz_report.c
 *	  The log reader of `pgtls-shim report` (the strict scanner, every input
 *	  form, the groups): any bytes as a log.  Lines that
 *	  are not records are counted, never fatal; the --json summary must be
 *	  one JSON object, and the text summary must be written whole.  The
 *	  first byte picks the --by dimensions and whether a --since/--until
 *	  window applies (so that each record's ts is parsed).
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzlocale.h"
#include "logtime.h"
#include "report.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	fuzz_locale_init(); /* the reader under a host's locale, if LC_ALL is set */
	return 0;
}

/* Options from the first byte: bits 0-3 the dimensions, bit 4 a window. */
static void
set_options(struct report *r, uint8_t opts)
{
	if ((opts & 0x0f) != 0)
	{
		for (int d = 0; d < report_ndims; d++)
			r->by[d] = (opts >> d) & 1;
	}
	if (opts & 0x10)
	{
		if (!lt_when("2026-11-22T00:00:00.000Z", 0, false, &r->since_ms) ||
			!lt_when("2026-11-23", 0, true, &r->until_ms))
			abort();
		r->has_since = r->has_until = true;
	}
}

/*
 * Whether TEXT (LEN bytes) is made of HELP/TYPE lines and samples of
 * pgtls_shim_ gauges, ending with "# EOF": a label value left unescaped
 * (a newline) would start a line with something else.
 */
static bool
metrics_lines(const char *text, size_t len)
{
	for (const char *p = text; p < text + len;)
	{
		const char *nl = memchr(p, '\n', (size_t) (text + len - p));

		if (nl == NULL || (strncmp(p, "# HELP pgtls_shim_", 18) != 0 &&
						   strncmp(p, "# TYPE pgtls_shim_", 18) != 0 &&
						   strncmp(p, "pgtls_shim_", 11) != 0 && strncmp(p, "# EOF\n", 6) != 0))
			return false;
		p = nl + 1;
	}
	return len >= 6 && strcmp(text + len - 6, "# EOF\n") == 0;
}

static void
summarise(const uint8_t *data, size_t size, enum report_format format)
{
	struct report *r = report_new();
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (r == NULL || out == NULL)
		abort();
	set_options(r, data[0]);
	if (!report_read_mem(r, data, size) || !report_print(r, format, out))
		abort();
	fclose(out);
	if (format == REPORT_JSON)
	{
		locale_t old = fuzz_c_locale_begin(); /* the check reads in the C locale */
		json_object *o = json_tokener_parse(text);

		if (o == NULL || !json_object_is_type(o, json_type_object))
			abort();
		json_object_put(o);
		fuzz_c_locale_end(old);
	}
	else if (format == REPORT_OPENMETRICS && !metrics_lines(text, len))
		abort();
	else if (len == 0 || text[len - 1] != '\n')
		abort();
	free(text);
	report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0; /* the first byte holds the options */
	summarise(data, size, REPORT_JSON);
	summarise(data, size, REPORT_TEXT);
	summarise(data, size, REPORT_OPENMETRICS);
	return 0;
}
