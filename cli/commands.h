/*
 * commands.h — the commands of the front door, `claimwire <command>`.
 *
 * Each takes argv as main() would (argv[0] is the command's name), parses its
 * own options (with lib/cli.h's common ones), and returns the exit code.
 */
#ifndef CW_COMMANDS_H
#define CW_COMMANDS_H

/* The four workers. */
int cw_ingest_command(int argc, char **argv);  /* ingest/main.c */
int cw_extract_command(int argc, char **argv); /* extract/main.c */
int cw_match_command(int argc, char **argv);   /* match/main.c */
int cw_report_command(int argc, char **argv);  /* report/main.c */

/* Knowledge base: `claimwire kb load FILE…`, `claimwire kb stats`. */
int cw_kb_command(int argc, char **argv); /* match/kb_cmd.c */

/* Training and evaluation on ../shared/data. */
int cw_train_checkworthiness_command(int argc, char **argv); /* extract/ */
int cw_eval_checkworthiness_command(int argc, char **argv);  /* extract/ */
int cw_train_matcher_command(int argc, char **argv);         /* match/ */
int cw_eval_retrieval_command(int argc, char **argv);        /* match/ */
int cw_eval_neardup_command(int argc, char **argv);          /* match/ */

/* Local operation (cli/). */
int cw_broker_command(int argc, char **argv);
int cw_run_command(int argc, char **argv);
int cw_tail_command(int argc, char **argv);
int cw_produce_command(int argc, char **argv);

#endif
