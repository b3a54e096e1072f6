/*
 * rerank.c — features of (claim, fact-check) pairs and the logistic model
 * that re-ranks the best BM25F candidates (see rerank.h).
 *
 * Everything here runs per query on at most CW_RERANK_MAX candidates, so the
 * scratch lives on the stack with fixed caps instead of the heap: a claim
 * has far fewer than CAP_TERMS distinct words in practice, and words past
 * the caps are simply not counted.
 */
#include "match/rerank.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "extract/fingerprint.h"
#include "extract/normalize.h"
#include "lib/common.h"

#define CW_RERANK_MAX 128  /* candidates re-ranked at most */
#define CAP_TERMS     512  /* distinct terms per side */
#define CAP_NUMS      32   /* numbers per side */
#define CAP_ENTS      64   /* capitalised names per side */
#define CAP_WORDS     1024 /* distinct words of a fact-check for name lookups */

const char *const cw_rerank_feature_names[CW_RERANK_NFEAT] = {
    "bm25",         "bm25_claim",  "bm25_title", "bm25_extra", "bm25_norm", "bm25_gap",
    "jaccard",      "qcover",      "dcover",     "qcover_idf", "bigram",    "num_agree",
    "num_disagree", "ent_overlap", "speaker",    "simhash",    "rank",      "qlen",
};

void cw_rerank_model_default(struct cw_rerank_model *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < CW_RERANK_NFEAT; i++)
		m->scale[i] = 1.0;
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
		int fi = -1;
		for (int i = 0; i < CW_RERANK_NFEAT; i++)
			if (strcmp(cw_rerank_feature_names[i], name) == 0)
				fi = i;
		if (fi < 0)
			continue; /* a feature this build does not know: weight 0 */
		if (strcmp(kind, "weight") == 0) {
			m->w[fi] = v;
		} else if (strcmp(kind, "mean") == 0) {
			m->mean[fi] = v;
		} else if (strcmp(kind, "scale") == 0 && v > 0) {
			m->scale[fi] = v;
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
	return ferror(f) ? CW_ERR_IO : CW_OK;
}

/* ---- feature helpers ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts and de-duplicates; returns the new count. */
static size_t uniq_u32(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || v[w - 1] != v[i])
			v[w++] = v[i];
	return w;
}

static size_t uniq_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (!w || v[w - 1] != v[i])
			v[w++] = v[i];
	return w;
}

static int has_u32(const uint32_t *v, size_t n, uint32_t x)
{
	return bsearch(&x, v, n, sizeof(*v), cmp_u32) != NULL;
}

static int has_u64(const uint64_t *v, size_t n, uint64_t x)
{
	return bsearch(&x, v, n, sizeof(*v), cmp_u64) != NULL;
}

/* Numbers in raw text: digit runs with inner ',' dropped and a decimal part
 * kept unless it is zero, hashed ("2,000" and "2000" agree; "1.50" and "1.5"
 * too).  Returns the count (sorted, distinct). */
static size_t numbers(const char *s, size_t len, uint64_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n < cap;) {
		if (!isdigit((unsigned char)s[i])) {
			i++;
			continue;
		}
		char b[32];
		size_t bl = 0, dot = 0;
		while (i < len) {
			unsigned char c = (unsigned char)s[i];
			if (isdigit(c)) {
				if (bl < sizeof(b) - 1)
					b[bl++] = (char)c;
				i++;
			} else if ((c == ',' || c == '.') && i + 1 < len &&
			           isdigit((unsigned char)s[i + 1]) && !dot) {
				if (c == '.') {
					dot = bl + 1;
					if (bl < sizeof(b) - 1)
						b[bl++] = '.';
				}
				i++;
			} else {
				break;
			}
		}
		if (dot) { /* trim trailing zeros of the decimal part, then a bare '.' */
			while (bl > dot && b[bl - 1] == '0')
				bl--;
			if (bl == dot)
				bl--;
		}
		size_t st = 0; /* leading zeros say nothing: "05" is 5 */
		while (st + 1 < bl && b[st] == '0' && b[st + 1] != '.')
			st++;
		out[n++] = XXH3_64bits(b + st, bl - st);
	}
	return uniq_u64(out, n);
}

/* Lower-cased ASCII-folded word hashes of raw text.  With caps_only, only
 * words that start with a capital and are not stop words (names). */
