// unique_names: get the distinct names of a file from the child `/usr/bin/sort -u`,
// upper-case them with the child `/usr/bin/tr a-z A-Z` fed through a pipe, and print
// them numbered.  Correct translation of orig.py.
use std::env;
use std::io::Write;
use std::process::{self, Command, Stdio};

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: unique_names FILE");
        process::exit(2);
    }
    let sort = Command::new("/usr/bin/sort")
        .args(["-u", &args[1]])
        .stdin(Stdio::inherit()) // like subprocess.run: only stdout is captured
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .expect("run sort");
    if !sort.status.success() {
        process::exit(1);
    }
    let mut tr = Command::new("/usr/bin/tr")
        .args(["a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run tr");
    tr.stdin.take().unwrap().write_all(&sort.stdout).expect("write to tr");
    let out = tr.wait_with_output().expect("wait for tr");
    if !out.status.success() {
        process::exit(1);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut names: Vec<&str> = text.split('\n').collect();
    names.pop();
    for (i, name) in names.iter().enumerate() {
        println!("{:2} {}", i + 1, name);
    }
    eprintln!("{} unique names", names.len());
}
