// count_records: read a record stream on stdin (one record per line, comment lines
// start with '#') and print how many records and comments it holds.
// Translation of orig.py -- BUGGY: a single read() call is taken as the whole input,
// so only the first 4096 bytes are counted when stdin is larger.
use std::io::{self, Read};

fn main() {
    let mut buf = vec![0u8; 4096];
    let n = io::stdin().read(&mut buf).expect("read stdin"); // BUG: read_to_end
    let data = &buf[..n];
    let (mut records, mut comments) = (0, 0);
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b"#") {
            comments += 1;
        } else {
            records += 1;
        }
    }
    println!("{} records, {} comments, {} bytes", records, comments, data.len());
}
