/*
 * attr.h
 *	  Compiler attributes shared by every module.
 */
#ifndef PGTLS_SHIM_ATTR_H
#define PGTLS_SHIM_ATTR_H

/* A fallible function: its result must be looked at. */
#define PGS_WUR __attribute__((warn_unused_result))

#endif
