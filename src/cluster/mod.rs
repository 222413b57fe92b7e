//! Profiling on an Apache DataFusion Ballista cluster (feature `ballista`): the same plans as
//! the embedded engine, sent to a Ballista scheduler, which splits them into stages and tasks
//! for its executors. Nothing here computes a figure: it only carries plans.
//!
//! How a plan travels:
//! - The client (`readiness scan --engine ballista://HOST:PORT`) plans, as always, on its own
//!   DataFusion session; only executing a pass differs. Its logical plan is serialised with
//!   DataFusion's protobuf format by [`codec::LogicalCodec`] and sent to the scheduler with
//!   the session's settings.
//! - Datasets are plain `ListingTable`s over object-store URLs, which the format carries (table
//!   paths, file format and its options, schema). What the client's read-only store showed of
//!   them, the files planned into the dataset and the cleaned local copies of messy CSV files,
//!   travels as the session setting `readiness.view` ([`view`]), and the scheduler and every
//!   executor read through the same [`crate::source::store::ScanStore`] with that view, over
//!   stores built from their own environment (their own credentials). One view is one session
//!   id, so an executor's per-session runtime never mixes two views.
//! - readiness's own functions (`readiness_*`, [`functions`]) travel as a name and a recipe of
//!   their parameters; each node rebuilds them from the constructors in its own binary, which
//!   is why `readiness scheduler` and `readiness executor` are subcommands of the one binary.
//! - Partial aggregate states cross the shuffle as Arrow arrays: every kernel's state merges
//!   associatively, so the figures equal the embedded engine's however the rows were split.
//!
//! What does not travel: a Delta table's own provider (its transaction log) has no codec, so a
//! lakehouse table is refused with that reason; a CSV file that needed cleaning is read from the
//! client's scratch folder, which executors on other machines cannot see (see
//! docs/cluster.md).

pub mod access;
pub mod codec;
pub mod flight;
pub mod functions;
pub mod guard;
pub mod process;
pub mod secret;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ballista::extension::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use datafusion::common::config::{ConfigEntry, ConfigExtension, ExtensionOptions};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};

use crate::error::{ReadinessError, Result};
use crate::source::ScanStore;
use secret::ClusterSecret;

/// readiness's session settings on a cluster: `readiness.view`, the files a pass reads as the
/// client's stores show them ([`view::View`], JSON), and `readiness.signature`, the view signed
/// with the cluster's secret ([`secret`]). Written by hand rather than with DataFusion's
/// `extensions_options!`, whose entries leave out the `readiness.` prefix that Ballista needs to
/// send them.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    pub view: String,
    pub signature: String,
}

impl ConfigExtension for ClusterOptions {
    const PREFIX: &'static str = "readiness";
}

impl ExtensionOptions for ClusterOptions {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn cloned(&self) -> Box<dyn ExtensionOptions> {
        Box::new(self.clone())
    }

    fn set(&mut self, key: &str, value: &str) -> DfResult<()> {
        match key {
            "view" => {
                self.view = value.to_string();
                Ok(())
            }
            "signature" => {
                self.signature = value.to_string();
                Ok(())
            }
            other => Err(DataFusionError::Configuration(format!(
                "`readiness.{other}` is not a readiness setting"
            ))),
        }
    }

    fn entries(&self) -> Vec<ConfigEntry> {
        vec![
            ConfigEntry {
                key: format!("{}.view", Self::PREFIX),
                value: Some(self.view.clone()),
                description: "the files a pass reads, as the client's stores show them",
            },
            ConfigEntry {
                key: format!("{}.signature", Self::PREFIX),
                value: Some(self.signature.clone()),
                description: "the view signed with the cluster's secret",
            },
        ]
    }
}

/// A `ballista://HOST:PORT` engine address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ballista://{}:{}", self.host, self.port)
    }
}

/// Partitions a pass is split into at least on a cluster (Ballista's own default), whatever
/// the client's cores: tasks spread over every executor's slots. (Parquet is read in four byte
/// ranges per partition in the profile pass, as on one machine.)
const CLUSTER_PARTITIONS: usize = 16;

/// How long the client waits for the scheduler's port before it says it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The client's side of a cluster, kept in the session config: the stores the views come
/// from.
#[derive(Debug, Default)]
pub struct Client {
    /// The client's read-only stores by `scheme://authority`.
    stores: Mutex<BTreeMap<String, Arc<ScanStore>>>,
    /// The cluster's secret, when the client was given one: it signs each view.
    secret: Option<ClusterSecret>,
}

impl Client {
    /// A store the engine registered for `url`.
    pub fn remember(&self, url: &url::Url, store: Arc<ScanStore>) {
        self.stores
            .lock()
            .expect("cluster store lock poisoned")
            .insert(view::store_key(url), store);
    }

