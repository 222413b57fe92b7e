//! `readiness scheduler` and `readiness executor`: Ballista's own scheduler and executor
//! processes, started with readiness's codecs (its functions), its session settings (the view
//! of the files a pass reads) and its read-only stores built from the node's environment.
//!
//! Security (SECURITY.md, "The cluster"): with a secret (`--token-file`) the scheduler takes
//! requests only from clients and executors that prove it ([`super::guard`]), and both kinds
//! of node build a pass's stores only from a view signed with it; without one, a node listens
//! on loopback only. Executors pull their tasks from the scheduler (Ballista's pull-staged
//! scheduling), so they open no port that takes work; their Flight port serves only files of
//! their work directory ([`super::flight`]). What a pass may read on a node is its
//! [`ReadScope`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpcServer;
use ballista_core::utils::{
    GrpcServerConfig, create_grpc_server, create_grpc_server_incoming, default_config_producer,
    default_session_builder,
};
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::create_scheduler;
use clap::Args;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use super::access::{ReadScope, Refusal};
use super::guard::Guarded;
use super::secret::{ClusterSecret, TOKEN_FILE_VARIABLE, TOKEN_VARIABLE};
use super::view::{ClusterStores, View};
use super::{ClusterOptions, codec, flight, with_cluster_options};
use crate::error::{ReadinessError, Result};

/// What every node is told about the cluster's secret and what it may read locally.
#[derive(Debug, Args)]
pub struct NodeAccess {
    /// File holding the cluster's shared secret (at least 16 characters; the same file on
    /// every node and for every client, e.g. `openssl rand -hex 32`). Also read from the file
    /// named by READINESS_CLUSTER_TOKEN_FILE, or from READINESS_CLUSTER_TOKEN itself. Without
    /// a secret the node listens on 127.0.0.1 only.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// A folder whose files `file://` sources may read on this node (repeatable). None by
    /// default: a plan naming any other local file is refused before it is opened.
    #[arg(long = "allow-local", value_name = "DIR")]
    pub allow_local: Vec<PathBuf>,

    /// A folder cleaned copies of CSV files may be read from on this node (repeatable; an
    /// executor's default is its --work-dir). Copies anywhere else are refused.
    #[arg(long = "data-dir", value_name = "DIR")]
    pub data_dir: Vec<PathBuf>,
}

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

    #[command(flatten)]
    pub access: NodeAccess,
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

    #[command(flatten)]
    pub access: NodeAccess,
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

/// The view a session's settings carry, once its signature is checked. No view opens no
/// store ([`ClusterStores`] refuses every store a view does not list), so it needs none.
fn view_of(config: &SessionConfig, secret: Option<&ClusterSecret>) -> DfResult<View> {
    let (text, signature) = config
        .options()
        .extensions
        .get::<ClusterOptions>()
        .map(|options| (options.view.as_str(), options.signature.as_str()))
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(View::default());
    }
    if let Some(secret) = secret
        && !secret.verify_view(text, signature)
    {
        tracing::warn!("a pass whose view is not signed with the cluster's secret was refused");
        return Err(DataFusionError::External(Box::new(Refusal::Unsigned)));
    }
    let view: View =
        serde_json::from_str(text).map_err(|error| DataFusionError::External(Box::new(error)))?;
    tracing::debug!(stores = view.stores.len(), "a session's view of the files");
    Ok(view)
}

/// What a node was given at its start: the secret, and what it may read.
#[derive(Debug, Clone)]
struct Node {
    secret: Option<ClusterSecret>,
    scope: ReadScope,
}

impl Node {
    /// `access` resolved for a node that listens on `bind`: without a secret only a loopback
    /// address is taken, and the node says so.
    fn resolve(
        role: &'static str,
        access: &NodeAccess,
        bind: &str,
        data_dirs: &[PathBuf],
    ) -> Result<Self> {
        let NodeAccess {
            token_file,
            allow_local,
            data_dir: _,
        } = access;
        let secret = ClusterSecret::resolve(token_file.as_ref())?;
        if secret.is_none() {
            let loopback = bind == "localhost"
                || bind
                    .parse::<IpAddr>()
                    .is_ok_and(|address| address.is_loopback());
            if !loopback {
                return Err(ReadinessError::ClusterWithoutSecret {
                    role,
                    bind: bind.to_string(),
                });
            }
            eprintln!(
                "readiness {role}: no cluster secret (--token-file, {TOKEN_FILE_VARIABLE} or \
                 {TOKEN_VARIABLE}): listening on {bind} only, and any process on this machine \
                 can use the cluster"
            );
        }
        let scope = ReadScope::new(data_dirs, allow_local).map_err(|refusal| {
            ReadinessError::InvalidArgument {
                flag: match refusal {
                    Refusal::BadDirectory { flag, .. } => flag,
                    _ => "--data-dir",
                },
                message: refusal.to_string(),
            }
        })?;
        Ok(Self { secret, scope })
    }
}

/// A runtime whose stores show what `config`'s view shows, read within `node`'s scope.
fn runtime_for(
    config: &SessionConfig,
    node: &Node,
    spill: Option<PathBuf>,
) -> DfResult<Arc<RuntimeEnv>> {
    let view = view_of(config, node.secret.as_ref())?;
    let mut builder = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(ClusterStores::new(view, node.scope.clone())));
    if let Some(folder) = spill {
        builder = builder.with_temp_file_path(folder);
    }
    Ok(Arc::new(builder.build()?))
}

