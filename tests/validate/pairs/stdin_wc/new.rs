// count: count the lines, words and bytes of stdin, like `wc` (words are separated by
// ASCII white space).  Correct translation of orig.py.
use std::io::{self, Read};

// the white space of Python's bytes.split(): space, \t, \n, \v, \f, \r
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn main() {
    let mut data = Vec::new();
    io::stdin().lock().read_to_end(&mut data).expect("read stdin");
    let lines = data.iter().filter(|&&b| b == b'\n').count();
    let words = data.split(|&b| is_space(b)).filter(|w| !w.is_empty()).count();
    println!("{:7} {:7} {:7}", lines, words, data.len());
}
