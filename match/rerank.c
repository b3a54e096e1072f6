/*
 * rerank.c — features of (claim, fact-check) pairs and the logistic model
 * that re-ranks the best BM25F candidates (see rerank.h).
 *
 * Everything here runs per query on at most CW_RERANK_MAX candidates, so the
 * scratch lives on the stack with fixed caps instead of the heap (and the two
 * sets too big for it in thread-local storage), so that threads re-rank at
 * once: a claim has far fewer than CAP_TERMS distinct words in practice, and
 * words past the caps are simply not counted.  What a feature needs of a fact-check's
 * raw text (its numbers, its words) the index keeps from put time, so a
 * candidate costs no scan of its text.
 */
#include "match/rerank.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extract/fingerprint.h"
#include "lib/common.h"

#define CW_RERANK_MAX 128 /* candidates re-ranked at most */
#define CAP_TERMS     512 /* distinct terms per side */
#define CAP_ENTS      64  /* capitalised names per side */

const char *const cw_rerank_feature_names[CW_RERANK_NFEAT] = {
    "bm25",         "bm25_claim",  "bm25_title", "bm25_extra", "bm25_norm", "bm25_gap",
    "jaccard",      "qcover",      "dcover",     "qcover_idf", "bigram",    "num_agree",
    "num_disagree", "ent_overlap", "speaker",    "simhash",    "rank",      "qlen",
};

const char *const cw_rerank_cal_names[CW_RERANK_NCAL] = {
    "cal:bm25",        "cal:bm25_claim", "cal:bm25_title",   "cal:bm25_extra",  "cal:bm25_norm",
    "cal:bm25_gap",    "cal:jaccard",    "cal:qcover",       "cal:dcover",      "cal:qcover_idf",
    "cal:bigram",      "cal:num_agree",  "cal:num_disagree", "cal:ent_overlap", "cal:speaker",
    "cal:simhash",     "cal:rank",       "cal:qlen",         "cal:logit",       "cal:margin",
    "cal:bm25_margin",
};

void cw_rerank_model_default(struct cw_rerank_model *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < CW_RERANK_NFEAT; i++)
		m->scale[i] = 1.0;
	for (int i = 0; i < CW_RERANK_NCAL; i++)
		m->cal_scale[i] = 1.0;
	m->w[CW_RF_BM25] = 1.0;
	m->candidates = 30;
}

/* ---- the weights file ---- */

int cw_rerank_model_load(struct cw_rerank_model *m, const char *path, char *errstr, size_t errsize)
{
	char *buf = NULL;
	size_t len;
	cw_rerank_model_default(m);
	m->w[CW_RF_BM25] = 0; /* a file says every weight it wants */
	int rc = cw_read_file(path, 1u << 20, &buf, &len, errstr, errsize);
	if (rc)
		goto out;
	size_t line = 0;
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (!nl)
			nl = buf + len;
		*nl = '\0';
		line++;
		char *hash = strchr(p, '#');
		if (hash)
			*hash = '\0';
		char name[64], kind[16];
		double v;
		int nf = sscanf(p, "%63s %15s %lf", name, kind, &v);
		if (nf <= 0)
			continue;
		if (strcmp(name, "bias") == 0 && nf >= 2) {
			m->bias = strtod(kind, NULL);
			continue;
		}
		if (strcmp(name, "cal_bias") == 0 && nf >= 2) {
			m->cal_bias = strtod(kind, NULL);
			m->calibrated = 1;
			continue;
		}
		if (strcmp(name, "candidates") == 0 && nf >= 2) {
			long c = strtol(kind, NULL, 10);
			if (c < 1 || c > CW_RERANK_MAX) {
				snprintf(errstr, errsize, "%s:%zu: candidates must be 1..%d", path,
				         line, CW_RERANK_MAX);
				rc = CW_ERR_INVALID;
				goto out;
			}
			m->candidates = (unsigned)c;
			continue;
		}
		if (nf != 3) {
			snprintf(errstr, errsize,
			         "%s:%zu: expected 'feature weight|mean|scale value'", path, line);
			rc = CW_ERR_INVALID;
			goto out;
		}
		int fi = -1, cal = strncmp(name, "cal:", 4) == 0;
		for (int i = 0; i < (cal ? CW_RERANK_NCAL : CW_RERANK_NFEAT); i++)
			if (strcmp(cal ? cw_rerank_cal_names[i] : cw_rerank_feature_names[i],
			           name) == 0)
				fi = i;
		if (fi < 0)
			continue; /* a feature this build does not know: weight 0 */
		double *w = cal ? m->cal_w : m->w, *mean = cal ? m->cal_mean : m->mean;
		double *scale = cal ? m->cal_scale : m->scale;
		if (strcmp(kind, "weight") == 0) {
			w[fi] = v;
		} else if (strcmp(kind, "mean") == 0) {
			mean[fi] = v;
		} else if (strcmp(kind, "scale") == 0 && v > 0) {
			scale[fi] = v;
		} else {
			snprintf(errstr, errsize, "%s:%zu: bad '%s' for feature '%s'", path, line,
			         kind, name);
			rc = CW_ERR_INVALID;
			goto out;
		}
	}
