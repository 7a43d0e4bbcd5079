/*
 * fields.h
 *	  For the fuzz targets: splits the fuzzer's bytes into NUL-separated
 *	  fields.  A field that is not there is NULL, so every target also sees
 *	  missing values.  The copy is owned by the struct (fields_free).
 */
#ifndef PGTLS_FUZZ_FIELDS_H
#define PGTLS_FUZZ_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64

struct fields
{
	char *copy;
	size_t n;
	size_t next;
	const char *f[MAX_FIELDS];
};

static inline int
fields_split(struct fields *fs, const uint8_t *data, size_t size)
{
	memset(fs, 0, sizeof(*fs));
	fs->copy = malloc(size + 1);
	if (fs->copy == NULL)
		return 0;
	memcpy(fs->copy, data, size);
	fs->copy[size] = '\0';
	for (size_t i = 0; i <= size && fs->n < MAX_FIELDS; i++)
	{
		fs->f[fs->n++] = fs->copy + i;
		i += strlen(fs->copy + i);
	}
	return 1;
}

/* The next field, or NULL once they are used up. */
static inline const char *
fields_next(struct fields *fs)
{
	return fs->next < fs->n ? fs->f[fs->next++] : NULL;
}

static inline void
fields_free(struct fields *fs)
{
	free(fs->copy);
}

#endif
