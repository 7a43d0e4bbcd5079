/*
 * check.h
 *	  The unit tests' tiny harness: CHECK(cond) counts, prints each failure
 *	  with its line, and check_summary() prints the closing line ctest-style
 *	  runners read ("N passed, M failed") and gives the exit status.
 */
#ifndef PGTLS_SHIM_TEST_CHECK_H
#define PGTLS_SHIM_TEST_CHECK_H

#include <stdio.h>

static int check_passed;
static int check_failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static void
check(int ok, const char *what, const char *file, int line)
{
	if (ok)
		check_passed++;
	else
	{
		check_failed++;
		printf("FAIL %s:%d: %s\n", file, line, what);
	}
}

static int
check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed != 0;
}

#endif