out:
	free(buf);
	return rc;
}

int cw_rerank_model_write(const struct cw_rerank_model *m, FILE *f)
{
	fprintf(f, "# claimwire matcher weights: logistic model over standardised "
	           "features,\n"
	           "# p = 1 / (1 + exp(-(bias + sum weight * (x - mean) / scale)))\n");
	fprintf(f, "candidates %u\n", m->candidates);
	fprintf(f, "bias %.9g\n", m->bias);
	for (int i = 0; i < CW_RERANK_NFEAT; i++)
		fprintf(f, "%s weight %.9g\n%s mean %.9g\n%s scale %.9g\n",
		        cw_rerank_feature_names[i], m->w[i], cw_rerank_feature_names[i], m->mean[i],
		        cw_rerank_feature_names[i], m->scale[i]);
	if (m->calibrated) {
		fprintf(f, "# calibrator: probability that a ranked candidate is a fact-check of "
		           "the claim\n");
		fprintf(f, "cal_bias %.9g\n", m->cal_bias);
		for (int i = 0; i < CW_RERANK_NCAL; i++)
			fprintf(f, "%s weight %.9g\n%s mean %.9g\n%s scale %.9g\n",
			        cw_rerank_cal_names[i], m->cal_w[i], cw_rerank_cal_names[i],
			        m->cal_mean[i], cw_rerank_cal_names[i], m->cal_scale[i]);
	}
	return ferror(f) ? CW_ERR_IO : CW_OK;
}

/* ---- feature helpers ---- */

/* Whether x is among v[0..n). */
static int has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* Whether x is among the sorted v[0..n).  The halving step is a
 * conditional move, not a branch: whether a fact-check's word sorts before
 * a claim's is a coin toss the branch predictor would lose. */
static int has_sorted_u64(const uint64_t *v, size_t n, uint64_t x)
{
	const uint64_t *base = v;

	if (n == 0)
		return 0;
	while (n > 1) {
		size_t half = n / 2;
		base = base[half] <= x ? base + half : base;
		n -= half;
	}
	return *base == x;
}

/* 1 when a name word of the claim's speaker (wa[0..na), from
 * cw_index_words) occurs in the fact-check's claimant, -1 when both are
 * known and share none, 0 when either is unknown. */
static double speaker_match(const uint64_t *wa, size_t na, const char *b, size_t bl)
{
	uint64_t wb[16];
	if (!na || !b || !bl)
		return 0;
	size_t nb = cw_index_words(b, bl, 1, wb, 16);
	if (!nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (has_u64(wb, nb, wa[i]))
			return 1;
	return -1;
}

/* log1p of a BM25 score (>= 0).  A field without a query term scores +0,
 * whose log1p is +0: no call for it (the extra field is always empty in the
 * match worker). */
static double log1p_score(float s)
{
	return s > 0 ? log1p(s) : 0;
}

/* A small open-addressing set of non-zero 64-bit keys, each with its
 * insertion position: the query side is put in once per query, then every
 * candidate's words are looked up in it (no sorting per candidate). */
#define QSET_SLOTS 2048 /* > 2 * (CAP_TERMS + 1) so probes stay short */
struct qset {
	uint64_t key[QSET_SLOTS];
	uint16_t pos[QSET_SLOTS];
	uint16_t used[QSET_SLOTS]; /* occupied slots, in insertion order */
	size_t n;
};

/* Empties s, touching only its occupied slots (a full memset is 20 KB). */
static void qset_clear(struct qset *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->key[s->used[i]] = 0;
	s->n = 0;
}

static uint32_t qset_home(uint64_t k)
{
	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 53); /* 11 bits */
}

