/* print.c - one line per record, generated from the field tables. */
#include "traces/core-internal.h"

static void print_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void print_fields(FILE *fp, const void *base, const struct trace_kind_desc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct trace_field *f = &d->fields[i];
		fprintf(fp, " %s=", f->name);
		if (f->type == TRACE_FIELD_INT)
			fprintf(fp, "%lld", (long long)TRACE_FIELD_CI(base, f));
		else
			print_str(fp, TRACE_FIELD_CS(base, f));
	}
}

void trace_record_print(FILE *fp, const struct trace_record *rec)
{
	const struct trace_kind_desc *d = trace_kind_desc(rec->kind);

	if (!d) {
		fprintf(fp, "unknown kind=%d\n", (int)rec->kind);
		return;
	}
	fputs(d->name, fp);
	print_fields(fp, &rec->u, d);
	fputc('\n', fp);
}

void trace_header_print(FILE *fp, const struct trace_header *h)
{
	fprintf(fp, "header magic=\"%s\" version=%d.%d", TRACE_FORMAT_MAGIC, TRACE_FORMAT_MAJOR,
		TRACE_FORMAT_MINOR);
	print_fields(fp, h, trace_header_desc());
	fputc('\n', fp);
}
