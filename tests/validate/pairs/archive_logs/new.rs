// tidy: in the current directory, move every *.log file into old/ (created if
// missing) and delete every *.tmp file; print what was done, in name order.
// Correct translation of orig.py.
use std::fs;
use std::path::Path;

fn main() {
    if !Path::new("old").is_dir() {
        fs::create_dir("old").expect("mkdir old");
        println!("created old/");
    }
    let mut names: Vec<String> = fs::read_dir(".")
        .expect("read .")
        .map(|e| e.expect("read .").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let (mut moved, mut removed) = (0, 0);
    for name in &names {
        if name.ends_with(".log") {
            fs::rename(name, format!("old/{}", name)).expect("rename");
            println!("moved {} -> old/{}", name, name);
            moved += 1;
        } else if name.ends_with(".tmp") {
            fs::remove_file(name).expect("remove");
            println!("removed {}", name);
            removed += 1;
        }
    }
    println!("{} moved, {} removed", moved, removed);
}
