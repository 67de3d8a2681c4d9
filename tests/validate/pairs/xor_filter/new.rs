// xor: XOR every byte of stdin with the key $XOR_KEY (an integer, 0x.. for hex;
// default 0x5a) and write the result to stdout (binary).  Correct translation of
// orig.py; stdin is processed in 8 KB blocks and stdout is Rust's line-buffered Stdout.
use std::env;
use std::io::{self, Read, Write};
use std::process;

fn parse_key(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else {
        s.parse().ok()
    }
}

fn main() {
    let text = env::var("XOR_KEY").unwrap_or_else(|_| "0x5a".to_string());
    let key = match parse_key(&text) {
        Some(k) if (0..=255).contains(&k) => k as u8,
        Some(k) => {
            eprintln!("xor: key out of range: {}", k);
            process::exit(2);
        }
        None => {
            eprintln!("xor: bad key: {}", text);
            process::exit(2);
        }
    };
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut buf = [0u8; 8192];
    loop {
        let n = input.read(&mut buf).expect("read stdin");
        if n == 0 {
            break;
        }
        for b in &mut buf[..n] {
            *b ^= key;
        }
        out.write_all(&buf[..n]).expect("write stdout");
    }
    out.flush().expect("write stdout");
}
