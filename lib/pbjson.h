/*
 * pbjson.h — protobuf-c messages as JSON (jansson), for `claimwire tail`,
 * report outputs and tests.  Field names as in the .proto file; enums by
 * name; 64-bit integers as JSON integers; fixed64 fingerprints as 16 hex
 * digits; bytes as base64; unset proto3 scalars omitted unless keep_defaults.
 */
#ifndef CW_PBJSON_H
#define CW_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* New reference; never NULL. */
json_t *cw_pb_to_json(const ProtobufCMessage *m, int keep_defaults);

#endif
