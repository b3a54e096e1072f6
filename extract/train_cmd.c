/*
 * train_cmd.c — `claimwire train checkworthiness`: trains the check-worthiness
 * model (extract/checkworthiness.h) on CLEF debate transcripts and, when
 * given, the ClaimBuster sentences, holding some debates out for
 * development, and writes the weights file extract loads.
 *
 *   claimwire train checkworthiness \
 *       --debates ../shared/data/checkworthiness/debates \
 *       --claimbuster ../shared/data/checkworthiness/claimbuster/claimbuster-2.5xNCS.jsonl \
 *       --threshold 0.6 --out extract/checkworthiness.weights
 *
 * (the command that wrote the shipped weights: the defaults but for the cut,
 * which is kept at 0.6 across retrains so that a deployment's share of
 * check-worthy claims does not jump with each one).
 *
 * The dev debates (--dev, default cw_cw_default_dev: every fifth debate by
 * sorted name) are never trained on; their MAP is printed after every epoch
 * and, at the end, for the weights as written.  --cv K instead reports a
 * K-fold cross-validated MAP over the training debates, for tuning the
 * hyper-parameters without looking at dev.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "extract/checkworthiness.h"
#include "extract/cw_debates.h"
#include "lib/cli.h"
#include "lib/common.h"

#define MAX_CLAIMBUSTER     (256u << 20) /* bytes */
#define DEFAULT_MAX_WEIGHTS 50000        /* keeps the weights file under ~0.9 MB */

static const char usage[] =
    "usage: claimwire train checkworthiness --debates DIR [options]\n"
    "\n"
    "Trains the sentence check-worthiness model and writes its weights.\n"
    "\n"
    "  --debates DIR        CLEF debates, *.tsv: line<TAB>speaker<TAB>text<TAB>label\n"
    "  --claimbuster FILE   ClaimBuster JSON lines {sentence_id, label, text} (optional)\n"
    "  --dev LIST           comma-separated debate files held out (default: every fifth\n"
    "                       debate by sorted name; 'none' holds out nothing)\n"
    "  --out FILE           weights file to write (default: no file)\n"
    "  --cv K               also report K-fold cross-validated MAP over the train debates\n"
    "  --epochs N           SGD passes (default 8)\n"
    "  --lr X               initial learning rate (default 0.03)\n"
    "  --l2 X               L2 penalty (default 1e-4)\n"
    "  --pos-weight X       weight of a positive sentence (default: balance the classes)\n"
    "  --cb-weight X        keep ClaimBuster sentences with this probability (default 1)\n"
    "  --cb-loss X          loss weight of a ClaimBuster sentence (default 1)\n"
    "  --rank-mix X         share of the pairwise ranking loss within a debate, in\n"
    "                       [0, 1] (default 0: logistic loss alone)\n"
    "  --bag N              average N models trained on different data orders (default 1)\n"
    "  --bits N             log2 of hashed buckets (default 18)\n"
    "  --max-weights N      hashed weights kept in the file, largest first (default 50000)\n"
    "  --threshold X        check-worthy cut written to the file (default: the best F1\n"
    "                       on debates the model has not seen)\n"
    "  --no-speaker         ignore speaker names\n"
    "  --seed N             shuffling seed (default 42)\n" CW_CLI_HELP "\n"
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration.\n";

enum {
	OPT_DEBATES = CW_OPT_FIRST_OWN,
	OPT_CLAIMBUSTER,
	OPT_DEV,
	OPT_OUT,
	OPT_CV,
	OPT_EPOCHS,
	OPT_LR,
	OPT_L2,
	OPT_POS_WEIGHT,
	OPT_CB_WEIGHT,
	OPT_CB_LOSS,
	OPT_RANK_MIX,
	OPT_BAG,
	OPT_BITS,
	OPT_MAX_WEIGHTS,
	OPT_THRESHOLD,
	OPT_NO_SPEAKER,
	OPT_SEED,
};

struct examples {
	struct cw_cw_example *ex;
	size_t n, cap;
};

static void push(struct examples *v, const struct cw_cw_example *e, int speaker)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 4096;
		v->ex = cw_xrealloc(v->ex, v->cap * sizeof(*v->ex));
	}
	v->ex[v->n] = *e;
	if (!speaker) {
		v->ex[v->n].speaker = NULL;
		v->ex[v->n].speaker_len = 0;
	}
	v->n++;
}

