//! Writes the benchmark table (see `readiness::benchdata`).
//!
//! Run: `cargo run --release --example bench_gen -- ROWS [OUTDIR] [--parquet-only]`
//! (OUTDIR defaults to `/tmp/bench-data`). Writes `OUTDIR/events_<tag>.parquet` (snappy, one
//! row group per 1M-row chunk) and `OUTDIR/events_<tag>.csv` (header, comma), `<tag>` being
//! `1m`, `10m`, `250k`...

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let csv = !args.iter().any(|arg| arg == "--parquet-only");
    let mut positional = args.iter().filter(|arg| !arg.starts_with("--"));
    let Some(rows) = positional.next().and_then(|rows| rows.parse::<f64>().ok()) else {
        eprintln!("usage: bench_gen ROWS [OUTDIR] [--parquet-only]");
        std::process::exit(2)
    };
    let out = positional
        .next()
        .cloned()
        .unwrap_or_else(|| "/tmp/bench-data".to_string());
    match readiness::benchdata::write(rows as usize, Path::new(&out), csv) {
        Ok(paths) => {
            for path in paths {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                println!("{}\t{size} bytes", path.display());
            }
        }
        Err(error) => {
            eprintln!("bench_gen: {error}");
            std::process::exit(1)
        }
    }
}
