// top_scores: print the three highest scores of a file (one "SCORE NAME" per line),
// sorted by the child program /usr/bin/sort.
// Translation of orig.py -- BUGGY: runs `sort -r FILE` without -n, so the scores are
// sorted as text ("9" before "10").
use std::env;
use std::process::{self, Command, Stdio};

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: top_scores FILE");
        process::exit(2);
    }
    let out = Command::new("/usr/bin/sort")
        .arg("-r") // BUG: "-n" is missing
        .arg(&args[1])
        .stdin(Stdio::inherit()) // like subprocess.run: only stdout is captured
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| {
            eprintln!("top_scores: cannot run sort: {}", e);
            process::exit(1)
        });
    if !out.status.success() {
        eprintln!("top_scores: sort failed with status {}", out.status.code().unwrap_or(-1));
        process::exit(1);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    for (rank, line) in text.lines().take(3).enumerate() {
        println!("{}. {}", rank + 1, line);
    }
}
