// word_report: write report.txt with the 5 most frequent words of a text file.  The
// counts are first spooled to report.tmp ("word count" lines), which is read back sorted.
// Translation of orig.py -- BUGGY: forgets to remove report.tmp at the end.
use std::collections::HashMap;
use std::env;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::process;

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: word_report FILE");
        process::exit(2);
    }
    let text = fs::read_to_string(&args[1]).unwrap_or_else(|e| {
        eprintln!("word_report: {}: {}", args[1], e);
        process::exit(1)
    });
    // insertion order, like a Python dict
    let mut order: Vec<String> = Vec::new();
    let mut counts: HashMap<String, u64> = HashMap::new();
    for word in text.to_lowercase().split_whitespace() {
        let word = word.trim_matches(|c| ".,;:!?\"'()".contains(c));
        if word.is_empty() {
            continue;
        }
        let n = counts.entry(word.to_string()).or_insert(0);
        if *n == 0 {
            order.push(word.to_string());
        }
        *n += 1;
    }
    {
        let mut tmp = BufWriter::new(File::create("report.tmp").expect("report.tmp"));
        for w in &order {
            writeln!(tmp, "{} {}", w, counts[w]).unwrap();
        }
        tmp.flush().unwrap();
    }
    let mut rows: Vec<(i64, String)> = Vec::new();
    for line in fs::read_to_string("report.tmp").expect("report.tmp").lines() {
        let (w, n) = line.split_once(' ').unwrap();
        rows.push((-n.parse::<i64>().unwrap(), w.to_string()));
    }
    rows.sort();
    let mut out = BufWriter::new(File::create("report.txt").expect("report.txt"));
    writeln!(out, "top words of {}", args[1]).unwrap();
    for (n, w) in rows.iter().take(5) {
        writeln!(out, "{:4} {}", -n, w).unwrap();
    }
    out.flush().unwrap();
    drop(out);
    // BUG: fs::remove_file("report.tmp") is missing
    println!("report.txt: {} distinct words", rows.len());
}
