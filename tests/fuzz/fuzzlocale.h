/*
 * fuzzlocale.h
 *	  For the fuzz targets: the code under test runs under the locale of the
 *	  environment when LC_ALL is set (scripts/fuzz.sh's second pass sets
 *	  LC_ALL=de_DE.UTF-8, as a host program that calls setlocale(LC_ALL, "")
 *	  would have it), while the targets' own checks run in the C locale
 *	  (fuzz_c_locale_begin/end), so that what a check reads does not depend on
 *	  the locale the shim is tested under.
 */
#ifndef PGTLS_FUZZ_LOCALE_H
#define PGTLS_FUZZ_LOCALE_H

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * From LLVMFuzzerInitialize.  A locale asked for and not installed stops
 * the run: a pass meant for de_DE must not quietly run in C.  The line on
 * stderr lets scripts/fuzz.sh check which decimal point the pass had.
 */
static inline void
fuzz_locale_init(void)
{
	const char *want = getenv("LC_ALL");
	const char *got;

	if (want == NULL || want[0] == '\0')
		return;
	if ((got = setlocale(LC_ALL, "")) == NULL)
	{
		fprintf(stderr, "fuzz: locale %s is not installed\n", want);
		abort();
	}
	fprintf(stderr, "fuzz: locale %s, decimal point \"%s\"\n", got, localeconv()->decimal_point);
}

/* The C locale for the calling thread until fuzz_c_locale_end(OLD). */
static inline locale_t
fuzz_c_locale_begin(void)
{
	static locale_t c_locale;

	if (c_locale == (locale_t) 0 &&
		(c_locale = newlocale(LC_ALL_MASK, "C", (locale_t) 0)) == (locale_t) 0)
		abort();
	return uselocale(c_locale);
}

static inline void
fuzz_c_locale_end(locale_t old)
{
	uselocale(old);
}

#endif
