// SPDX-License-Identifier: GPL-2.0
/*
 * xdax_json: a strict JSON (RFC 8259) validator and extractor, so that the
 * guest tests check the xdax tool's JSON with a real parser, not with grep.
 *
 *   xdax_json [-t | -n] [PATH] < FILE
 *
 * Reads all of stdin and checks that it is exactly one JSON text: one value
 * with only JSON whitespace around it; numbers, strings (escapes, surrogate
 * pairs, UTF-8 without overlongs or encoded surrogates) and literals as the
 * grammar says; nesting at most 256 deep.  Stricter than the RFC's SHOULD in
 * one place: a key twice in one object is an error.
 *
 * PATH picks a value: "." the whole text, then ".key" and "[N]" steps, e.g.
 * ".[0].blocks.total".  It is printed on stdout: a string decoded (without its
 * quotes), anything else as its JSON text.  -t prints its type instead
 * (object, array, string, number, boolean, null), -n the number of members or
 * elements of an object or array.
 *
 * Exit status: 0 valid (and PATH found), 1 not valid JSON (the byte offset,
 * line and column are printed), 2 usage, 3 PATH not found (or -n of a scalar).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

static const char *buf, *end;
static const char *err_at, *err_msg;

static bool fail(const char *p, const char *m)
{
	if (!err_msg) {
		err_at = p;
		err_msg = m;
	}
	return false;
}

static const char *ws(const char *p)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex4(const char *p)
{
	int v = 0, i, d;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char ch = p[i];

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static void put_utf8(char **o, unsigned int cp)
{
	char *q = *o;

	if (cp < 0x80) {
		*q++ = cp;
	} else if (cp < 0x800) {
		*q++ = 0xc0 | (cp >> 6);
		*q++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*q++ = 0xe0 | (cp >> 12);
		*q++ = 0x80 | ((cp >> 6) & 0x3f);
		*q++ = 0x80 | (cp & 0x3f);
	} else {
		*q++ = 0xf0 | (cp >> 18);
		*q++ = 0x80 | ((cp >> 12) & 0x3f);
		*q++ = 0x80 | ((cp >> 6) & 0x3f);
		*q++ = 0x80 | (cp & 0x3f);
	}
	*o = q;
}

/* The length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static int utf8_len(const unsigned char *p)
{
	const unsigned char *e = (const unsigned char *)end;
	unsigned char c = p[0];
	int n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (e - p < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;		/* no overlongs */
	else if (c == 0xed)
		hi = 0x9f;		/* no encoded surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;		/* nothing above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * string(p, out): p at the opening quote; returns the position after the
 * closing one, or NULL.  out (if not NULL, big enough) gets the decoded text.
 */
static const char *string(const char *p, char *out)
{
	int cp, lo, n;

	if (p >= end || *p != '"')
		return fail(p, "expected a string"), NULL;
	for (p++;;) {
		if (p >= end)
			return fail(p, "unterminated string"), NULL;
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20)
			return fail(p, "control character in a string"), NULL;
		if ((unsigned char)*p >= 0x80) {
			n = utf8_len((const unsigned char *)p);
			if (!n)
				return fail(p, "invalid UTF-8"), NULL;
			if (out) {
				memcpy(out, p, n);
				out += n;
			}
			p += n;
			continue;
		}
		if (*p != '\\') {
			if (out)
				*out++ = *p;
			p++;
			continue;
		}
		p++;
		if (p >= end)
			return fail(p, "unterminated escape"), NULL;
		switch (*p) {
		case '"': case '\\': case '/':
			cp = *p;
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = hex4(p + 1);
			if (cp < 0)
				return fail(p, "bad \\u escape"), NULL;
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, "lone low surrogate"), NULL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p < 7 || p[1] != '\\' || p[2] != 'u')
					return fail(p, "high surrogate without a low one"), NULL;
				lo = hex4(p + 3);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(p, "high surrogate without a low one"), NULL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			break;
		default:
			return fail(p, "bad escape"), NULL;
		}
		if (out)
			put_utf8(&out, cp);
		p++;
	}
	if (out)
		*out = 0;
	return p + 1;
}

static const char *number(const char *p)
{
	const char *d;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return fail(p, "bad number"), NULL;
	}
	if (p < end && *p == '.') {
		d = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return fail(p, "no digit after the decimal point"), NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		d = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d)
			return fail(p, "no digit in the exponent"), NULL;
	}
	return p;
}

static const char *value(const char *p, int depth);

static const char *object(const char *p, int depth)
{
	const char **keys = NULL, *k;
	size_t nkeys = 0, i;
	char *a, *b;

	p = ws(p + 1);
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		k = p;
		p = string(p, NULL);
		if (!p)
			goto bad;
		/* A key twice in one object is an error here. */
		a = malloc(p - k);
		b = malloc(p - k);
		if (!a || !b)
			exit(1);
		string(k, a);
		for (i = 0; i < nkeys; i++) {
			string(keys[i], b);
			if (!strcmp(a, b)) {
				free(a);
				free(b);
				fail(k, "duplicate key");
				goto bad;
			}
		}
		free(a);
		free(b);
		keys = realloc(keys, (nkeys + 1) * sizeof(*keys));
		if (!keys)
			exit(1);
		keys[nkeys++] = k;
		p = ws(p);
		if (p >= end || *p != ':') {
			fail(p, "expected ':'");
			goto bad;
		}
		p = value(ws(p + 1), depth + 1);
		if (!p)
			goto bad;
		p = ws(p);
		if (p < end && *p == ',') {
			p = ws(p + 1);
			continue;
		}
		if (p < end && *p == '}')
			break;
		fail(p, "expected ',' or '}'");
		goto bad;
	}
	free(keys);
	return p + 1;
