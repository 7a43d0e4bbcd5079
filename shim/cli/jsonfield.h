/*
 * jsonfield.h
 *	  Reading one field of a parsed record (json-c), for the commands that
 *	  read logs (report, reconcile).
 */
#ifndef PGTLS_SHIM_JSONFIELD_H
#define PGTLS_SHIM_JSONFIELD_H

#include <json-c/json.h>

/* O's member KEY when it is a string, else NULL (borrowed from O). */
const char *json_field_str(json_object *o, const char *key);

#endif
