/*
 * loss.h
 *	  The records this process could not write, counted per process (not
 *	  per sink: a policy reload opens a new sink, the outage goes on), for
 *	  the records_lost event and the one diagnostic per outage.  Callers
 *	  hold the sink lock.  A forked child starts with none: its parent's
 *	  losses are the parent's to report.
 */
#ifndef PGTLS_SHIM_LOSS_H
#define PGTLS_SHIM_LOSS_H

#include <stdbool.h>
#include <stdint.h>

#include "attr.h"

struct loss_note
{
	unsigned long lost; /* records not written since the last successful write */
	int64_t since_ms;	/* the ts of the first of them */
	char error[200];	/* why the first failed, one line, C locale */
};

/*
 * Counts one record lost, of ts TS_MS, because of WHY (static text) or, when
 * WHY is NULL, errno value ERR.  Returns true when it starts an outage:
 * the caller prints the one diagnostic.
 */
bool loss_count(int64_t ts_ms, const char *why, int err) PGS_WUR;

/*
 * Counts N->lost records lost, the first of ts N->since_ms, for the reason
 * N->error (kept only when this starts an outage); the outage's since is the
 * earliest.  Returns true when it starts an outage, as loss_count.
 */
bool loss_add(const struct loss_note *n) PGS_WUR;

/* Folds N into *INTO (counts added, the earliest since, INTO's error first). */
void loss_merge(struct loss_note *into, const struct loss_note *n);

/* The losses to report before the next record into *OUT; false when none. */
bool loss_pending(struct loss_note *out) PGS_WUR;

/* A write succeeded (with the records_lost event, if one was pending): the outage is over. */
void loss_clear(void);

#endif