/* Inserts k; returns its position (the old one when present). */
static size_t qset_add(struct qset *s, uint64_t k)
{
	for (uint32_t i = qset_home(k);; i = (i + 1) & (QSET_SLOTS - 1)) {
		if (s->key[i] == k)
			return s->pos[i];
		if (!s->key[i]) {
			s->key[i] = k;
			s->pos[i] = (uint16_t)s->n;
			s->used[s->n] = (uint16_t)i;
			return s->n++;
		}
	}
}

/* Position of k, or -1. */
static long qset_find(const struct qset *s, uint64_t k)
{
	for (uint32_t i = qset_home(k);; i = (i + 1) & (QSET_SLOTS - 1)) {
		if (s->key[i] == k)
			return s->pos[i];
		if (!s->key[i])
			return -1;
	}
}

static uint64_t pair_key(uint32_t a, uint32_t b)
{
	return ((uint64_t)a << 32 | b) + 1; /* never 0: term ids are below UINT32_MAX */
}

/* cw_rerank_features for the query analysed as qv. */
static void features(const struct cw_index *ix, const struct cw_index_query_view *qv,
                     const struct cw_index_query *q, const struct cw_index_hit *hits, size_t n,
                     double *x)
{
	static _Thread_local struct qset terms, bigrams;

	/* the candidates' blocks load while the query side is worked out */
	for (size_t h = 0; h < n; h++)
		cw_index_doc_prefetch(ix, hits[h].doc);

	/* query side, once: distinct known terms (unknown words each count once
	 * as a term no fact-check has), distinct bigrams of known terms */
	qset_clear(&terms); /* static storage starts zeroed */
	qset_clear(&bigrams);
	size_t nq = CW_MIN((size_t)qv->nterms, (size_t)CAP_TERMS), nunknown = 0, nbig = 0;
	double qidf[CAP_TERMS];
	/* A candidate's term t is query term number slot[place[t]] - 1, or none
	 * when that is 0: the search's places, mapped to the order here.  The
	 * terms of the first CAP_TERMS tokens come first among the searched
	 * ones, so places past nslot are none (slot[nslot + 1] is 0). */
	uint16_t slot[CAP_TERMS + 2];
	size_t nslot = CW_MIN((size_t)qv->nsearched, (size_t)CAP_TERMS);
	memset(slot, 0, (nslot + 2) * sizeof(slot[0]));
	for (size_t i = 0; i < nq; i++) {
		uint32_t t = qv->terms[i];
		if (t == CW_INDEX_NO_TERM) {
			nunknown++;
			continue;
		}
		size_t before = terms.n, pos = qset_add(&terms, (uint64_t)t + 1);
		if (pos != before)
			continue;
		/* a term no live fact-check holds was not searched */
		uint32_t pl = qv->place[t];
		qidf[pos] = pl ? (double)qv->idf[pl - 1] : cw_index_idf(ix, t);
		if (pl)
			slot[pl] = (uint16_t)(pos + 1);
	}
	for (size_t i = 1; i < nq; i++) {
		uint32_t a = qv->terms[i - 1], b = qv->terms[i];
		nbig++;
		if (a != CW_INDEX_NO_TERM && b != CW_INDEX_NO_TERM)
			qset_add(&bigrams, pair_key(a, b));
	}
	size_t nqs = terms.n;
	double unknown_idf = log(1.0 + ((double)cw_index_count(ix) + 0.5) / 0.5);
	double qidf_total = (double)nunknown * unknown_idf;
	for (size_t i = 0; i < nqs; i++)
		qidf_total += qidf[i];
	size_t qtotal = nqs + nunknown;

	uint64_t qnum[CW_INDEX_MAX_NUMBERS], qent[CAP_ENTS];
	size_t nqnum = cw_index_numbers(qv->clean, qv->clean_len, qnum, CW_INDEX_MAX_NUMBERS);
	size_t nqent = cw_index_words(qv->clean, qv->clean_len, 1, qent, CAP_ENTS);

	/* the claim's speaker's names, for every candidate's claimant */
	uint64_t qspk[16];
	size_t nqspk = q->speaker && q->speaker_len
	                   ? cw_index_words(q->speaker, q->speaker_len, 1, qspk, 16)
	                   : 0;

	double qlen = log1p((double)nq), best = n ? hits[0].bm25 : 0;
	for (size_t h = 1; h < n; h++)
		if (hits[h].bm25 > best)
			best = hits[h].bm25;

	for (size_t h = 0; h < n; h++) {
		double *r = x + h * CW_RERANK_NFEAT;
		memset(r, 0, CW_RERANK_NFEAT * sizeof(double));
		const struct cw_index_hit *hit = &hits[h];
		struct cw_index_doc_view dv;
		if (cw_index_doc_view(ix, hit->doc, &dv) != CW_OK)
			continue;
		r[CW_RF_BM25] = log1p_score(hit->bm25);
		r[CW_RF_BM25_CLAIM] = log1p_score(hit->field_bm25[CW_FIELD_CLAIM]);
		r[CW_RF_BM25_TITLE] = log1p_score(hit->field_bm25[CW_FIELD_TITLE]);
		r[CW_RF_BM25_EXTRA] = log1p_score(hit->field_bm25[CW_FIELD_EXTRA]);
		r[CW_RF_BM25_NORM] = best > 0 ? hit->bm25 / best : 0;
		r[CW_RF_BM25_GAP] = best > 0 ? (best - hit->bm25) / best : 0;

		/* which query terms the claim and the title hold: flag bit 1 claim,
		 * bit 2 title; claim tokens that are query terms */
		uint8_t seen[CAP_TERMS + 1]; /* by slot; seen[0] takes the others */
		memset(seen, 0, nqs + 1);
		size_t nc = dv.nterms[CW_FIELD_CLAIM], claim_in_q = 0;
		/* no branch on whether a token is a query term: which it is
		 * is a coin toss the branch predictor would lose */
		for (uint32_t i = 0; i < nc; i++) {
			uint32_t sl =
			    slot[CW_MIN(qv->place[dv.terms[CW_FIELD_CLAIM][i]], nslot + 1)];
			seen[sl] |= 1;
			claim_in_q += sl != 0;
		}
		for (uint32_t i = 0; i < dv.nterms[CW_FIELD_TITLE]; i++)
			seen[slot[CW_MIN(qv->place[dv.terms[CW_FIELD_TITLE][i]], nslot + 1)]] |= 2;
		size_t inter_c = 0, inter_ct = 0;
		double idf_ct = 0;
		for (size_t i = 0; i < nqs; i++) {
			inter_c += seen[i + 1] & 1;
			inter_ct += seen[i + 1] != 0;
			/* idf > 0, so adding +0 for an unseen term changes nothing */
			idf_ct += seen[i + 1] ? qidf[i] : 0.0;
		}
		size_t uni = qtotal + nc - CW_MIN(claim_in_q, nc);
		r[CW_RF_JACCARD] = uni ? (double)inter_c / (double)uni : 0;
		r[CW_RF_QCOVER] = qtotal ? (double)inter_ct / (double)qtotal : 0;
		r[CW_RF_DCOVER] = nc ? (double)claim_in_q / (double)nc : 0;
		r[CW_RF_QCOVER_IDF] = qidf_total > 0 ? idf_ct / qidf_total : 0;

		/* query bigrams found in the claim or title */
		uint8_t bseen[CAP_TERMS];
		memset(bseen, 0, bigrams.n);
		size_t bhit = 0;
		for (int f = CW_FIELD_CLAIM; f <= CW_FIELD_TITLE; f++)
			for (uint32_t i = 1; i < dv.nterms[f]; i++) {
				long pos = qset_find(&bigrams,
				                     pair_key(dv.terms[f][i - 1], dv.terms[f][i]));
				if (pos >= 0 && !bseen[pos]) {
					bseen[pos] = 1;
					bhit++;
				}
			}
		r[CW_RF_BIGRAM] = nbig ? (double)bhit / (double)nbig : 0;

		/* numbers, as the index keeps them for the fact-check's claim */
		size_t ndnum = dv.nnumbers, agree = 0;
		for (size_t i = 0; i < nqnum; i++)
			agree += (size_t)has_u64(dv.numbers, ndnum, qnum[i]);
		r[CW_RF_NUM_AGREE] = (double)agree;
		r[CW_RF_NUM_DISAGREE] = nqnum ? (double)(ndnum - CW_MIN(agree, ndnum)) : 0;

		/* names of the claim (distinct) found among the words of the
		 * fact-check's claim and title */
		if (nqent) {
			size_t found = 0;
			for (size_t i = 0; i < nqent; i++)
				found += (size_t)has_sorted_u64(dv.words, dv.nwords, qent[i]);
			r[CW_RF_ENT_OVERLAP] = (double)found / (double)nqent;
		}
		r[CW_RF_SPEAKER] = speaker_match(qspk, nqspk, dv.speaker, dv.speaker_len);
		r[CW_RF_SIMHASH] = 1.0 - cw_fp_hamming(qv->simhash, dv.simhash) / 64.0;
		r[CW_RF_RANK] = 1.0 / (1.0 + hit->bm25_rank);
		r[CW_RF_QLEN] = qlen;
	}
}

