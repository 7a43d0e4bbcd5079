/*
 * loss.c
 *	  One process-wide loss count.  The pid it belongs to is kept with it:
 *	  a forked child, which inherits the memory, sees another pid and starts
 *	  from zero (no fork handler needed).
 */
#include "loss.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

static struct loss_note state;
static pid_t owner;

/* The state, reset when this is a forked child of the process that counted. */
static struct loss_note *
mine(void)
{
	pid_t pid = getpid();

	if (owner != pid)
	{
		memset(&state, 0, sizeof(state));
		owner = pid;
	}
	return &state;
}

bool
loss_count(int64_t ts_ms, const char *why, int err)
{
	struct loss_note *s = mine();

	if (s->lost++ > 0)
		return false;
	s->since_ms = ts_ms;
	snprintf(s->error, sizeof(s->error), "%s", why ? why : error_text(err));
	return true;
}

bool
loss_pending(struct loss_note *out)
{
	struct loss_note *s = mine();

	if (s->lost == 0)
		return false;
	*out = *s;
	return true;
}

void
loss_clear(void)
{
	struct loss_note *s = mine();

	s->lost = 0;
}

void
loss_uncount(void)
{
	struct loss_note *s = mine();

	if (s->lost > 0)
		s->lost--;
}
