//! The scheduler's door: Ballista's own scheduler service behind a check of the cluster's
//! secret on every request.
//!
//! Ballista 55's scheduler authenticates nobody, and its executors cannot add metadata to the
//! requests they send the scheduler. So the two kinds of caller prove the secret differently:
//! - a **client** (submitting plans, asking for a job's status, cancelling one) sends the bearer
//!   token ([`ClusterSecret::bearer`]) as `authorization` metadata, which Ballista's client
//!   adds to each request (`with_ballista_grpc_metadata`);
//! - an **executor** (registering, polling for tasks, reporting them) registers under an id
//!   that carries a tag of the secret ([`ClusterSecret::executor_id`]), and every executor
//!   request names that id.
//!
//! Invariant: every method of the service is listed here and checked before Ballista sees the
//! request; a new method of a later Ballista fails to compile until it is given its check.
//! Without a secret the door is open, and the scheduler listens on loopback only
//! ([`super::process`]).

use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpc;
use ballista_core::serde::protobuf::{
    CancelJobParams, CancelJobResult, CleanJobDataParams, CleanJobDataResult,
    CreateUpdateSessionParams, CreateUpdateSessionResult, ExecuteQueryParams, ExecuteQueryResult,
    ExecutorStoppedParams, ExecutorStoppedResult, GetJobMetricsParams, GetJobMetricsResult,
    GetJobStatusParams, GetJobStatusResult, HeartBeatParams, HeartBeatResult, PollWorkParams,
    PollWorkResult, RegisterExecutorParams, RegisterExecutorResult, RemoveSessionParams,
    RemoveSessionResult, UpdateTaskStatusParams, UpdateTaskStatusResult,
};
use ballista_scheduler::scheduler_server::SchedulerServer;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tonic::{Request, Response, Status};

use super::secret::{AUTHORIZATION, ClusterSecret};

type Inner = SchedulerServer<LogicalPlanNode, PhysicalPlanNode>;

/// Ballista's scheduler service, taking only requests that prove the secret.
pub struct Guarded {
    inner: Inner,
    secret: Option<ClusterSecret>,
}

impl Guarded {
    pub fn new(inner: Inner, secret: Option<ClusterSecret>) -> Self {
        Self { inner, secret }
    }

    /// A client's request: its `authorization` metadata is the bearer token.
    fn client<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let Some(secret) = &self.secret else {
            return Ok(());
        };
        let presented = request
            .metadata()
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        if presented.is_some_and(|value| secret.verify_bearer(value)) {
            Ok(())
        } else {
            tracing::warn!("a client request without the cluster's secret was refused");
            Err(Status::unauthenticated(
                "the cluster secret is missing or wrong",
            ))
        }
    }

    /// An executor's request: the id it names carries the secret's tag.
    fn executor(&self, id: &str) -> Result<(), Status> {
        let Some(secret) = &self.secret else {
            return Ok(());
        };
        if secret.verify_executor_id(id) {
            Ok(())
        } else {
            tracing::warn!("an executor request without the cluster's secret was refused");
            Err(Status::unauthenticated(
                "the executor does not hold the cluster secret",
            ))
        }
    }
}

fn registered_id(metadata: Option<&ballista_core::serde::protobuf::ExecutorRegistration>) -> &str {
    metadata.map(|metadata| metadata.id.as_str()).unwrap_or("")
}

#[tonic::async_trait]
impl SchedulerGrpc for Guarded {
    type ExecuteQueryPushStream = <Inner as SchedulerGrpc>::ExecuteQueryPushStream;

    async fn poll_work(
        &self,
        request: Request<PollWorkParams>,
    ) -> Result<Response<PollWorkResult>, Status> {
        self.executor(registered_id(request.get_ref().metadata.as_ref()))?;
        SchedulerGrpc::poll_work(&self.inner, request).await
    }

    async fn register_executor(
        &self,
        request: Request<RegisterExecutorParams>,
    ) -> Result<Response<RegisterExecutorResult>, Status> {
        self.executor(registered_id(request.get_ref().metadata.as_ref()))?;
        SchedulerGrpc::register_executor(&self.inner, request).await
    }

    async fn heart_beat_from_executor(
        &self,
        request: Request<HeartBeatParams>,
    ) -> Result<Response<HeartBeatResult>, Status> {
        self.executor(&request.get_ref().executor_id)?;
        if let Some(metadata) = &request.get_ref().metadata {
            self.executor(&metadata.id)?;
        }
        SchedulerGrpc::heart_beat_from_executor(&self.inner, request).await
    }

    async fn update_task_status(
        &self,
        request: Request<UpdateTaskStatusParams>,
    ) -> Result<Response<UpdateTaskStatusResult>, Status> {
        self.executor(&request.get_ref().executor_id)?;
        SchedulerGrpc::update_task_status(&self.inner, request).await
    }

    async fn executor_stopped(
        &self,
        request: Request<ExecutorStoppedParams>,
    ) -> Result<Response<ExecutorStoppedResult>, Status> {
        self.executor(&request.get_ref().executor_id)?;
        SchedulerGrpc::executor_stopped(&self.inner, request).await
    }

    async fn create_update_session(
        &self,
        request: Request<CreateUpdateSessionParams>,
    ) -> Result<Response<CreateUpdateSessionResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::create_update_session(&self.inner, request).await
    }

    async fn remove_session(
        &self,
        request: Request<RemoveSessionParams>,
    ) -> Result<Response<RemoveSessionResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::remove_session(&self.inner, request).await
    }

    async fn execute_query_push(
        &self,
        request: Request<ExecuteQueryParams>,
    ) -> Result<Response<Self::ExecuteQueryPushStream>, Status> {
        self.client(&request)?;
        SchedulerGrpc::execute_query_push(&self.inner, request).await
    }

    async fn execute_query(
        &self,
        request: Request<ExecuteQueryParams>,
    ) -> Result<Response<ExecuteQueryResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::execute_query(&self.inner, request).await
    }

    async fn get_job_status(
        &self,
        request: Request<GetJobStatusParams>,
    ) -> Result<Response<GetJobStatusResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::get_job_status(&self.inner, request).await
    }

    async fn get_job_metrics(
        &self,
        request: Request<GetJobMetricsParams>,
    ) -> Result<Response<GetJobMetricsResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::get_job_metrics(&self.inner, request).await
    }

    async fn cancel_job(
        &self,
        request: Request<CancelJobParams>,
    ) -> Result<Response<CancelJobResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::cancel_job(&self.inner, request).await
    }

    async fn clean_job_data(
        &self,
        request: Request<CleanJobDataParams>,
    ) -> Result<Response<CleanJobDataResult>, Status> {
        self.client(&request)?;
        SchedulerGrpc::clean_job_data(&self.inner, request).await
    }
}