void cw_rerank_features(struct cw_index *ix, const struct cw_index_query *q,
                        const struct cw_index_hit *hits, size_t n, double *x)
{
	struct cw_index_query_view qv;

	cw_index_last_query(ix, &qv);
	features(ix, &qv, q, hits, n, x);
}

double cw_rerank_logit(const struct cw_rerank_model *m, const double *x)
{
	double z = m->bias;
	for (int i = 0; i < CW_RERANK_NFEAT; i++)
		z += m->w[i] * (x[i] - m->mean[i]) / m->scale[i];
	return z;
}

double cw_rerank_prob(const struct cw_rerank_model *m, const double *x)
{
	return 1.0 / (1.0 + exp(-cw_rerank_logit(m, x)));
}

/* A lone candidate's "best other" logit: about p = 0.00005. */
#define LONE_LOGIT (-10.0)

/* Calibrator row of candidate j, of BM25F bm25, given the best other logit
 * oz and the best other BM25F ob. */
static void cal_row(const double *x, const double *z, float bm25, size_t j, double oz, double ob,
                    double *cx)
{
	memcpy(cx, x + j * CW_RERANK_NFEAT, CW_RERANK_NFEAT * sizeof(double));
	cx[CW_RC_LOGIT] = z[j];
	cx[CW_RC_MARGIN] = z[j] - oz;
	/* relative, so that it means the same for long and short claims; a
	 * candidate far behind is cut at -1 */
	double b = bm25;
	cx[CW_RC_BM25_MARGIN] = b > 0 ? fmax((b - ob) / b, -1.0) : -1.0;
}

