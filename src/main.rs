//! The `readiness` binary: parse flags, run, report, and map the outcome to an exit status
//! (0 profiled, 1 failing checks (reserved), 2 usage error or nothing readable).

use std::process::ExitCode;

use clap::Parser;
use readiness::cli::{Cli, Command, ScanArgs};
use readiness::report;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Scan(args) => match runtime.block_on(run_scan(&args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        },
    }
}

async fn run_scan(args: &ScanArgs) -> Result<(), readiness::ReadinessError> {
    let options = args.options()?;
    let result = readiness::scan(&options).await?;
    let json_path = args.json_path();
    report::json::write(&result, &json_path)?;
    if !args.quiet {
        let summary = report::terminal::summary(&result);
        if json_path.as_os_str() == "-" {
            eprint!("{summary}");
        } else {
            print!("{summary}");
            println!("JSON written to {}", json_path.display());
        }
    }
    Ok(())
}
