//! The `readiness` binary: parse flags, run, report, and map the outcome to an exit status
//! (0 no failing check, 1 at least one failing check, 2 usage, configuration or runtime error:
//! nothing could be profiled). These codes never change meaning.

use std::process::ExitCode;

use clap::Parser;
use readiness::check::{self, Severity};
use readiness::cli::{
    Cli, Command, FailOn, InitArgs, RunArgs, ScanArgs, parse_now, parse_storage_options,
    report_targets,
};
use readiness::job::{self, Outcome, Publish};
use readiness::project::{self, Project};
use readiness::report::output::Target;
use readiness::{ReadinessError, ScanOptions};

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
    let outcome = match cli.command {
        Command::Scan(args) => runtime.block_on(scan(&args)),
        Command::Run(args) => runtime.block_on(run(&args)),
        Command::Init(args) => runtime.block_on(init(&args)),
    };
    match outcome {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::ChecksFailed) => ExitCode::from(1),
        Err(error) => {
            let message = readiness::source::stores::redact(&error.to_string(), &[]);
            eprintln!("error: {}", readiness::humanize::printable(&message));
            ExitCode::from(2)
        }
    }
}

fn severity(fail_on: FailOn) -> Severity {
    match fail_on {
        FailOn::Fail => Severity::Fail,
        FailOn::Warn => Severity::Warn,
    }
}

fn optional_target(text: Option<&str>) -> Result<Option<Target>, ReadinessError> {
    text.map(Target::parse).transpose()
}

async fn scan(args: &ScanArgs) -> Result<Outcome, ReadinessError> {
    let options = args.options()?;
    let suite = check::suite::resolve(args.checks.as_deref())?;
    let (json, html) = report_targets(&args.out, args.json.as_deref(), args.html.as_deref())?;
    let publish = Publish {
        suite,
        fail_on: severity(args.fail_on),
        json,
        html,
        template: args.template.clone(),
        history: args.history.clone(),
        openlineage: optional_target(args.openlineage.as_deref())?,
        storage_options: options.storage_options.clone(),
        quiet: args.quiet,
        job_name: "scan".to_string(),
    };
    let result = readiness::scan(&options).await?;
    job::publish(&result, &publish).await
}

async fn run(args: &RunArgs) -> Result<Outcome, ReadinessError> {
    let mut project = Project::load(&args.config, args.checks.as_deref())?;
    project.memory_limit = args.memory_limit.or(project.memory_limit);
    project.progress = !args.quiet;
    let fail_on = severity(args.fail_on.or(project.fail_on).unwrap_or(FailOn::Fail));
    let out = args
        .out
        .clone()
        .or_else(|| project.out.clone())
        .unwrap_or_else(|| "reports".to_string());
    let (json, html) = report_targets(&out, args.json.as_deref(), args.html.as_deref())?;
    let openlineage = args
        .openlineage
        .clone()
        .or_else(|| project.openlineage.clone());
    let job_name = args
        .config
        .file_stem()
        .map_or("readiness".into(), |s| s.to_string_lossy().to_string());
    let now = parse_now(args.now.as_deref())?;
    let result = project.run(now).await?;
    let publish = Publish {
        suite: project.suite,
        fail_on,
        json,
        html,
        template: args.template.clone(),
        history: args.history.clone().or(project.history),
        openlineage: optional_target(openlineage.as_deref())?,
        storage_options: project.storage_options,
        quiet: args.quiet,
        job_name,
    };
    job::publish(&result, &publish).await
}

async fn init(args: &InitArgs) -> Result<Outcome, ReadinessError> {
    let mut options = ScanOptions::new(args.sources.clone());
    options.format = args.format;
    options.storage_options = parse_storage_options(&args.storage_options)?;
    let result = readiness::scan(&options).await?;
    print!(
        "{}",
        project::starter_config(&result, &options.storage_options)
    );
    Ok(Outcome::Passed)
}