void cw_rerank_cal_features(const double *x, const double *z, const struct cw_index_hit *hits,
                            size_t n, size_t j, double *cx)
{
	double oz = LONE_LOGIT, ob = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == j)
			continue;
		if (z[i] > oz)
			oz = z[i];
		if (hits[i].bm25 > ob)
			ob = hits[i].bm25;
	}
	cal_row(x, z, hits[j].bm25, j, oz, ob, cx);
}

/* The best and second best "other" values of cw_rerank_cal_features over
 * all candidates at once: the first index holding the best (n when none
 * beats the floor), the best, and the best of the rest.  For candidate j the
 * best other is the best unless j is that index.  The same strict
 * comparisons in the same order pick the very values the per-candidate scan
 * picks. */
struct top2 {
	size_t at;
	double best, rest;
};

static struct top2 top2_logit(const double *z, size_t n)
{
	struct top2 t = {n, LONE_LOGIT, LONE_LOGIT};
	for (size_t i = 0; i < n; i++)
		if (z[i] > t.best) {
			t.at = i;
			t.best = z[i];
		}
	for (size_t i = 0; i < n; i++)
		if (i != t.at && z[i] > t.rest)
			t.rest = z[i];
	return t;
}

static struct top2 top2_bm25(const struct cw_index_hit *hits, size_t n)
{
	struct top2 t = {n, 0, 0};
	for (size_t i = 0; i < n; i++)
		if (hits[i].bm25 > t.best) {
			t.at = i;
			t.best = hits[i].bm25;
		}
	for (size_t i = 0; i < n; i++)
		if (i != t.at && hits[i].bm25 > t.rest)
			t.rest = hits[i].bm25;
	return t;
}

