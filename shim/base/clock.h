/*
 * clock.h
 *	  The two clocks the shim reads: wall time for records, monotonic time
 *	  for durations and deadlines.
 */
#ifndef PGTLS_SHIM_CLOCK_H
#define PGTLS_SHIM_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);	 /* wall clock, ms since the epoch */
int64_t clock_mono_us(void); /* monotonic clock, microseconds */

#endif