/* ClaimBuster JSON lines; texts are copied into *texts (one block). */
static int load_claimbuster(const char *path, struct examples *v, char **keep, char *errstr,
                            size_t errsize)
{
	char *buf = NULL, *line, *next;
	size_t len, lineno = 0;
	int rc = cw_read_file(path, MAX_CLAIMBUSTER, &buf, &len, errstr, errsize);
	if (rc != 0)
		goto out;
	for (line = buf; line < buf + len; line = next) {
		json_error_t je;
		json_t *o, *label, *text;
		next = memchr(line, '\n', (size_t)(buf + len - line));
		next = next ? next + 1 : buf + len;
		lineno++;
		size_t ll = (size_t)(next - line);
		while (ll > 0 && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
			ll--;
		if (ll == 0)
			continue;
		o = json_loadb(line, ll, 0, &je);
		if (!o) {
			snprintf(errstr, errsize, "%s:%zu: %s", path, lineno, je.text);
			rc = CW_ERR_INVALID;
			goto out;
		}
		label = json_object_get(o, "label");
		text = json_object_get(o, "text");
		if (!json_is_integer(label) || !json_is_string(text)) {
			snprintf(errstr, errsize,
			         "%s:%zu: expected integer 'label' and string 'text'", path,
			         lineno);
			json_decref(o);
			rc = CW_ERR_INVALID;
			goto out;
		}
		/* The text lives in the line's bytes: copy it there (it is never
		 * longer than its JSON spelling). */
		size_t tl = json_string_length(text);
		memcpy(line, json_string_value(text), tl);
		struct cw_cw_example e = {.text = line,
		                          .len = tl,
		                          .label = json_integer_value(label) != 0,
		                          .other_corpus = 1};
		push(v, &e, 0);
		json_decref(o);
	}
out:
	if (rc != 0)
		free(buf);
	else
		*keep = buf;
	return rc;
}

struct progress {
	const struct cw_cw_debate *dev;
	size_t ndev;
	int64_t t0;
};

static void on_epoch(unsigned epoch, const struct cw_cw_model *m, void *opaque)
{
	const struct progress *p = opaque;
	struct cw_cw_eval ev;
	if (!p->ndev)
		return;
	cw_cw_evaluate(m, p->dev, p->ndev, &ev);
	printf("epoch %u  dev MAP %.4f  P@10 %.4f  P@20 %.4f  (%.1f s)\n", epoch, ev.map, ev.p10,
	       ev.p20, (double)(cw_mono_ms() - p->t0) / 1000.0);
	fflush(stdout);
}

/* Hashed-weight magnitude below which weights are dropped so that at most
 * max remain. */
static int cmp_float_desc(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static double prune_level(const struct cw_cw_model *m, unsigned bits, size_t max)
{
	size_t nb = (size_t)1 << bits, nz = 0;
	float *a = cw_xmalloc(nb * sizeof(*a)), *w;
	double level = 0;
	w = cw_cw_model_weights(m);
	for (size_t i = 0; i < nb; i++)
		if (w[i] != 0)
			a[nz++] = w[i] < 0 ? -w[i] : w[i];
	if (nz > max) {
		cw_qsort(a, nz, sizeof(*a), cmp_float_desc);
		level = a[max - 1];
	}
	free(a);
	return level;
}

/* Scores of every sentence of the given debates, appended to (s, l). */
struct scored {
	float *s;
	int *l;
	size_t n, cap;
};

static void score_debates(const struct cw_cw_model *m, const struct cw_cw_debate *d, size_t n,
                          struct scored *out)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d[i].n; j++) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 4096;
				out->s = cw_xrealloc(out->s, out->cap * sizeof(*out->s));
				out->l = cw_xrealloc(out->l, out->cap * sizeof(*out->l));
			}
			out->s[out->n] = cw_cw_score_example(m, &d[i].ex[j]);
			out->l[out->n] = d[i].ex[j].label != 0;
			out->n++;
		}
}

/* The threshold (in steps of 0.01) with the best F1 over scored sentences
 * that the model did not train on; *f1 gets that F1. */
static float best_threshold(const struct scored *sc, double *f1)
{
	size_t pos = 0;
	float best = 0.5f;
	double bestf = -1;
	for (size_t i = 0; i < sc->n; i++)
		pos += sc->l[i] != 0;
	for (int t = 1; t < 100; t++) {
		float th = (float)t / 100.0f;
		size_t tp = 0, fp = 0;
		for (size_t i = 0; i < sc->n; i++)
			if (sc->s[i] >= th) {
				if (sc->l[i])
					tp++;
				else
					fp++;
			}
		double f = tp ? 2.0 * (double)tp / (double)(2 * tp + fp + (pos - tp)) : 0;
		if (f > bestf) {
			bestf = f;
			best = th;
		}
	}
	*f1 = bestf;
	return best;
}

