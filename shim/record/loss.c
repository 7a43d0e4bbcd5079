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

void
loss_merge(struct loss_note *into, const struct loss_note *n)
{
	if (n->lost == 0)
		return;
	if (into->lost == 0)
	{
		*into = *n;
		return;
	}
	into->lost += n->lost;
	if (n->since_ms < into->since_ms)
		into->since_ms = n->since_ms;
}

bool
loss_add(const struct loss_note *n)
{
	struct loss_note *s = mine();
	bool starts = s->lost == 0 && n->lost > 0;

	loss_merge(s, n);
	return starts;
}

bool
loss_count(int64_t ts_ms, const char *why, int err)
{
	struct loss_note n = {.lost = 1, .since_ms = ts_ms};

	snprintf(n.error, sizeof(n.error), "%s", why ? why : error_text(err));
	return loss_add(&n);
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
