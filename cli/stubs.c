/*
 * stubs.c — placeholders for commands not linked into this build yet.
 * Weak symbols: the real command overrides each one.
 */
#include <stdio.h>

#include "cli/commands.h"

#define STUB(fn)                                                                           \
	__attribute__((weak)) int fn(int argc, char **argv)                                \
	{                                                                                  \
		(void)argc;                                                                \
		fprintf(stderr, "claimwire: '%s' is not available in this build\n", argv[0]); \
		return 1;                                                                  \
	}

STUB(cw_ingest_command)
STUB(cw_extract_command)
STUB(cw_match_command)
STUB(cw_report_command)
STUB(cw_kb_command)
STUB(cw_train_checkworthiness_command)
STUB(cw_eval_checkworthiness_command)
STUB(cw_train_matcher_command)
STUB(cw_eval_retrieval_command)
STUB(cw_broker_command)
STUB(cw_run_command)
STUB(cw_tail_command)
