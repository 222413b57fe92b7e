//! The executor's Arrow Flight service (shuffle data and results): Ballista's own, serving only
//! files of its work directory.
//!
//! Ballista's service builds the path of a requested file from its work directory and the job
//! id the request names, and takes the job id as given: an id holding `..` or `/` names a file
//! elsewhere on the node. Here a request is answered only when its job id is one plain name, so
//! every file served is under the work directory. Flight requests carry no credentials in
//! Ballista 55 (neither other executors nor the client can add any), which is why the threat
//! model in SECURITY.md keeps the executors' ports on the cluster's private network.

use std::net::SocketAddr;
use std::sync::Arc;

use arrow_flight::flight_service_server::{FlightService, FlightServiceServer};
use arrow_flight::{
    Action, Criteria, Empty, FlightData, FlightDescriptor, FlightInfo, HandshakeRequest, PollInfo,
    SchemaResult, Ticket,
};
use ballista_core::error::BallistaError;
use ballista_core::serde::decode_protobuf;
use ballista_core::serde::scheduler::Action as BallistaAction;
use ballista_core::utils::{GrpcServerConfig, create_grpc_server};
use ballista_executor::ArrowFlightServerProvider;
use ballista_executor::flight_service::BallistaFlightService;
use ballista_executor::shutdown::Shutdown;
use tonic::{Request, Response, Status, Streaming};

type Inner = BallistaFlightService;

/// Ballista's Flight service, refusing requests for files outside the work directory.
#[derive(Clone)]
pub struct WorkDirFlight {
    inner: Inner,
}

/// Whether a job id is one plain name: letters, digits, `-` and `_` (Ballista's ids are
/// alphanumeric), so a path built from it stays in the folder it is joined to.
pub fn plain_job_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check(body: &[u8]) -> Result<(), Status> {
    let action: BallistaAction =
        decode_protobuf(body).map_err(|_| Status::invalid_argument("not a Ballista action"))?;
    match &action {
        BallistaAction::FetchPartition { job_id, .. } if plain_job_id(job_id.as_str()) => Ok(()),
        BallistaAction::FetchPartition { .. } => {
            tracing::warn!("a Flight request for a file outside the work directory was refused");
            Err(Status::permission_denied(
                "only files of this executor's work directory are served",
            ))
        }
    }
}

#[tonic::async_trait]
impl FlightService for WorkDirFlight {
    type HandshakeStream = <Inner as FlightService>::HandshakeStream;
    type ListFlightsStream = <Inner as FlightService>::ListFlightsStream;
    type DoGetStream = <Inner as FlightService>::DoGetStream;
    type DoPutStream = <Inner as FlightService>::DoPutStream;
    type DoActionStream = <Inner as FlightService>::DoActionStream;
    type ListActionsStream = <Inner as FlightService>::ListActionsStream;
    type DoExchangeStream = <Inner as FlightService>::DoExchangeStream;

    async fn handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<Self::HandshakeStream>, Status> {
        FlightService::handshake(&self.inner, request).await
    }

    async fn list_flights(
        &self,
        request: Request<Criteria>,
    ) -> Result<Response<Self::ListFlightsStream>, Status> {
        FlightService::list_flights(&self.inner, request).await
    }

    async fn get_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        FlightService::get_flight_info(&self.inner, request).await
    }

    async fn poll_flight_info(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<PollInfo>, Status> {
        FlightService::poll_flight_info(&self.inner, request).await
    }

    async fn get_schema(
        &self,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<SchemaResult>, Status> {
        FlightService::get_schema(&self.inner, request).await
    }

    async fn do_get(
        &self,
        request: Request<Ticket>,
    ) -> Result<Response<Self::DoGetStream>, Status> {
        check(&request.get_ref().ticket)?;
        FlightService::do_get(&self.inner, request).await
    }

    async fn do_put(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoPutStream>, Status> {
        FlightService::do_put(&self.inner, request).await
    }

    async fn do_action(
        &self,
        request: Request<Action>,
    ) -> Result<Response<Self::DoActionStream>, Status> {
        check(&request.get_ref().body)?;
        FlightService::do_action(&self.inner, request).await
    }

    async fn list_actions(
        &self,
        request: Request<Empty>,
    ) -> Result<Response<Self::ListActionsStream>, Status> {
        FlightService::list_actions(&self.inner, request).await
    }

    async fn do_exchange(
        &self,
        request: Request<Streaming<FlightData>>,
    ) -> Result<Response<Self::DoExchangeStream>, Status> {
        FlightService::do_exchange(&self.inner, request).await
    }
}

/// The executor's Flight server: [`WorkDirFlight`] with Ballista's message size limits.
pub fn provider(max_message_size: usize) -> Arc<ArrowFlightServerProvider> {
    Arc::new(
        move |work_dir: String,
              address: SocketAddr,
              mut shutdown: Shutdown,
              config: GrpcServerConfig| {
            tokio::spawn(async move {
                let service = FlightServiceServer::new(WorkDirFlight {
                    inner: BallistaFlightService::new(work_dir),
                })
                .max_decoding_message_size(max_message_size)
                .max_encoding_message_size(max_message_size);
                create_grpc_server(&config)
                    .add_service(service)
                    .serve_with_shutdown(address, shutdown.recv())
                    .await
                    .map_err(BallistaError::TonicError)
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_job_ids_name_files_of_the_work_directory() {
        for plain in ["aBc1234", "job-1_2"] {
            assert!(plain_job_id(plain), "{plain}");
        }
        for escaping in ["", "..", "../../etc", "a/b", "/abs", "a\\b", "a.b"] {
            assert!(!plain_job_id(escaping), "{escaping}");
        }
    }
}