bad:
	free(keys);
	return NULL;
}

static const char *array(const char *p, int depth)
{
	p = ws(p + 1);
	if (p < end && *p == ']')
		return p + 1;
	for (;;) {
		p = value(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (p < end && *p == ',') {
			p = ws(p + 1);
			continue;
		}
		if (p < end && *p == ']')
			return p + 1;
		return fail(p, "expected ',' or ']'"), NULL;
	}
}

static const char *literal(const char *p, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - p) < n || memcmp(p, word, n))
		return fail(p, "unexpected character"), NULL;
	return p + n;
}

static const char *value(const char *p, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deep"), NULL;
	if (p >= end)
		return fail(p, "unexpected end of input"), NULL;
	switch (*p) {
	case '{': return object(p, depth);
	case '[': return array(p, depth);
	case '"': return string(p, NULL);
	case 't': return literal(p, "true");
	case 'f': return literal(p, "false");
	case 'n': return literal(p, "null");
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return number(p);
		return fail(p, "unexpected character"), NULL;
	}
}

/* ---- PATH ---------------------------------------------------------------- */

/* find(v, path): the value at PATH below the (valid) value at v, or NULL. */
static const char *find(const char *v, const char *path)
{
	const char *p, *k;
	char name[256], *key;
	long idx, i;
	size_t n;

	while (*path) {
		if (path[0] == '.' && (!path[1] || path[1] == '.' || path[1] == '[')) {
			path++;
			continue;
		}
		if (path[0] == '[') {
			char *e;

			idx = strtol(path + 1, &e, 10);
			if (e == path + 1 || *e != ']' || idx < 0 || *v != '[')
				return NULL;
			path = e + 1;
			p = ws(v + 1);
			if (*p == ']')
				return NULL;
			for (i = 0; i < idx; i++) {
				p = ws(value(p, 0));
				if (*p != ',')
					return NULL;
				p = ws(p + 1);
			}
			v = p;
			continue;
		}
		if (path[0] != '.' || *v != '{')
			return NULL;
		n = strcspn(path + 1, ".[");
		if (n >= sizeof(name))
			return NULL;
		memcpy(name, path + 1, n);
		name[n] = 0;
		path += 1 + n;
		p = ws(v + 1);
		v = NULL;
		while (*p == '"') {
			k = p;
			p = string(p, NULL);
			key = malloc(p - k);
			if (!key)
				exit(1);
			string(k, key);
			p = ws(ws(p) + 1);
			if (!strcmp(key, name)) {
				free(key);
				v = p;
				break;
			}
			free(key);
			p = ws(value(p, 0));
			if (*p != ',')
				break;
			p = ws(p + 1);
		}
		if (!v)
			return NULL;
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *v, *e, *p;
	size_t cap = 1 << 16, len = 0, n;
	int mode = 0, line = 1, col = 1, i;
	char *in, *s;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "-n"))
			mode = argv[i][1];
		else if (!path && argv[i][0] == '.')
			path = argv[i];
		else {
			fprintf(stderr, "usage: xdax_json [-t | -n] [PATH] < FILE   (PATH: .key[N]...)\n");
			return 2;
		}
	}
	in = malloc(cap);
	if (!in)
		return 1;
	while ((n = fread(in + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			in = realloc(in, cap *= 2);
			if (!in)
				return 1;
		}
	}
	buf = in;
	end = in + len;
	if (memchr(in, 0, len))
		fail(memchr(in, 0, len), "NUL byte");
	p = err_msg ? NULL : value(ws(buf), 0);
	if (p && ws(p) != end) {
		fail(ws(p), "text after the value");
		p = NULL;
	}
	if (!p) {
		if (!err_at)
			err_at = buf;
		for (v = buf; v < err_at; v++, col++)
			if (*v == '\n')
				line++, col = 0;
		fprintf(stderr, "xdax_json: invalid JSON at byte %zu (line %d, column %d): %s\n",
			(size_t)(err_at - buf), line, col, err_msg ? err_msg : "?");
		return 1;
	}
	if (!path)
		return 0;
	v = find(ws(buf), path);
	if (!v) {
		fprintf(stderr, "xdax_json: no %s in the input\n", path);
		return 3;
	}
	e = value(v, 0);
	if (mode == 't') {
		printf("%s\n", *v == '{' ? "object" : *v == '[' ? "array" : *v == '"' ? "string" :
		       *v == 't' || *v == 'f' ? "boolean" : *v == 'n' ? "null" : "number");
	} else if (mode == 'n') {
		long count = 0;

		if (*v != '{' && *v != '[') {
			fprintf(stderr, "xdax_json: %s is not an object or array\n", path);
			return 3;
		}
		p = ws(v + 1);
		while (*p != '}' && *p != ']') {
			count++;
			if (*v == '{')
				p = ws(ws(string(p, NULL)) + 1);
			p = ws(value(p, 0));
			if (*p == ',')
				p = ws(p + 1);
		}
		printf("%ld\n", count);
	} else if (*v == '"') {
		s = malloc(e - v);
		if (!s)
			return 1;
		string(v, s);
		printf("%s\n", s);
	} else {
		printf("%.*s\n", (int)(e - v), v);
	}
	return 0;
}