static int parse_num(const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || *end || end == arg || !(v >= min && v <= max)) { /* NaN too */
		fprintf(stderr, "claimwire: %s: '%s' is not a number in [%g, %g]\n", opt, arg, min,
		        max);
		return -1;
	}
	*out = v;
	return 0;
}

int cw_train_checkworthiness_command(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CW_CLI_LONGOPTS,
	    {"debates", required_argument, NULL, OPT_DEBATES},
	    {"claimbuster", required_argument, NULL, OPT_CLAIMBUSTER},
	    {"dev", required_argument, NULL, OPT_DEV},
	    {"out", required_argument, NULL, OPT_OUT},
	    {"cv", required_argument, NULL, OPT_CV},
	    {"epochs", required_argument, NULL, OPT_EPOCHS},
	    {"lr", required_argument, NULL, OPT_LR},
	    {"l2", required_argument, NULL, OPT_L2},
	    {"pos-weight", required_argument, NULL, OPT_POS_WEIGHT},
	    {"cb-weight", required_argument, NULL, OPT_CB_WEIGHT},
	    {"cb-loss", required_argument, NULL, OPT_CB_LOSS},
	    {"rank-mix", required_argument, NULL, OPT_RANK_MIX},
	    {"bag", required_argument, NULL, OPT_BAG},
	    {"bits", required_argument, NULL, OPT_BITS},
	    {"max-weights", required_argument, NULL, OPT_MAX_WEIGHTS},
	    {"threshold", required_argument, NULL, OPT_THRESHOLD},
	    {"no-speaker", no_argument, NULL, OPT_NO_SPEAKER},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {NULL, 0, NULL, 0},
	};
	struct cw_cli_opts o = {0};
	struct cw_config *cfg = NULL;
	struct cw_cw_train_opts to;
	const char *debates = NULL, *claimbuster = NULL, *dev = NULL, *out = NULL;
	double v, cb_weight = 1, max_weights = DEFAULT_MAX_WEIGHTS, cv = 0;
	double threshold = -1; /* --threshold; else the best F1 */
	int speaker = 1, c, rc = CW_EXIT_USAGE;
	char errstr[512], **names = NULL, *cb_buf = NULL;
	size_t nnames = 0, ntrain = 0, ndev = 0;
	struct cw_cw_debate *train = NULL, *devd = NULL;
	struct examples all = {0};
	struct cw_cw_model *m = NULL, *shipped = NULL;
	struct scored oof = {0}; /* cross-validation: held-out fold scores */

	cw_cw_train_opts_init(&to);
	optind = 1;
	while ((c = getopt_long(argc, argv, CW_CLI_SHORTOPTS, longopts, NULL)) != -1) {
		int r = cw_cli_opt(&o, c, optarg);
		if (r == 1)
			continue;
		if (r < 0)
			goto out;
		switch (c) {
		case OPT_DEBATES:
			debates = optarg;
			break;
		case OPT_CLAIMBUSTER:
			claimbuster = optarg;
			break;
		case OPT_DEV:
			dev = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_NO_SPEAKER:
			speaker = 0;
			break;
		case OPT_CV:
			if (parse_num("--cv", optarg, 2, 50, &cv))
				goto out;
			break;
		case OPT_EPOCHS:
			if (parse_num("--epochs", optarg, 1, 1000, &v))
				goto out;
			to.epochs = (unsigned)v;
			break;
		case OPT_LR:
			if (parse_num("--lr", optarg, 1e-9, 100, &to.lr))
				goto out;
			break;
		case OPT_L2:
			if (parse_num("--l2", optarg, 0, 10, &to.l2))
				goto out;
			break;
		case OPT_POS_WEIGHT:
			if (parse_num("--pos-weight", optarg, 0, 1e6, &to.pos_weight))
				goto out;
			break;
		case OPT_CB_WEIGHT:
			if (parse_num("--cb-weight", optarg, 0, 1, &cb_weight))
				goto out;
			break;
		case OPT_CB_LOSS:
			if (parse_num("--cb-loss", optarg, 0, 100, &to.other_weight))
				goto out;
			break;
		case OPT_RANK_MIX:
			if (parse_num("--rank-mix", optarg, 0, 1, &to.rank_mix))
				goto out;
			break;
		case OPT_BAG:
			if (parse_num("--bag", optarg, 1, 64, &v))
				goto out;
			to.bag = (unsigned)v;
			break;
		case OPT_BITS:
			if (parse_num("--bits", optarg, 4, 24, &v))
				goto out;
			to.bits = (unsigned)v;
			break;
		case OPT_MAX_WEIGHTS:
			if (parse_num("--max-weights", optarg, 1, 1 << 24, &max_weights))
				goto out;
			break;
		case OPT_THRESHOLD:
			if (parse_num("--threshold", optarg, 0, 1, &threshold))
				goto out;
			break;
		case OPT_SEED:
			if (parse_num("--seed", optarg, 0, 1e18, &v))
				goto out;
			to.shuffle_seed = (uint64_t)v;
			break;
		default:
			fputs(usage, stderr);
			goto out;
		}
	}
	if ((rc = cw_cli_finish(&o, usage, &cfg)) >= 0)
		goto out;
	rc = CW_EXIT_USAGE;
	if (!debates || optind != argc) {
		fputs(usage, stderr);
		goto out;
	}

	rc = CW_EXIT_FAILURE;
	if (cw_cw_debate_list(debates, &names, &nnames, errstr, sizeof(errstr)) != 0) {
		fprintf(stderr, "claimwire: %s\n", errstr);
		goto out;
	}
	train = cw_xcalloc(nnames + 1, sizeof(*train));
	devd = cw_xcalloc(nnames + 1, sizeof(*devd));
	for (size_t i = 0; i < nnames; i++) {
		char path[4096];
		int is_dev = 0;
		if (!dev) {
			for (size_t k = 0; k < cw_cw_default_dev_count; k++)
				is_dev |= strcmp(names[i], cw_cw_default_dev[k]) == 0;
		} else {
			is_dev = cw_cw_name_in_list(names[i], dev);
		}
		snprintf(path, sizeof(path), "%s/%s", debates, names[i]);
		struct cw_cw_debate *d = is_dev ? &devd[ndev++] : &train[ntrain++];
		if (cw_cw_debate_load(path, d, errstr, sizeof(errstr)) != 0) {
			fprintf(stderr, "claimwire: %s\n", errstr);
			if (is_dev)
				ndev--;
			else
				ntrain--;
			goto out;
		}
	}
	/* Each debate its own group: the ranking loss pairs within one. */
	for (size_t i = 0; i < ntrain; i++)
		for (size_t k = 0; k < train[i].n; k++) {
			train[i].ex[k].group = (unsigned)i + 1;
			push(&all, &train[i].ex[k], speaker);
		}
	size_t ndebate_ex = all.n;
	if (claimbuster) {
		struct examples cb = {0};
		uint64_t r = to.shuffle_seed ^ 0xc1a1b5u;
		if (load_claimbuster(claimbuster, &cb, &cb_buf, errstr, sizeof(errstr)) != 0) {
			fprintf(stderr, "claimwire: %s\n", errstr);
			goto out;
		}
		for (size_t i = 0; i < cb.n; i++) {
			r = r * 6364136223846793005ull + 1442695040888963407ull;
			if ((double)(r >> 11) / 9007199254740992.0 < cb_weight)
				push(&all, &cb.ex[i], 0);
		}
		free(cb.ex);
	}
	size_t npos = 0;
	for (size_t i = 0; i < all.n; i++)
		npos += all.ex[i].label != 0;
	printf("train: %zu debates, %zu debate sentences, %zu other sentences, %zu positive; "
	       "dev: %zu debates\n",
	       ntrain, ndebate_ex, all.n - ndebate_ex, npos, ndev);
	printf("epochs %u  lr %g  l2 %g  pos-weight %g  bits %u  speaker %s  rank-mix %g  "
	       "cb-loss %g  bag %u\n",
	       to.epochs, to.lr, to.l2, to.pos_weight, to.bits, speaker ? "yes" : "no", to.rank_mix,
	       to.other_weight, to.bag);

	if (cv > 0) {
		/* K folds over train debates (debate i goes to fold i % K); the
		 * non-debate sentences are always trained on. */
		unsigned k = (unsigned)cv;
		double sum = 0;
		for (unsigned f = 0; f < k; f++) {
			struct examples fold = {0};
			struct cw_cw_debate *held = cw_xcalloc(ntrain + 1, sizeof(*held));
			size_t nheld = 0;
			struct cw_cw_eval ev;
			for (size_t i = 0; i < ntrain; i++) {
				if (i % k == f) {
					held[nheld++] = train[i];
					continue;
				}
				for (size_t j = 0; j < train[i].n; j++)
					push(&fold, &train[i].ex[j], speaker);
			}
			for (size_t i = ndebate_ex; i < all.n; i++)
				push(&fold, &all.ex[i], 1);
			struct cw_cw_train_opts fo = to;
			struct cw_cw_model *fm = cw_cw_train(fold.ex, fold.n, &fo);
			if (!speaker) { /* held-out debates scored without speakers too */
				for (size_t i = 0; i < nheld; i++) {
					struct cw_cw_example *cp =
					    cw_xmalloc(held[i].n * sizeof(*cp));
					for (size_t j = 0; j < held[i].n; j++) {
						cp[j] = held[i].ex[j];
						cp[j].speaker_len = 0;
					}
					held[i].ex = cp;
				}
			}
			cw_cw_evaluate(fm, held, nheld, &ev);
			score_debates(fm, held, nheld, &oof);
			if (!speaker)
				for (size_t i = 0; i < nheld; i++)
					free(held[i].ex);
			printf("cv fold %u/%u  MAP %.4f  P@10 %.4f  (%zu debates)\n", f + 1, k,
			       ev.map, ev.p10, nheld);
			sum += ev.map;
			cw_cw_model_free(fm);
			free(fold.ex);
			free(held);
		}
		printf("cv MAP %.4f\n", sum / k);
		fflush(stdout);
	}

	if (!speaker)
		for (size_t i = 0; i < ndev; i++)
			for (size_t j = 0; j < devd[i].n; j++)
				devd[i].ex[j].speaker_len = 0;
	struct progress pr = {.dev = devd, .ndev = ndev, .t0 = cw_mono_ms()};
	to.on_epoch = on_epoch;
	to.opaque = &pr;
	m = cw_cw_train(all.ex, all.n, &to);
	printf("trained in %.1f s\n", (double)(cw_mono_ms() - pr.t0) / 1000.0);
	if (out) {
		double level = prune_level(m, to.bits, (size_t)max_weights);
		/* The cut with the best F1 on debates the model has not seen:
		 * the cross-validation folds' held-out debates when --cv is
		 * given, else the dev debates (scores on the training debates
		 * themselves run high and would put it far too high). */
		struct scored sc = {0};
		const char *th_from = "cross-validation held-out debates";
		double f1;
		if (oof.n) {
			sc = oof;
		} else if (ndev) {
			score_debates(m, devd, ndev, &sc);
			th_from = "dev debates";
		} else {
			score_debates(m, train, ntrain, &sc);
			th_from = "train debates";
		}
		float best = best_threshold(&sc, &f1),
		      th = threshold >= 0 ? (float)threshold : best;
		if (sc.s != oof.s) {
			free(sc.s);
			free(sc.l);
		}
		if (cw_cw_model_save(m, out, level, th, errstr, sizeof(errstr)) != 0) {
			fprintf(stderr, "claimwire: %s\n", errstr);
			goto out;
		}
		shipped = cw_cw_model_load(out, errstr, sizeof(errstr));
		if (!shipped) {
			fprintf(stderr, "claimwire: written weights do not load: %s\n", errstr);
			goto out;
		}
		if (threshold >= 0)
			printf("wrote %s (threshold %.2f as given; best F1 %.3f at %.2f on %s)\n",
			       out, th, f1, best, th_from);
		else
			printf("wrote %s (threshold %.2f: best F1 %.3f on %s)\n", out, th, f1,
			       th_from);
		if (ndev) {
			struct cw_cw_eval ev;
			cw_cw_evaluate(shipped, devd, ndev, &ev);
			printf("dev (weights as written): MAP %.4f  P@10 %.4f  P@20 %.4f  "
			       "debates %zu  sentences %zu\n",
			       ev.map, ev.p10, ev.p20, ev.ndebates, ev.nsentences);
		}
	}
	rc = CW_EXIT_OK;
out:
	for (size_t i = 0; i < ntrain; i++)
		cw_cw_debate_release(&train[i]);
	for (size_t i = 0; i < ndev; i++)
		cw_cw_debate_release(&devd[i]);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(train);
	free(devd);
	free(all.ex);
	free(cb_buf);
	free(oof.s);
	free(oof.l);
	cw_cw_model_free(m);
	cw_cw_model_free(shipped);
	if (cfg)
		cw_config_free(cfg);
	return rc;
}
