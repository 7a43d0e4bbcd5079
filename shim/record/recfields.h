/*
 * recfields.h
 *	  The names of the record's fields (CONTRACT.md, "Log record"): one
 *	  spelling for the writer (record.c) and the readers (cli/logs/), so a
 *	  renamed field cannot leave a reader looking for the old name.  Only
 *	  macros: no code, no dependency, so the command's log tools may include
 *	  it without the library's pipeline.
 */
#ifndef PGTLS_SHIM_RECFIELDS_H
#define PGTLS_SHIM_RECFIELDS_H

/* Every event. */
#define RF_TS			  "ts"
#define RF_EVENT		  "event"
#define RF_PID			  "pid"
#define RF_PROGRAM		  "program"
#define RF_SCRIPT		  "script"
#define RF_HOSTNAME		  "hostname"
#define RF_SHIM_VERSION	  "shim_version"
#define RF_SCHEMA_VERSION "schema_version"
#define RF_UNIT			  "unit"
#define RF_SEVERITY		  "severity"
#define RF_POLICY		  "policy" /* object: RF_POLICY_PATH, RF_POLICY_SHA256 */
#define RF_POLICY_PATH	  "path"
#define RF_POLICY_SHA256  "sha256"

/* The values of RF_EVENT. */
#define RF_EVENT_CONNECT	  "connect"
#define RF_EVENT_POLICY_ERROR "policy_error"
#define RF_EVENT_BLIND_SPOT	  "blind_spot"
#define RF_EVENT_RECORDS_LOST "records_lost"

/* connect */
#define RF_APPLICATION_NAME	 "application_name"
#define RF_RULE				 "rule"
#define RF_MODE				 "mode"
#define RF_HOST				 "host"
#define RF_HOSTADDR			 "hostaddr"
#define RF_PORT				 "port"
#define RF_DBNAME			 "dbname"
#define RF_USER				 "user"
#define RF_TRANSPORT		 "transport"
#define RF_SSLMODE_REQUESTED "sslmode_requested"
#define RF_SSLMODE_EFFECTIVE "sslmode_effective"
#define RF_INJECTED			 "injected"
#define RF_OUTCOME			 "outcome"
#define RF_ERROR			 "error" /* also policy_error, records_lost */
#define RF_TLS				 "tls"
#define RF_GSSENC			 "gssenc"
#define RF_VERIFIED			 "verified"
#define RF_CHAIN			 "chain"
#define RF_AUDIT			 "audit"
#define RF_PROBE			 "probe"
#define RF_REASON			 "reason" /* also inside RF_AUDIT and RF_ROTATION */
#define RF_WARNINGS			 "warnings"
#define RF_DURATION_MS		 "duration_ms"
#define RF_VERIFICATION		 "verification"
#define RF_APP_SSLROOTCERT	 "app_sslrootcert"
#define RF_LOCAL_ADDR		 "local_addr"
#define RF_LOCAL_PORT		 "local_port"
#define RF_ROTATION			 "rotation"

/* Inside RF_TLS (and RF_PROBE's RF_TLS, RF_PROTOCOL, RF_ERROR). */
#define RF_TLS_PROTOCOL	   "protocol"
#define RF_TLS_CIPHER	   "cipher"
#define RF_TLS_KEY_BITS	   "key_bits"
#define RF_TLS_COMPRESSION "compression"

/* Each certificate of RF_CHAIN. */
#define RF_CERT_SUBJECT	   "subject"
#define RF_CERT_ISSUER	   "issuer"
#define RF_CERT_SERIAL	   "serial"
#define RF_CERT_NOT_BEFORE "not_before"
#define RF_CERT_NOT_AFTER  "not_after"
#define RF_CERT_SHA256	   "sha256"
#define RF_CERT_KEY		   "key"

/* Inside RF_AUDIT (and RF_REASON). */
#define RF_AUDIT_WOULD_VERIFY	"would_verify"
#define RF_AUDIT_VERIFY_ERROR	"verify_error"
#define RF_AUDIT_HOSTNAME_MATCH "hostname_match"
#define RF_AUDIT_WOULD_REFUSE	"would_refuse"
#define RF_AUDIT_WOULD_INJECT	"would_inject"

/* Inside RF_ROTATION (and RF_REASON). */
#define RF_ROT_NEXT_CA	"next_ca"
#define RF_ROT_AS_IS	"as_is"
#define RF_ROT_ENFORCED "enforced"
#define RF_ROT_BREAKS	"breaks" /* the value of as_is or enforced that breaks */

/* blind_spot */
#define RF_LIBPQ "libpq"
#define RF_WHY	 "why"

/* records_lost (and RF_ERROR) */
#define RF_LOST	 "lost"
#define RF_SINCE "since"

#endif
