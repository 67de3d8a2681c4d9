// sales_report: total a CSV of "region,amount" lines (amounts in cents, one header
// line) per region; write the table to report.txt, sorted by region, and print the
// grand total.  Correct translation of orig.py.
use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::process;

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.abs();
    format!("{}{}.{:02}", sign, c / 100, c % 100)
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: sales_report FILE.csv");
        process::exit(2);
    }
    let text = match fs::read_to_string(&args[1]) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sales_report: {}: {}", args[1], e);
            process::exit(1);
        }
    };
    let mut lines = text.lines();
    let header = lines.next().unwrap_or("").trim();
    if header != "region,amount" {
        eprintln!("sales_report: unexpected header '{}'", header);
        process::exit(1);
    }
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (region, amount) = line.split_once(',').expect("region,amount");
        *totals.entry(region.to_string()).or_insert(0) += amount.parse::<i64>().expect("amount");
    }
    let mut table = String::new();
    for (region, cents) in &totals {
        table.push_str(&format!("{:<8} {:>12}\n", region, money(*cents)));
    }
    if let Err(e) = fs::write("report.txt", table) {
        eprintln!("sales_report: report.txt: {}", e);
        process::exit(1);
    }
    let total: i64 = totals.values().sum();
    println!("{} regions, total {}", totals.len(), money(total));
}