static size_t words(const char *s, size_t len, int caps_only, uint64_t *out, size_t cap)
{
	size_t n = 0;
	char w[64];
	for (size_t i = 0; i < len && n < cap;) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c < 0x80) {
			i++;
			continue;
		}
		int upper = isupper(c) != 0;
		size_t wl = 0;
		while (i < len) {
			c = (unsigned char)s[i];
			if (!(isalnum(c) || c >= 0x80))
				break;
			if (wl < sizeof(w))
				w[wl++] = (char)tolower(c);
			i++;
		}
		if (caps_only && (!upper || wl < 2 || cw_norm_is_stopword(w, wl)))
			continue;
		out[n++] = XXH3_64bits(w, wl);
	}
	return uniq_u64(out, n);
}

/* 1 when a name word of the claim's speaker occurs in the fact-check's
 * claimant, -1 when both are known and share none, 0 when either is unknown. */
static double speaker_match(const char *a, size_t al, const char *b, size_t bl)
{
	uint64_t wa[16], wb[16];
	if (!a || !al || !b || !bl)
		return 0;
	size_t na = words(a, al, 1, wa, 16), nb = words(b, bl, 1, wb, 16);
	if (!na || !nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (has_u64(wb, nb, wa[i]))
			return 1;
	return -1;
}

void cw_rerank_features(struct cw_index *ix, const struct cw_index_query *q,
                        const struct cw_index_hit *hits, size_t n, double *x)
{
	struct cw_index_query_view qv;
	cw_index_last_query(ix, &qv);

	/* query side, once */
	uint32_t qset[CAP_TERMS];
	size_t nq = CW_MIN((size_t)qv.nterms, (size_t)CAP_TERMS), nunknown = 0, nqs = 0;
	for (size_t i = 0; i < nq; i++) {
		if (qv.terms[i] == CW_INDEX_NO_TERM)
			nunknown++;
		else
			qset[nqs++] = qv.terms[i];
	}
	nqs = uniq_u32(qset, nqs);
	double qidf_total = 0, unknown_idf = log(1.0 + ((double)cw_index_count(ix) + 0.5) / 0.5);
	for (size_t i = 0; i < nqs; i++)
		qidf_total += cw_index_idf(ix, qset[i]);
	qidf_total += (double)nunknown * unknown_idf;
	size_t qtotal = nqs + nunknown;

	uint64_t qnum[CAP_NUMS], qent[CAP_ENTS];
	size_t nqnum = numbers(qv.clean, qv.clean_len, qnum, CAP_NUMS);
	size_t nqent = words(qv.clean, qv.clean_len, 1, qent, CAP_ENTS);

	double best = n ? hits[0].bm25 : 0;
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
		r[CW_RF_BM25] = log1p(hit->bm25);
		r[CW_RF_BM25_CLAIM] = log1p(hit->field_bm25[CW_FIELD_CLAIM]);
		r[CW_RF_BM25_TITLE] = log1p(hit->field_bm25[CW_FIELD_TITLE]);
		r[CW_RF_BM25_EXTRA] = log1p(hit->field_bm25[CW_FIELD_EXTRA]);
		r[CW_RF_BM25_NORM] = best > 0 ? hit->bm25 / best : 0;
		r[CW_RF_BM25_GAP] = best > 0 ? (best - hit->bm25) / best : 0;

		/* claim-field term set, and claim+title for coverage */
		uint32_t cset[CAP_TERMS], ctset[CAP_TERMS];
		size_t nc = CW_MIN((size_t)dv.nterms[CW_FIELD_CLAIM], (size_t)CAP_TERMS);
		memcpy(cset, dv.terms[CW_FIELD_CLAIM], nc * sizeof(uint32_t));
		size_t nct = nc;
		for (uint32_t i = 0; i < dv.nterms[CW_FIELD_TITLE] && nct < CAP_TERMS; i++)
			ctset[nct++] = dv.terms[CW_FIELD_TITLE][i];
		memcpy(ctset, cset, nc * sizeof(uint32_t));
		nc = uniq_u32(cset, nc);
		nct = uniq_u32(ctset, nct);
		size_t inter_c = 0, inter_ct = 0;
		double idf_ct = 0;
		for (size_t i = 0; i < nqs; i++) {
			if (has_u32(cset, nc, qset[i]))
				inter_c++;
			if (has_u32(ctset, nct, qset[i])) {
				inter_ct++;
				idf_ct += cw_index_idf(ix, qset[i]);
			}
		}
		size_t uni = qtotal + nc - inter_c;
		r[CW_RF_JACCARD] = uni ? (double)inter_c / (double)uni : 0;
		r[CW_RF_QCOVER] = qtotal ? (double)inter_ct / (double)qtotal : 0;
		r[CW_RF_DCOVER] = nc ? (double)inter_c / (double)nc : 0;
		r[CW_RF_QCOVER_IDF] = qidf_total > 0 ? idf_ct / qidf_total : 0;

		/* bigrams of the query found in the claim or title (as term id pairs) */
		uint64_t dbig[CAP_TERMS];
		size_t nb = 0;
		for (int f = CW_FIELD_CLAIM; f <= CW_FIELD_TITLE; f++)
			for (uint32_t i = 1; i < dv.nterms[f] && nb < CAP_TERMS; i++)
				dbig[nb++] = (uint64_t)dv.terms[f][i - 1] << 32 | dv.terms[f][i];
		nb = uniq_u64(dbig, nb);
		size_t qb = 0, qbhit = 0;
		for (size_t i = 1; i < nq; i++) {
			uint32_t a = qv.terms[i - 1], b = qv.terms[i];
			qb++;
			if (a != CW_INDEX_NO_TERM && b != CW_INDEX_NO_TERM &&
			    has_u64(dbig, nb, (uint64_t)a << 32 | b))
				qbhit++;
		}
		r[CW_RF_BIGRAM] = qb ? (double)qbhit / (double)qb : 0;

		/* numbers */
		uint64_t dnum[CAP_NUMS];
		size_t ndnum = numbers(dv.claim, dv.claim_len, dnum, CAP_NUMS);
		size_t agree = 0;
		for (size_t i = 0; i < nqnum; i++)
			agree += has_u64(dnum, ndnum, qnum[i]);
		r[CW_RF_NUM_AGREE] = (double)agree;
		r[CW_RF_NUM_DISAGREE] = nqnum ? (double)(ndnum - CW_MIN(agree, ndnum)) : 0;

		/* names of the claim found among the fact-check's words */
		if (nqent) {
			uint64_t dw[CAP_WORDS];
			size_t ndw = words(dv.claim, dv.claim_len, 0, dw, CAP_WORDS / 2);
			ndw += words(dv.title, dv.title_len, 0, dw + ndw, CAP_WORDS / 2);
			ndw = uniq_u64(dw, ndw);
			size_t found = 0;
			for (size_t i = 0; i < nqent; i++)
				found += has_u64(dw, ndw, qent[i]);
			r[CW_RF_ENT_OVERLAP] = (double)found / (double)nqent;
		}
		r[CW_RF_SPEAKER] =
		    speaker_match(q->speaker, q->speaker_len, dv.speaker, dv.speaker_len);
		r[CW_RF_SIMHASH] = 1.0 - cw_fp_hamming(qv.simhash, dv.simhash) / 64.0;
		r[CW_RF_RANK] = 1.0 / (1.0 + hit->bm25_rank);
		r[CW_RF_QLEN] = log1p((double)nq);
	}
}

