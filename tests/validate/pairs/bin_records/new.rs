// pack_records: convert a CSV file of "id,value" lines into binary records on stdout:
// the magic b"REC1", the record count (u32), then per record the id (u16) and the
// value (i32).
// Translation of orig.py -- BUGGY: writes the integers big-endian (to_be_bytes) where
// the format is little-endian.
use std::env;
use std::fs;
use std::io::{self, Write};
use std::process;

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: pack_records FILE.csv");
        process::exit(2);
    }
    let text = fs::read_to_string(&args[1]).unwrap_or_else(|e| {
        eprintln!("pack_records: {}: {}", args[1], e);
        process::exit(1)
    });
    let mut records: Vec<(u16, i32)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, value) = line.split_once(',').expect("id,value");
        records.push((id.trim().parse().unwrap(), value.trim().parse().unwrap()));
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut n = 0;
    let mut put = |b: &[u8]| {
        out.write_all(b).unwrap();
        n += b.len();
    };
    put(b"REC1");
    put(&(records.len() as u32).to_be_bytes()); // BUG: to_le_bytes
    for (id, value) in &records {
        put(&id.to_be_bytes()); // BUG: to_le_bytes
        put(&value.to_be_bytes()); // BUG: to_le_bytes
    }
    drop(put);
    out.flush().unwrap();
    eprintln!("packed {} records ({} bytes)", records.len(), n);
}
