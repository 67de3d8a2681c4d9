// archive: move FILE into archive/YYYY/MM/ for the date DATE (YYYY-MM-DD), creating
// the directories as needed.
// Translation of orig.py -- BUGGY: fs::create_dir instead of fs::create_dir_all, so
// the missing parents archive/ and archive/YYYY/ are not created and it fails.
use std::env;
use std::fs;
use std::io;
use std::process;

/// The C library's message for an OS error, without Rust's " (os error N)" suffix.
fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: archive DATE FILE");
        process::exit(2);
    }
    let (date, name) = (&args[1], &args[2]);
    let parts: Vec<&str> = date.split('-').collect();
    let target = format!("archive/{}/{}", parts[0], parts[1]);
    // BUG: should be fs::create_dir_all (os.makedirs(..., exist_ok=True))
    if let Err(e) = fs::create_dir(&target) {
        eprintln!("archive: {}: {}", target, strerror(&e));
        process::exit(1);
    }
    let dest = format!("{}/{}", target, name);
    if let Err(e) = fs::rename(name, &dest) {
        eprintln!("archive: {}: {}", name, strerror(&e));
        process::exit(1);
    }
    println!("archived {} in {}/", name, target);
}
