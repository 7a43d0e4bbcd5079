/*
 * match.h
 *	  Rule matching: the first rule of a policy whose every named key
 *	  matches a connection target.
 */
#ifndef PGTLS_SHIM_MATCH_H
#define PGTLS_SHIM_MATCH_H

#include "facts.h"
#include "policy.h"

/*
 * Returns the rule of POLICY that a connection with these facts and this
 * target matches first, or NULL when none does.
 */
const struct pgs_rule *policy_match(const struct pgs_policy *policy, const struct pgs_facts *facts,
									const struct pgs_target *target);

#endif
