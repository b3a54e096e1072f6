/*
 * pbjson.c — a generic protobuf-c → JSON walk over message descriptors, so
 * that every record claimwire writes can be read by a person or by jq without
 * per-record code.
 */
#include "lib/pbjson.h"

#include <inttypes.h>
#include <string.h>

#include "lib/common.h"

static json_t *base64(const uint8_t *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = cw_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	json_t *j;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = tab[(v >> 18) & 63];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	j = json_string(out);
	free(out);
	return j;
}

static json_t *scalar(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		return json_integer(*(const int32_t *)v);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return json_integer(*(const uint32_t *)v);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_integer(*(const int64_t *)v);
	case PROTOBUF_C_TYPE_UINT64:
		return json_integer((json_int_t) * (const uint64_t *)v);
	case PROTOBUF_C_TYPE_FIXED64: {
		char hex[17];
		cw_hex64(*(const uint64_t *)v, hex);
		return json_string(hex);
	}
	case PROTOBUF_C_TYPE_FLOAT:
		return json_real(*(const float *)v);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(*(const double *)v);
	case PROTOBUF_C_TYPE_BOOL:
		return json_boolean(*(const protobuf_c_boolean *)v);
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
		    protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)v);
		return ev ? json_string(ev->name) : json_integer(*(const int *)v);
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		json_t *j = s ? json_string(s) : json_string("");
		return j ? j : json_string("\xef\xbf\xbd"); /* invalid UTF-8 */
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		return base64(b->data, b->len);
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;
		return m ? cw_pb_to_json(m, 0) : json_null();
	}
	}
	return json_null();
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;
	}
}

static int is_default(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (type_size(f->type)) {
	case 8:
		return *(const uint64_t *)v == 0;
	case 4:
		return *(const uint32_t *)v == 0;
	default:
		break;
	}
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(char *const *)v;
		return !s || !*s;
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)v == NULL;
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return ((const ProtobufCBinaryData *)v)->len == 0;
	return 0;
}

json_t *cw_pb_to_json(const ProtobufCMessage *m, int keep_defaults)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object();

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)(base + f->offset);
			json_t *a = json_array();
			for (size_t k = 0; k < n; k++)
				json_array_append_new(a, scalar(f, arr + k * type_size(f->type)));
			if (n || keep_defaults)
				json_object_set_new(o, f->name, a);
			else
				json_decref(a);
			continue;
		}
		const void *v = base + f->offset;
		if (!keep_defaults && is_default(f, v))
			continue;
		json_object_set_new(o, f->name, scalar(f, v));
	}
	return o;
}