int cw_rerank_restates(struct cw_index *ix, const struct cw_index_query *q, unsigned candidates)
{
	struct cw_index_hit cand[CW_RERANK_MAX];
	double x[CW_RERANK_MAX * CW_RERANK_NFEAT];
	size_t n = cw_index_search(ix, q, cand, CW_MIN((size_t)candidates, (size_t)CW_RERANK_MAX));
	cw_rerank_features(ix, q, cand, n, x);
	for (size_t i = 0; i < n; i++)
		if (x[i * CW_RERANK_NFEAT + CW_RF_DCOVER] >= CW_RERANK_RESTATES)
			return 1;
	return 0;
}

double cw_rerank_cal_prob(const struct cw_rerank_model *m, const double *cx)
{
	double z = m->cal_bias;
	for (int i = 0; i < CW_RERANK_NCAL; i++)
		z += m->cal_w[i] * (cx[i] - m->cal_mean[i]) / m->cal_scale[i];
	return 1.0 / (1.0 + exp(-z));
}

static int cmp_hit_score(const void *a, const void *b)
{
	const struct cw_index_hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->bm25_rank > y->bm25_rank) - (x->bm25_rank < y->bm25_rank);
}

/* Puts the best k of the few candidates of one claim first, in
 * cmp_hit_score order; what is left after them is undefined.  An insertion
 * sort into the first k, where a later candidate goes only when it beats
 * the k-th: cheaper than qsort's calls for CW_RERANK_MAX at most, and than
 * sorting all when a verdict keeps a few.  The order is a total one
 * (bm25_rank is unique), so the first k are those of a full sort. */
static void sort_hits(struct cw_index_hit *h, size_t n, size_t k)
{
	if (!k)
		return;
	for (size_t i = 1; i < n; i++) {
		if (i >= k && cmp_hit_score(&h[k - 1], &h[i]) <= 0)
			continue;
		struct cw_index_hit e = h[i];
		size_t j = CW_MIN(i, k - 1); /* past k, the k-th gives way */
		for (; j && cmp_hit_score(&h[j - 1], &e) > 0; j--)
			h[j] = h[j - 1];
		h[j] = e;
	}
}

size_t cw_rerank_search(struct cw_index *ix, const struct cw_rerank_model *m,
                        const struct cw_index_query *q, struct cw_index_hit *hits, size_t k)
{
	return cw_rerank_search_with(ix, cw_index_own_scratch(ix), m, q, hits, k);
}

size_t cw_rerank_search_with(struct cw_index *ix, struct cw_index_scratch *s,
                             const struct cw_rerank_model *m, const struct cw_index_query *q,
                             struct cw_index_hit *hits, size_t k)
{
	if (!m)
		return cw_index_search_with(ix, s, q, hits, k);
	struct cw_index_hit cand[CW_RERANK_MAX];
	double x[CW_RERANK_MAX * CW_RERANK_NFEAT];
	struct cw_index_query_view qv;
	size_t want = CW_MIN(CW_MAX((size_t)m->candidates, k), (size_t)CW_RERANK_MAX);
	size_t n = cw_index_search_with(ix, s, q, cand, want);
	cw_index_last_query_with(s, &qv);
	features(ix, &qv, q, cand, n, x);
	double z[CW_RERANK_MAX];
	for (size_t i = 0; i < n; i++) {
		z[i] = cw_rerank_logit(m, x + i * CW_RERANK_NFEAT);
		cand[i].score = (float)(1.0 / (1.0 + exp(-z[i])));
	}
	if (m->calibrated) {
		/* sorted by the ranker's probabilities, then the calibrated ones
		 * of only the hits returned: bm25_rank is a hit's position in the
		 * BM25 order, i.e. its row of x and z */
		double cx[CW_RERANK_NCAL];
		struct top2 tz = top2_logit(z, n), tb = top2_bm25(cand, n);
		sort_hits(cand, n, k);
		n = CW_MIN(n, k);
		for (size_t i = 0; i < n; i++) {
			size_t j = cand[i].bm25_rank;
			cal_row(x, z, cand[i].bm25, j, j == tz.at ? tz.rest : tz.best,
			        j == tb.at ? tb.rest : tb.best, cx);
			float p = (float)cw_rerank_cal_prob(m, cx);
			cand[i].score = i && p > cand[i - 1].score ? cand[i - 1].score : p;
		}
	} else {
		sort_hits(cand, n, k);
		n = CW_MIN(n, k);
	}
	memcpy(hits, cand, n * sizeof(cand[0]));
	return n;
}
