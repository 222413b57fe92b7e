//! The `readiness` binary: parse flags, run, report, and map the outcome to an exit status
//! (0 no failing check, 1 at least one failing check, 2 usage, configuration or runtime error:
//! nothing could be profiled). These codes never change meaning.

use std::process::ExitCode;

use clap::Parser;
use readiness::cli::{Cli, Command, FailOn, ScanArgs};
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
            Ok(Outcome::Passed) => ExitCode::SUCCESS,
            Ok(Outcome::ChecksFailed) => ExitCode::from(1),
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        },
    }
}

enum Outcome {
    Passed,
    ChecksFailed,
}

async fn run_scan(args: &ScanArgs) -> Result<Outcome, readiness::ReadinessError> {
    let options = args.options()?;
    let suite = check::suite::resolve(args.checks.as_deref())?;
    let result = readiness::scan(&options).await?;
    let assessment = check::evaluate(&result, &suite);
    let (json_target, html_target) = (args.json_target()?, args.html_target()?);
    let html = report::html::render(&result, &assessment, args.template.as_deref())?;
    let json = report::json::to_string(&result, &assessment);
    json_target.write(&json, &options.storage_options).await?;
    html_target.write(&html, &options.storage_options).await?;
    if !args.quiet {
        let to_stdout = json_target.is_stdout() || html_target.is_stdout();
        let mut summary = report::terminal::summary(&result, &assessment);
        for (what, target) in [("JSON", &json_target), ("HTML report", &html_target)] {
            if !target.is_stdout() {
                summary.push_str(&format!("{what} written to {target}\n"));
            }
        }
        if to_stdout {
            eprint!("{summary}");
        } else {
            print!("{summary}");
        }
    }
    let fail_on = match args.fail_on {
        FailOn::Fail => check::Severity::Fail,
        FailOn::Warn => check::Severity::Warn,
    };
    let failed = assessment
        .findings
        .iter()
        .any(|finding| !finding.advisory && finding.severity >= fail_on);
    Ok(if failed {
        Outcome::ChecksFailed
    } else {
        Outcome::Passed
    })
}
