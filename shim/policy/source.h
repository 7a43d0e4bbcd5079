/*
 * source.h
 *	  Internal to the policy module: a policy's text as libconfig parses it,
 *	  made of the main file and every file it @includes, each opened and
 *	  checked here (policy_check_file on the descriptor read), hashed, and
 *	  inlined where its directive stands, with a map from the combined
 *	  text's lines back to each file's own lines.
 */
#ifndef PGTLS_SHIM_SOURCE_H
#define PGTLS_SHIM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"
#include "policy.h"
#include "sha256.h"

/* From line out_line of the combined text on, file FILE's line LINE. */
struct src_seg
{
	int out_line;
	size_t file; /* index into files.v */
	int line;
};

struct src_text
{
	char *text; /* the combined text, NUL-terminated; libconfig reads this */
	size_t len;
	size_t cap;
	int out_line; /* the line of the combined text being written */
	struct src_seg *segs;
	size_t nsegs;
	size_t capsegs;
	struct pgs_sources files; /* every file read, the main one first */
	struct sha256 hash;		  /* over each file's bytes in the order read */
	char *dir;				  /* the main file's directory with a '/', or "" */
	bool no_files;			  /* text given in memory: @include is an error */
};

/*
 * Reads the policy file PATH and everything it includes into *T (zeroed by
 * the caller).  Returns true with T->text complete; false with the problems
 * appended to *errs.  T->files lists the files read either way (for
 * reloading when one changes).  *missing: the main file does not exist.
 * The caller frees *T with src_free in both cases.
 */
bool src_read_file(struct src_text *t, const char *path, struct pgs_errors *errs,
				   bool *missing) PGS_WUR;

/* TEXT named NAME, with no file access (an @include in it is an error). */
bool src_read_text(struct src_text *t, const char *text, const char *name,
				   struct pgs_errors *errs) PGS_WUR;

/* The file (an index into t->files.v) and line of the combined text's line OUT_LINE. */
void src_locate(const struct src_text *t, int out_line, size_t *file, int *line);

/* The lowercase hex SHA-256 of the files' bytes, in the order read. */
void src_sha256(struct src_text *t, char hex[65]);

void src_free(struct src_text *t);

/*
 * Compiles T (read by src_read_*), named PATH; parse.c.  Returns the policy
 * (policy_free) or NULL with every problem appended to *errs, each at the
 * file and line where it is written.
 */
struct pgs_policy *policy_compile_source(struct src_text *t, const char *path,
										 struct pgs_errors *errs) PGS_WUR;

#endif
