/*
 * nf_err.c - names of the shell's codes (nf_err_set, the filler, is the
 * core's: nf_enrich.h).
 *
 * The names are part of the dead-letter contract (error_code field of
 * schemas/dead_letter.avsc): they are stable identifiers, never reworded.
 */
#include "nf_err.h"

/* Machine names of the shell codes, indexed from NF_E_SHELL_BASE. */
static const char *const shell_names[] = {
    /* value starts with '{' but is not JSON: a producer bug upstream */
    "envelope_json",
    /* JSON but not {"text": "..."} with string/null metadata */
    "envelope_invalid",
    /* start-up only: never reaches a dead letter */
    "config",
    "avro",
    "kafka",
};

_Static_assert(sizeof(shell_names) / sizeof(shell_names[0]) ==
                   NF_E_SHELL__END - NF_E_SHELL_BASE,
               "one name per shell code");

const char *nf_err_name(int code)
{
    if (code >= NF_E_SHELL_BASE && code < NF_E_SHELL__END)
        return shell_names[code - NF_E_SHELL_BASE];
    return nf_code_name(code);
}

const char *nf_disposition_name(enum nf_disposition d)
{
    switch (d) {
    case NF_DISP_OK:
        return "ok";
    case NF_DISP_DEAD_LETTER:
        return "dead_letter";
    case NF_DISP_RETRY:
        return "retry";
    case NF_DISP_FATAL:
        return "fatal";
    }
    return "unknown";
}
