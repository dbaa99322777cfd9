/* nf_cli_enrich.h - `noticeflow enrich`: the offline enrichment command. */
#ifndef NF_CLI_ENRICH_H
#define NF_CLI_ENRICH_H

/** @returns the process exit code: 0, 1 if a file could not be read, 2 on
 *  usage errors. */
int nf_cli_enrich_main(int argc, char **argv);

#endif /* NF_CLI_ENRICH_H */
