//! `readiness scheduler` and `readiness executor`: Ballista's own scheduler and executor
//! processes, started with readiness's codecs (its functions), its session settings (the view
//! of the files a pass reads) and its read-only stores built from the node's environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::utils::{default_config_producer, default_session_builder};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use clap::Args;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;

use super::view::{ClusterStores, View};
use super::{ClusterOptions, codec, with_cluster_options};
use crate::error::{ReadinessError, Result};

/// `readiness scheduler`.
#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on (`0.0.0.0` for every interface).
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind: String,

    /// Port clients (`--engine ballista://HOST:PORT`) and executors connect to.
    #[arg(long, default_value_t = 50050)]
    pub port: u16,

    /// Seconds without a heartbeat after which an executor counts as lost and its tasks run
    /// again elsewhere.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub executor_timeout: u64,
}

/// `readiness executor`.
#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler to register with, `HOST:PORT`.
    #[arg(long, value_name = "HOST:PORT", default_value = "localhost:50050")]
    pub scheduler: String,

    /// Address to listen on.
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub bind: String,

    /// The host name other nodes reach this executor by (default: the bind address).
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,

    /// Port of the Arrow Flight service other executors fetch shuffle data from.
    #[arg(long, default_value_t = 50051)]
    pub port: u16,

    /// Port of the executor's gRPC service.
    #[arg(long, default_value_t = 50052)]
    pub grpc_port: u16,

    /// Tasks run at once (default: the machine's cores).
    #[arg(long, value_name = "N")]
    pub concurrent_tasks: Option<usize>,

    /// Seconds between heartbeats to the scheduler (keep it well under the scheduler's
    /// `--executor-timeout`).
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub heartbeat_interval: u64,

    /// Folder for shuffle files and spills (default: a temporary folder).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

fn stopped(role: &'static str, error: impl std::fmt::Display) -> ReadinessError {
    ReadinessError::ClusterNode {
        role,
        message: error.to_string(),
    }
}

/// The session settings every node starts from: Ballista's, with readiness's.
fn config_producer() -> SessionConfig {
    with_cluster_options(default_config_producer())
}

/// The view a session's settings carry (none: every store shows all it has).
fn view_of(config: &SessionConfig) -> DfResult<View> {
    let text = config
        .options()
        .extensions
        .get::<ClusterOptions>()
        .map(|options| options.view.as_str())
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(View::default());
    }
    let view: View =
        serde_json::from_str(text).map_err(|error| DataFusionError::External(Box::new(error)))?;
    tracing::debug!(stores = view.stores.len(), "a session's view of the files");
    Ok(view)
}

/// A runtime whose stores show what `config`'s view shows.
fn runtime_for(config: &SessionConfig, spill: Option<PathBuf>) -> DfResult<Arc<RuntimeEnv>> {
    let mut builder = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(ClusterStores::new(view_of(config)?)));
    if let Some(folder) = spill {
        builder = builder.with_temp_file_path(folder);
    }
    Ok(Arc::new(builder.build()?))
}

/// Runs a scheduler until the process is stopped.
pub async fn scheduler(args: &SchedulerArgs) -> Result<()> {
    let config = SchedulerConfig {
        bind_host: args.bind.clone(),
        bind_port: args.port,
        executor_timeout_seconds: args.executor_timeout,
        expire_dead_executor_interval_seconds: (args.executor_timeout / 2).clamp(1, 15),
        no_executors_grace_period_seconds: args.executor_timeout,
        override_config_producer: Some(Arc::new(config_producer)),
        override_session_builder: Some(Arc::new(|config: SessionConfig| {
            let runtime = runtime_for(&config, None)?;
            let state = default_session_builder(config)?;
            Ok(SessionStateBuilder::new_from_existing(state)
                .with_runtime_env(runtime)
                .build())
        })),
        override_logical_codec: Some(Arc::new(codec::LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(codec::PhysicalCodec::default())),
        ..Default::default()
    };
    let address: SocketAddr = format!("{}:{}", args.bind, args.port)
        .parse()
        .map_err(|error| ReadinessError::InvalidArgument {
            flag: "--bind",
            message: format!("`{}:{}` is not an address: {error}", args.bind, args.port),
        })?;

    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|error| stopped("scheduler", error))?;
    start_server(cluster, address, Arc::new(config))
        .await
        .map_err(|error| stopped("scheduler", error))
}

/// Runs an executor until the process is stopped.
pub async fn executor(args: &ExecutorArgs) -> Result<()> {
    let (host, port) = args
        .scheduler
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host.to_string(), port.parse::<u16>().ok()?)))
        .ok_or_else(|| ReadinessError::InvalidArgument {
            flag: "--scheduler",
            message: format!("`{}` is not HOST:PORT", args.scheduler),
        })?;
    let spill = args.work_dir.clone();
    let mut config = ExecutorProcessConfig {
        bind_host: args.bind.clone(),
        external_host: Some(args.external_host.clone().unwrap_or(args.bind.clone())),
        port: args.port,
        grpc_port: args.grpc_port,
        executor_heartbeat_interval_seconds: args.heartbeat_interval,
        scheduler_host: host,
        scheduler_port: port,
        work_dir: args
            .work_dir
            .as_ref()
            .map(|dir| dir.to_string_lossy().into_owned()),
        override_config_producer: Some(Arc::new(config_producer)),
        override_runtime_producer: Some(Arc::new(move |config: &SessionConfig| {
            runtime_for(config, spill.clone())
        })),
        override_logical_codec: Some(Arc::new(codec::LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(codec::PhysicalCodec::default())),
        ..Default::default()
    };
    if let Some(tasks) = args.concurrent_tasks {
        config.vcores = tasks;
    }
    start_executor_process(Arc::new(config))
        .await
        .map_err(|error| stopped("executor", error))
}