    /// `frame` made ready to send: the view of the files it reads in its settings, and a
    /// session id of that view.
    pub fn prepare(&self, frame: DataFrame) -> DfResult<DataFrame> {
        let stores = self
            .stores
            .lock()
            .expect("cluster store lock poisoned")
            .clone();
        let (state, plan) = frame.into_parts();
        let view = view::View::of(&plan, &stores)?;
        let text = serde_json::to_string(&view)
            .map_err(|error| DataFusionError::External(Box::new(error)))?;
        let session_id = view::session_id(&text);
        tracing::debug!(session = %session_id, view = %text, "a pass sent to the cluster");
        let signature = self
            .secret
            .as_ref()
            .map(|secret| secret.sign_view(&text))
            .unwrap_or_default();
        let mut config = state.config().clone();
        let options = config.options_mut();
        match options.extensions.get_mut::<ClusterOptions>() {
            Some(cluster) => {
                cluster.view = text;
                cluster.signature = signature;
            }
            None => {
                return Err(DataFusionError::Internal(
                    "the session has no readiness cluster settings".into(),
                ));
            }
        }
        let state = SessionStateBuilder::new_from_existing(state)
            .with_config(config)
            .with_session_id(session_id)
            .build();
        Ok(DataFrame::new(state, plan))
    }
}

/// `config` with readiness's cluster settings.
pub fn with_cluster_options(config: SessionConfig) -> SessionConfig {
    config.with_option_extension(ClusterOptions::default())
}

/// The client session for `address`, built from the embedded session `ctx` (its settings,
/// memory pool and stores), with readiness's codecs and the cluster's secret from the
/// environment (`READINESS_CLUSTER_TOKEN_FILE` or `READINESS_CLUSTER_TOKEN`). Fails with one
/// line when nothing answers at the address, or when the scheduler refuses this client.
pub async fn connect(ctx: SessionContext, address: &Address) -> Result<SessionContext> {
    connect_with(ctx, address, ClusterSecret::resolve(None)?).await
}

/// [`connect`], with the cluster's secret given.
pub async fn connect_with(
    ctx: SessionContext,
    address: &Address,
    secret: Option<ClusterSecret>,
) -> Result<SessionContext> {
    reachable(address)?;
    authorized(address, secret.as_ref()).await?;
    let mut state = ctx.state();
    let partitions = state.config().target_partitions().max(CLUSTER_PARTITIONS);
    let mut config = with_cluster_options(state.config().clone())
        .with_target_partitions(partitions)
        .with_ballista_logical_extension_codec(Arc::new(codec::LogicalCodec::default()));
    if let Some(secret) = &secret {
        config = config.with_ballista_grpc_metadata(HashMap::from([(
            secret::AUTHORIZATION.to_string(),
            secret.bearer(),
        )]));
    }
    let config = config.with_extension(Arc::new(Client {
        stores: Mutex::default(),
        secret,
    }));
    *state.config_mut() = config;
    let url = format!("df://{}:{}", address.host, address.port);
    SessionContext::remote_with_state(&url, state)
        .await
        .map_err(|error| unreachable(address, &error.to_string()))
}

fn unreachable(address: &Address, why: &str) -> ReadinessError {
    ReadinessError::SchedulerUnreachable {
        address: address.to_string(),
        reason: why.to_string(),
    }
}

/// Whether the scheduler takes this client's requests: one status request for a job that does
/// not exist, which a scheduler with a secret refuses as unauthenticated unless the bearer
/// token is right (any other answer means the client got in).
async fn authorized(address: &Address, secret: Option<&ClusterSecret>) -> Result<()> {
    use ballista_core::serde::protobuf::GetJobStatusParams;
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;

    let url = format!("http://{}:{}", address.host, address.port);
    let channel = tonic::transport::Endpoint::from_shared(url)
        .map_err(|error| unreachable(address, &error.to_string()))?
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await
        .map_err(|error| unreachable(address, &error.to_string()))?;
    let bearer = secret.map(ClusterSecret::bearer);
    let mut client =
        SchedulerGrpcClient::with_interceptor(channel, move |mut request: tonic::Request<()>| {
            if let Some(bearer) = &bearer {
                let value = bearer
                    .parse()
                    .map_err(|_| tonic::Status::internal("the bearer token is not ASCII"))?;
                request.metadata_mut().insert(secret::AUTHORIZATION, value);
            }
            Ok(request)
        });
    let probe = client
        .get_job_status(GetJobStatusParams {
            job_id: "readiness-authorization-probe".into(),
        })
        .await;
    match probe {
        Err(status) if status.code() == tonic::Code::Unauthenticated => {
            Err(ReadinessError::SchedulerRefused {
                address: address.to_string(),
                reason: if secret.is_some() {
                    "the cluster secret is wrong (READINESS_CLUSTER_TOKEN_FILE names the \
                     cluster's secret file)"
                        .into()
                } else {
                    "this client has no cluster secret (set READINESS_CLUSTER_TOKEN_FILE to the \
                     cluster's secret file)"
                        .into()
                },
            })
        }
        _ => Ok(()),
    }
}

/// Whether the scheduler's port takes connections (Ballista's own client would only find out
/// when the first pass runs).
fn reachable(address: &Address) -> Result<()> {
    let addresses = (address.host.as_str(), address.port)
        .to_socket_addrs()
        .map_err(|error| unreachable(address, &error.to_string()))?;
    let mut last = String::from("the host has no address");
    for socket in addresses {
        match std::net::TcpStream::connect_timeout(&socket, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(error) => last = error.to_string(),
        }
    }
    Err(unreachable(address, &last))
}
