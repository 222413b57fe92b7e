//! The `readiness` binary: parse flags, run, report, and map the outcome to an exit status
//! (0 profiled, 1 failing checks (reserved), 2 usage error or nothing readable).

use std::process::ExitCode;

use clap::Parser;
use readiness::cli::{Cli, Command, ScanArgs};
use readiness::{check, report};

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
    let assessment = check::evaluate(&result, &check::Thresholds::default());
    let (json_path, html_path) = (args.json_path(), args.html_path());
    let html = report::html::render(&result, &assessment, args.template.as_deref())?;
    report::json::write_text(&report::json::to_string(&result, &assessment), &json_path)?;
    report::json::write_text(&html, &html_path)?;
    if !args.quiet {
        let to_stdout = json_path.as_os_str() == "-" || html_path.as_os_str() == "-";
        let mut summary = report::terminal::summary(&result, &assessment);
        for (what, path) in [("JSON", &json_path), ("HTML report", &html_path)] {
            if path.as_os_str() != "-" {
                summary.push_str(&format!("{what} written to {}\n", path.display()));
            }
        }
        if to_stdout {
            eprint!("{summary}");
        } else {
            print!("{summary}");
        }
    }
    Ok(())
}
