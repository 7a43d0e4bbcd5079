/*
 * jsonfield.c
 *	  Typed access to a record's fields.
 */
#include "jsonfield.h"

const char *
json_field_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