double cw_rerank_prob(const struct cw_rerank_model *m, const double *x)
{
	double z = m->bias;
	for (int i = 0; i < CW_RERANK_NFEAT; i++)
		z += m->w[i] * (x[i] - m->mean[i]) / m->scale[i];
	return 1.0 / (1.0 + exp(-z));
}

static int cmp_hit_score(const void *a, const void *b)
{
	const struct cw_index_hit *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return (x->bm25_rank > y->bm25_rank) - (x->bm25_rank < y->bm25_rank);
}

size_t cw_rerank_search(struct cw_index *ix, const struct cw_rerank_model *m,
                        const struct cw_index_query *q, struct cw_index_hit *hits, size_t k)
{
	if (!m)
		return cw_index_search(ix, q, hits, k);
	struct cw_index_hit cand[CW_RERANK_MAX];
	double x[CW_RERANK_MAX * CW_RERANK_NFEAT];
	size_t want = CW_MIN(CW_MAX((size_t)m->candidates, k), (size_t)CW_RERANK_MAX);
	size_t n = cw_index_search(ix, q, cand, want);
	cw_rerank_features(ix, q, cand, n, x);
	for (size_t i = 0; i < n; i++)
		cand[i].score = (float)cw_rerank_prob(m, x + i * CW_RERANK_NFEAT);
	qsort(cand, n, sizeof(cand[0]), cmp_hit_score);
	n = CW_MIN(n, k);
	memcpy(hits, cand, n * sizeof(cand[0]));
	return n;
}
