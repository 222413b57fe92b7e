//! The `readiness` binary: parse flags, run, report, and map the outcome to an exit status
//! (0 no failing check, 1 at least one failing check, 2 usage, configuration or runtime error:
//! nothing could be profiled). These codes never change meaning.

use std::process::ExitCode;

use clap::Parser;
use readiness::check::{self, Severity};
use readiness::cli::{
    Cli, ColorWhen, Command, Diagnostics, FailOn, InitArgs, PublishArgs, RunArgs, ScanArgs,
    parse_now, parse_storage_options, report_targets,
};
use readiness::job::{self, Outcome, Publish};
use readiness::project::{self, Project};
use readiness::report::output::Target;
use readiness::{ReadinessError, ScanOptions};

fn main() -> ExitCode {
    let cli = Cli::parse();
    diagnostics(&cli.diagnostics);
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
        #[cfg(feature = "ballista")]
        Command::Scheduler(args) => runtime
            .block_on(readiness::cluster::process::scheduler(&args))
            .map(|()| Outcome::Passed),
        #[cfg(feature = "ballista")]
        Command::Executor(args) => runtime
            .block_on(readiness::cluster::process::executor(&args))
            .map(|()| Outcome::Passed),
    };
    match outcome {
        Ok(Outcome::Passed) => ExitCode::SUCCESS,
        Ok(Outcome::ChecksFailed) => ExitCode::from(1),
        Err(error) => {
            readiness::error::print(&error);
            ExitCode::from(2)
        }
    }
}

/// Colour and log verbosity, for everything that follows: `--color` (and `NO_COLOR`) for the
/// terminal, `-v`/`RUST_LOG` for the log on stderr.
fn diagnostics(settings: &Diagnostics) {
    let choice = match settings.color {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
    let default = match settings.verbose {
        0 => "warn",
        1 => "warn,readiness=info,object_store=info",
        2 => "warn,readiness=debug,object_store=debug",
        _ => "debug,readiness=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(settings.verbose >= 2)
        .init();
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

/// The publishing settings of `scan` and `run` alike: the flags, over the project's `[run]`
/// table when there is one, over the defaults.
fn publish(
    args: &PublishArgs,
    project: Option<&Project>,
    suite: check::Suite,
    storage_options: Vec<(String, String)>,
    job_name: String,
) -> Result<Publish, ReadinessError> {
    let fail_on = args
        .fail_on
        .or(project.and_then(|p| p.fail_on))
        .unwrap_or(FailOn::Fail);
    let out = args
        .out
        .clone()
        .or_else(|| project.and_then(|p| p.out.clone()))
        .unwrap_or_else(|| "reports".to_string());
    let (json, html) = report_targets(&out, args.json.as_deref(), args.html.as_deref())?;
    let openlineage = args
        .openlineage
        .clone()
        .or_else(|| project.and_then(|p| p.openlineage.clone()));
    Ok(Publish {
        suite,
        fail_on: severity(fail_on),
        json,
        html,
        template: args.template.clone(),
        history: args
            .history
            .clone()
            .or_else(|| project.and_then(|p| p.history.clone())),
        openlineage: optional_target(openlineage.as_deref())?,
        storage_options,
        quiet: args.quiet,
        job_name,
    })
}

async fn scan(args: &ScanArgs) -> Result<Outcome, ReadinessError> {
    let options = args.options()?;
    let suite = check::suite::resolve(args.publish.checks.as_deref())?;
    let storage_options = options.storage_options.clone();
    let publish = publish(&args.publish, None, suite, storage_options, "scan".into())?;
    let result = readiness::scan(&options).await?;
    job::publish(&result, &publish).await
}

async fn run(args: &RunArgs) -> Result<Outcome, ReadinessError> {
    let flags = &args.publish;
    let mut project = Project::load(&args.config, flags.checks.as_deref())?;
    project.memory_limit = flags.memory_limit.or(project.memory_limit);
    if let Some(engine) = &flags.engine {
        project.engine = engine.clone();
    }
    project.progress = !flags.quiet;
    let job_name = args
        .config
        .file_stem()
        .map_or("readiness".into(), |s| s.to_string_lossy().to_string());
    let now = parse_now(flags.now.as_deref())?;
    let storage_options = project.storage_options.clone();
    let publish = publish(
        flags,
        Some(&project),
        project.suite.clone(),
        storage_options,
        job_name,
    )?;
    let result = project.run(now).await?;
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
