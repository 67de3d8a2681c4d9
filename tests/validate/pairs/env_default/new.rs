// greet: greet each NAME with $GREETING and end with $GREETING_PUNCT (default "!").
// Translation of orig.py -- BUGGY: the default greeting is "Hi" instead of "Hello".
use std::env;

fn main() {
    let greeting = env::var("GREETING").unwrap_or_else(|_| "Hi".to_string()); // BUG: "Hello"
    let punct = env::var("GREETING_PUNCT").unwrap_or_else(|_| "!".to_string());
    let mut names: Vec<String> = env::args().skip(1).collect();
    if names.is_empty() {
        names.push("world".to_string());
    }
    for name in &names {
        println!("{}, {}{}", greeting, name, punct);
    }
}
