/* Boot argument parameters: space-separated key=value words. */
#include <stdlib.h>
#include <string.h>
#include "sdk.h"
#include "internal.h"

#define MAX_PARAMS 32

static char words[1024];
static const char *keys[MAX_PARAMS], *values[MAX_PARAMS];
static int nparams;

void sdk_params_init(const char *bootargs)
{
	strncpy(words, bootargs, sizeof(words) - 1);
	char *p = words;
	while (*p && nparams < MAX_PARAMS) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		char *eq = NULL;
		keys[nparams] = p;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		values[nparams] = "";
		if (eq) {
			*eq = 0;
			values[nparams] = eq + 1;
		}
		nparams++;
	}
}

static const char *lookup(const char *key)
{
	for (int i = nparams - 1; i >= 0; i--)
		if (strcmp(keys[i], key) == 0)
			return values[i];
	return NULL;
}

int sdk_param_present(const char *key)
{
	return lookup(key) != NULL;
}

const char *sdk_param_str(const char *key, const char *def)
{
	const char *v = lookup(key);
	return v ? v : def;
}

long sdk_param_long(const char *key, long def)
{
	const char *v = lookup(key);
	char *end;
	if (!v || !*v)
		return def;
	long n = strtol(v, &end, 0);
	return *end ? def : n;
}

long sdk_param_size(const char *key, long def)
{
	const char *v = lookup(key);
	char *end;
	if (!v || !*v)
		return def;
	long n = strtol(v, &end, 0);
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	return *end ? def : n;
}
