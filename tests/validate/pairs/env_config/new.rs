// write_config: write app.conf (mode 0640) from the environment: APP_NAME is required,
// APP_PORT defaults to 8080 and APP_DEBUG to "false".  Correct translation of orig.py.
use std::env;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::process;

fn main() {
    let name = match env::var("APP_NAME") {
        Ok(n) if !n.is_empty() => n,
        _ => {
            eprintln!("write_config: APP_NAME is not set");
            process::exit(2);
        }
    };
    let port = env::var("APP_PORT").unwrap_or_else(|_| "8080".to_string());
    let debug = env::var("APP_DEBUG").unwrap_or_else(|_| "false".to_string());
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o640)
        .open("app.conf")
        .unwrap_or_else(|e| {
            eprintln!("write_config: app.conf: {}", e);
            process::exit(1)
        });
    let text = format!("[app]\nname = {}\nport = {}\ndebug = {}\n", name, port, debug);
    f.write_all(text.as_bytes()).expect("write app.conf");
    drop(f);
    println!("wrote app.conf for {} (port {}, debug {})", name, port, debug);
}
