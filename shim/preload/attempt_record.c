/*
 * attempt_record.c
 *	  In other people's processes: part of the preloaded library only.
 *	  Assembles and writes the record of one attempt.
 */
#include "attempt_record.h"

#include <stdlib.h>

#include "clock.h"
#include "process.h"
#include "text.h"

void
attempt_record(const struct conn_state *st, struct pgs_record *r)
{
	struct jbuf b;
	char *line;

	if (st->snap->sink == NULL)
		return;
	line = one_line(r->error);
	process_origin(&r->who);
	r->who.ts_ms = st->start_ms;
	r->who.policy = st->snap->policy;
	r->facts = &st->plan.fb.f;
	r->d = &st->plan.d;
	r->duration_us = clock_mono_us() - st->start_mono_us;
	r->now_s = clock_now_ms() / 1000;
	r->log_chain = st->snap->policy->log.chain;
	if (line)
		r->error = line;
	jb_init(&b);
	if (record_connect(r, &b))
		sink_write(st->snap->sink, &r->who, record_severity(r), b.p, b.len);
	jb_free(&b);
	free(line);
}
