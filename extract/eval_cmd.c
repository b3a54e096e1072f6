/*
 * eval_cmd.c — `claimwire eval checkworthiness`: ranks every sentence of
 * every CLEF debate in a directory with the same cw_cw_score_ctx() extract uses
 * (each line with the lines before and after it as context),
 * and prints the lab's measures, one "NAME VALUE" a line:
 *
 *   MAP 0.1234        mean over debates of average precision
 *   P@10 0.2000       mean over debates of precision among the top 10
 *   P@20 0.1500
 *   debates 10
 *   sentences 8123
 *
 * The development debates alone (the ones `claimwire train checkworthiness`
 * holds out by default):
 *
 *   claimwire eval checkworthiness --debates ../shared/data/checkworthiness/debates --dev
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/checkworthiness.h"
#include "extract/cw_debates.h"
#include "lib/cli.h"
#include "lib/common.h"

#define DEFAULT_WEIGHTS "extract/checkworthiness.weights"

static const char usage[] =
    "usage: claimwire eval checkworthiness --debates DIR [options]\n"
    "\n"
    "Scores every sentence of the debates in DIR and prints MAP, P@10, P@20.\n"
    "\n"
    "  --debates DIR      CLEF debates, *.tsv: line<TAB>speaker<TAB>text<TAB>label\n"
    "  --weights FILE     model weights (default: extract.weights from the\n"
    "                     configuration, else " DEFAULT_WEIGHTS ")\n"
    "  --only LIST        only these comma-separated debate files\n"
    "  --dev              only the development debates held out by training\n"
    "  --per-debate       also print 'AP NAME VALUE' for each debate\n"
    "  --no-speaker       score without speaker names\n" CW_CLI_HELP "\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration.\n";

enum {
	OPT_DEBATES = CW_OPT_FIRST_OWN,
	OPT_WEIGHTS,
	OPT_ONLY,
	OPT_DEV,
	OPT_PER_DEBATE,
	OPT_NO_SPEAKER,
};

int cw_eval_checkworthiness_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"debates", required_argument, NULL, OPT_DEBATES},
	    {"weights", required_argument, NULL, OPT_WEIGHTS},
	    {"only", required_argument, NULL, OPT_ONLY},
	    {"dev", no_argument, NULL, OPT_DEV},
	    {"per-debate", no_argument, NULL, OPT_PER_DEBATE},
	    {"no-speaker", no_argument, NULL, OPT_NO_SPEAKER},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	const char *dir = NULL, *weights = NULL, *only = NULL;
	int dev = 0, per_debate = 0, speaker = 1, c, rc = CW_EXIT_USAGE;
	char errstr[512], **names = NULL;
	size_t nnames = 0, nd = 0;
	struct cw_cw_debate *d = NULL;
	struct cw_cw_model *m = NULL;
	struct cw_cw_eval ev;

	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r == 1)
			continue;
		if (r < 0)
			goto out;
		switch (c) {
		case OPT_DEBATES:
			dir = optarg;
			break;
		case OPT_WEIGHTS:
			weights = optarg;
			break;
		case OPT_ONLY:
			only = optarg;
			break;
		case OPT_DEV:
			dev = 1;
			break;
		case OPT_PER_DEBATE:
			per_debate = 1;
			break;
		case OPT_NO_SPEAKER:
			speaker = 0;
			break;
		default:
			fputs(usage, stderr);
			goto out;
		}
	}
	if ((rc = cw_cli_finish(&o, usage, &cfg)) >= 0)
		goto out;
	rc = CW_EXIT_USAGE;
	if (!dir || optind != argc || (dev && only)) {
		fputs(usage, stderr);
		goto out;
	}
	if (!weights && cfg)
		weights = cw_config_str(cfg, "extract.weights");
	if (!weights || !*weights)
		weights = DEFAULT_WEIGHTS;

	rc = CW_EXIT_FAILURE;
	m = cw_cw_model_load(weights, errstr, sizeof(errstr));
	if (!m) {
		fprintf(stderr, "claimwire: %s\n", errstr);
		goto out;
	}
	if (cw_cw_debate_list(dir, &names, &nnames, errstr, sizeof(errstr)) != 0) {
		fprintf(stderr, "claimwire: %s\n", errstr);
		goto out;
	}
	d = cw_xcalloc(nnames + 1, sizeof(*d));
	for (size_t i = 0; i < nnames; i++) {
		char path[4096];
		int keep = 1;
		if (only) {
			keep = cw_cw_name_in_list(names[i], only);
		} else if (dev) {
			keep = 0;
			for (size_t k = 0; k < cw_cw_default_dev_count; k++)
				keep |= strcmp(names[i], cw_cw_default_dev[k]) == 0;
		}
		if (!keep)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (cw_cw_debate_load(path, &d[nd], errstr, sizeof(errstr)) != 0) {
			fprintf(stderr, "claimwire: %s\n", errstr);
			goto out;
		}
		if (!speaker)
			for (size_t k = 0; k < d[nd].n; k++)
				d[nd].ex[k].speaker_len = 0;
		nd++;
	}
	if (nd == 0) {
		fprintf(stderr, "claimwire: %s: no debate to evaluate\n", dir);
		goto out;
	}
	if (per_debate) {
		for (size_t i = 0; i < nd; i++) {
			struct cw_cw_eval one;
			cw_cw_evaluate(m, &d[i], 1, &one);
			printf("AP %s %.4f\n", d[i].name, one.map);
		}
	}
	int64_t t0 = cw_mono_ms();
	cw_cw_evaluate(m, d, nd, &ev);
	int64_t ms = cw_mono_ms() - t0;
	printf("MAP %.4f\nP@10 %.4f\nP@20 %.4f\ndebates %zu\nsentences %zu\npositives %zu\n",
	       ev.map, ev.p10, ev.p20, ev.ndebates, ev.nsentences, ev.npositives);
	fprintf(stderr, "scored %zu sentences in %lld ms\n", ev.nsentences, (long long)ms);
	rc = CW_EXIT_OK;
out:
	for (size_t i = 0; i < nd; i++)
		cw_cw_debate_release(&d[i]);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(d);
	cw_cw_model_free(m);
	if (cfg)
		cw_config_free(cfg);
	return rc;
}
