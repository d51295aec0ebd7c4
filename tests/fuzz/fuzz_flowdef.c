/*
 * fuzz_flowdef.c: libFuzzer target for the JSON parser and the flow
 * validator (lib/json.c, lib/flowdef.c). An accepted definition must
 * validate to itself again; binding no parameters and rendering every
 * argv element must not crash. Build and run with
 * `make -f tests/fuzz/fuzz.mk fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowdef.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
render_all(struct json_object *def, struct json_object *params)
{
	struct json_object *tasks = jsonx_get(def, "tasks");
	char why[512];

	for (size_t i = 0; i < json_object_array_length(tasks); i++) {
		struct json_object *cmd = jsonx_get(
		    json_object_array_get_idx(tasks, i), "command");

		for (size_t k = 0; k < json_object_array_length(cmd); k++) {
			char *s = flowdef_render_arg(json_object_get_string(
			    json_object_array_get_idx(cmd, k)), params, why,
			    sizeof(why));

			/* Validation checked every reference. */
			if (s == NULL)
				__builtin_trap();
			free(s);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *in, *def, *again, *params = NULL;
	char why[512];

	in = jsonx_parse((const char *)data, size, why, sizeof(why));
	if (in == NULL)
		return 0;
	def = flowdef_validate(in, why, sizeof(why));
	if (def != NULL) {
		again = flowdef_validate(def, why, sizeof(why));
		if (again == NULL || !json_object_equal(again, def))
			__builtin_trap();
		json_object_put(again);
		if (flowdef_bind_params(def, NULL, &params, why,
		    sizeof(why)) == SL_OK) {
			render_all(def, params);
			json_object_put(params);
		}
	} else if (why[0] == '\0' || strstr(why, ": ") == NULL) {
		/* Every refusal names a field and a reason. */
		__builtin_trap();
	}
	json_object_put(def);
	json_object_put(in);
	return 0;
}