/// Runs a scheduler until the process is stopped.
pub async fn scheduler(args: &SchedulerArgs) -> Result<()> {
    let node = Node::resolve("scheduler", &args.access, &args.bind, &args.access.data_dir)?;
    let secret = node.secret.clone();
    let config = SchedulerConfig {
        bind_host: args.bind.clone(),
        bind_port: args.port,
        executor_timeout_seconds: args.executor_timeout,
        expire_dead_executor_interval_seconds: (args.executor_timeout / 2).clamp(1, 15),
        no_executors_grace_period_seconds: args.executor_timeout,
        // Executors poll for tasks, so none listens for work (see the module header).
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        override_config_producer: Some(Arc::new(config_producer)),
        override_session_builder: Some(Arc::new(move |config: SessionConfig| {
            let runtime = runtime_for(&config, &node, None)?;
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
    config
        .validate()
        .map_err(|error| stopped("scheduler", error))?;
    let config = Arc::new(config);
    // Ballista's scheduler service (`scheduler_process::start_server` without its REST API,
    // which readiness does not build), behind the secret's check.
    let scheduler = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config.clone())
        .await
        .map_err(|error| stopped("scheduler", error))?;
    let service = SchedulerGrpcServer::new(Guarded::new(scheduler, secret))
        .max_encoding_message_size(config.grpc_server_max_encoding_message_size as usize)
        .max_decoding_message_size(config.grpc_server_max_decoding_message_size as usize);
    let server_config = GrpcServerConfig::default();
    let incoming = create_grpc_server_incoming(address, &server_config)
        .map_err(|error| stopped("scheduler", error))?;
    tracing::info!(%address, "the Ballista scheduler listens");
    create_grpc_server(&server_config)
        .add_service(service)
        .serve_with_incoming(incoming)
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
    // The work directory is made here when none is given, so that it is known (copies are
    // read only under it) and lives as long as the process.
    let temporary = match &args.work_dir {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("readiness-executor-")
                .tempdir()
                .map_err(|error| stopped("executor", error))?,
        ),
    };
    let work_dir = match (&args.work_dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temporary)) => temporary.path().to_path_buf(),
        (None, None) => unreachable!("a temporary work directory is made when none is given"),
    };
    let data_dirs = if args.access.data_dir.is_empty() {
        vec![work_dir.clone()]
    } else {
        args.access.data_dir.clone()
    };
    let node = Node::resolve("executor", &args.access, &args.bind, &data_dirs)?;
    let name = uuid::Uuid::new_v4().to_string();
    let executor_id = match &node.secret {
        Some(secret) => secret.executor_id(&name),
        None => name,
    };
    let spill = Some(work_dir.clone());
    let defaults = ExecutorProcessConfig::default();
    let mut config = ExecutorProcessConfig {
        executor_id,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        bind_host: args.bind.clone(),
        external_host: Some(args.external_host.clone().unwrap_or(args.bind.clone())),
        port: args.port,
        grpc_port: args.grpc_port,
        executor_heartbeat_interval_seconds: args.heartbeat_interval,
        scheduler_host: host,
        scheduler_port: port,
        work_dir: Some(work_dir.to_string_lossy().into_owned()),
        override_config_producer: Some(Arc::new(config_producer)),
        override_runtime_producer: Some(Arc::new(move |config: &SessionConfig| {
            runtime_for(config, &node, spill.clone())
        })),
        override_logical_codec: Some(Arc::new(codec::LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(codec::PhysicalCodec::default())),
        override_arrow_flight_service: Some(flight::provider(
            defaults
                .grpc_max_encoding_message_size
                .max(defaults.grpc_max_decoding_message_size) as usize,
        )),
        ..defaults
    };
    if let Some(tasks) = args.concurrent_tasks {
        config.vcores = tasks;
    }
    start_executor_process(Arc::new(config))
        .await
        .map_err(|error| stopped("executor", error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(view: &str, signature: &str) -> SessionConfig {
        let mut config = with_cluster_options(SessionConfig::new());
        let options = config
            .options_mut()
            .extensions
            .get_mut::<ClusterOptions>()
            .unwrap();
        options.view = view.into();
        options.signature = signature.into();
        config
    }

    #[test]
    fn a_view_is_taken_only_with_the_secrets_signature() {
        let secret = ClusterSecret::new("a cluster secret for this test").unwrap();
        let other = ClusterSecret::new("another secret of sixteen+").unwrap();
        let view = r#"{"stores":{"file://":{"files":null,"copies":[]}}}"#;

        let signed = config(view, &secret.sign_view(view));
        assert_eq!(view_of(&signed, Some(&secret)).unwrap().stores.len(), 1);
        for refused in [
            config(view, ""),
            config(view, &other.sign_view(view)),
            config(view, &secret.sign_view(r#"{"stores":{}}"#)),
        ] {
            let error = view_of(&refused, Some(&secret)).unwrap_err().to_string();
            assert!(error.contains("no valid signature"), "{error}");
        }
        // No view opens no store, so it needs no signature; a node without a secret checks none.
        assert!(
            view_of(&config("", ""), Some(&secret))
                .unwrap()
                .stores
                .is_empty()
        );
        assert_eq!(view_of(&config(view, ""), None).unwrap().stores.len(), 1);
    }
}
