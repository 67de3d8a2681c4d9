/* pyoffsets.h - where CPython keeps what python.c reads: struct pylayout, the field
 * offsets of one interpreter (3.11/3.12: pylayout_gen.h; 3.13+: from the interpreter's
 * _Py_DebugOffsets), and struct dbgpos, where 3.13 and 3.14 keep each member inside that
 * table (every member a uint64_t after an 8-byte cookie; the table's own layout changes
 * with each minor version: 584 bytes in 3.13, 760 in 3.14).  Shared with the unit tests,
 * which build synthetic interpreters from them. */
#ifndef SD_PYOFFSETS_H
#define SD_PYOFFSETS_H

#include <stdint.h>

/* Where the fields live (byte offsets, x86_64).  Names follow CPython's. */
struct pylayout {
	int minor;
	uint32_t rt_interp_head, rt_finalizing;
	uint32_t is_next, is_threads_head;
	uint32_t ts_size, ts_next, ts_interp, ts_native_id;
	uint32_t ts_cframe, cf_current_frame;   /* 3.11, 3.12: tstate->cframe->current_frame */
	uint32_t ts_current_frame;              /* 3.13+: tstate->current_frame */
	uint32_t fr_size, fr_code, fr_previous, fr_instr, fr_owner;
	uint32_t co_size, co_filename, co_name, co_qualname, co_linetable, co_firstlineno;
	uint32_t co_code_adaptive;
	uint32_t ob_type, bytes_size, bytes_sval;
	uint32_t str_length, str_state, str_ascii_size, str_compact_size;
	uint32_t tp_name;
};

/* Where _Py_DebugOffsets keeps the members read (byte positions in the table). */
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
