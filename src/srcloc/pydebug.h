/* pydebug.h - where CPython 3.13 and 3.14 keep, inside their _Py_DebugOffsets table (at
 * the start of _PyRuntime), the members python.c reads.  Every member of the table is a
 * uint64_t after an 8-byte cookie; the table's own layout changes with each minor
 * version (584 bytes in 3.13, 760 in 3.14), so it is mirrored per minor.  Shared with the
 * unit tests, which build tables from it. */
#ifndef SD_PYDEBUG_H
#define SD_PYDEBUG_H

#include <stdint.h>

struct dbgpos {
	uint32_t size;
	uint32_t rt_finalizing, rt_interp_head;
	uint32_t is_next, is_threads_head;
	uint32_t ts_size, ts_next, ts_interp, ts_current_frame, ts_native_id;
	uint32_t fr_size, fr_previous, fr_executable, fr_instr, fr_owner;
	uint32_t co_size, co_filename, co_name, co_qualname, co_linetable, co_firstlineno,
		 co_code_adaptive;
	uint32_t ob_type, tp_name;
	uint32_t bytes_size, bytes_sval;
	uint32_t str_state, str_length, str_ascii_size;
};

static const struct dbgpos dbg313 __attribute__((unused)) = {
	.size = 584, .rt_finalizing = 32, .rt_interp_head = 40,
	.is_next = 64, .is_threads_head = 72,
	.ts_size = 152, .ts_next = 168, .ts_interp = 176, .ts_current_frame = 184,
	.ts_native_id = 200,
	.fr_size = 224, .fr_previous = 232, .fr_executable = 240, .fr_instr = 248, .fr_owner = 264,
	.co_size = 272, .co_filename = 280, .co_name = 288, .co_qualname = 296, .co_linetable = 304,
	.co_firstlineno = 312, .co_code_adaptive = 344,
	.ob_type = 360, .tp_name = 376,
	.bytes_size = 520, .bytes_sval = 528,
	.str_state = 544, .str_length = 552, .str_ascii_size = 560,
};

static const struct dbgpos dbg314 __attribute__((unused)) = {
	.size = 760, .rt_finalizing = 32, .rt_interp_head = 40,
	.is_next = 64, .is_threads_head = 72,
	.ts_size = 176, .ts_next = 192, .ts_interp = 200, .ts_current_frame = 208,
	.ts_native_id = 224,
	.fr_size = 248, .fr_previous = 256, .fr_executable = 264, .fr_instr = 272, .fr_owner = 288,
	.co_size = 312, .co_filename = 320, .co_name = 328, .co_qualname = 336, .co_linetable = 344,
	.co_firstlineno = 352, .co_code_adaptive = 384,
	.ob_type = 408, .tp_name = 424,
	.bytes_size = 600, .bytes_sval = 608,
	.str_state = 624, .str_length = 632, .str_ascii_size = 640,
};

#endif
