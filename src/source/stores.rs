//! Resolving a URL scheme to an object store: the one place that knows about clouds.
//!
//! Each store starts from its builder's `from_env()` (the cloud's standard environment
//! variables, as its own command-line tools read them), then `--storage-option KEY=VALUE`
//! settings are layered on top. Transient errors are retried with backoff within a bounded
//! total time. Invariant: no credential leaves this module in a message; [`redact`] removes
//! them from any text that might carry one.

use std::sync::Arc;
use std::time::Duration;

use object_store::CredentialProvider;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, AwsCredential};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::client::{HttpError, HttpErrorKind};
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::http::HttpBuilder;
use object_store::local::LocalFileSystem;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

use crate::error::{ReadinessError, Result};

/// Total time a request may spend in retries before its error is reported.
const RETRY_TIMEOUT: Duration = Duration::from_secs(20);

/// `--storage-option KEY=VALUE` pairs, in the order given.
pub type StorageOptions = [(String, String)];

fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: RETRY_TIMEOUT,
    }
}

/// The store for a URL's scheme and authority (`s3://bucket`, `gs://bucket`, `az://container`,
/// `https://host`, `file://`).
///
/// Plain HTTP is allowed because it is only ever used when an endpoint was configured with an
/// `http://` URL (a local S3-compatible store, an emulator); `allow_http=false` refuses it.
pub async fn build(url: &Url, options: &StorageOptions) -> Result<Arc<dyn ObjectStore>> {
    match configure(url, options)? {
        Configured::Ready(store) => Ok(store),
        Configured::S3(builder) => Ok(Arc::new(
            with_aws_profile(*builder)
                .await
                .build()
                .map_err(|error| build_failed(url, options, error))?,
        )),
    }
}

/// The store for a URL from the cloud's standard environment variables alone (no
/// `--storage-option`, no AWS shared-config profile): what a cluster's scheduler and executors
/// build, with the credentials of the machine they run on.
pub fn build_from_environment(url: &Url) -> Result<Arc<dyn ObjectStore>> {
    match configure(url, &[])? {
        Configured::Ready(store) => Ok(store),
        Configured::S3(builder) => Ok(Arc::new(
            builder
                .build()
                .map_err(|error| build_failed(url, &[], error))?,
        )),
    }
}

/// A store, or an S3 builder still to be given the shared-config profile.
enum Configured {
    Ready(Arc<dyn ObjectStore>),
    S3(Box<AmazonS3Builder>),
}

fn build_failed(url: &Url, options: &StorageOptions, error: object_store::Error) -> ReadinessError {
    ReadinessError::SourceUnreadable {
        source_name: redact_url(url),
        message: redact(&explain(&error, StoreOperation::List), options),
    }
}

fn configure(url: &Url, options: &StorageOptions) -> Result<Configured> {
    let bad_option = |key: &str, error: object_store::Error| ReadinessError::InvalidArgument {
        flag: "--storage-option",
        message: format!(
            "`{key}` is not a setting for {} URLs ({})",
            url.scheme(),
            redact(&error.to_string(), options)
        ),
    };
    let failed = |error: object_store::Error| build_failed(url, options, error);
    let base = authority(url);
    let client = ClientOptions::new().with_allow_http(true);
    let store: Arc<dyn ObjectStore> = match url.scheme() {
        "file" => Arc::new(LocalFileSystem::new()),
        "s3" | "s3a" => {
            let mut builder = AmazonS3Builder::from_env()
                .with_url(base.replace("s3a://", "s3://"))
                .with_retry(retry())
                .with_client_options(client);
            for (key, value) in options {
                builder = builder.with_config(key.parse().map_err(|e| bad_option(key, e))?, value);
            }
            return Ok(Configured::S3(Box::new(builder)));
        }
        "gs" | "gcs" => {
            let mut builder = GoogleCloudStorageBuilder::from_env()
                .with_url(base.replace("gcs://", "gs://"))
                .with_retry(retry())
                .with_client_options(client);
            for (key, value) in options {
                builder = builder.with_config(key.parse().map_err(|e| bad_option(key, e))?, value);
            }
            Arc::new(builder.build().map_err(failed)?)
        }
        "az" | "abfs" | "abfss" | "azure" | "adl" => {
            let mut builder = MicrosoftAzureBuilder::from_env()
                .with_url(url.as_str())
                .with_retry(retry())
                .with_client_options(client);
            for (key, value) in options {
                builder = builder.with_config(key.parse().map_err(|e| bad_option(key, e))?, value);
            }
            Arc::new(builder.build().map_err(failed)?)
        }
        "http" | "https" => Arc::new(
            HttpBuilder::new()
                // A signed URL's query (presigned S3, Azure SAS) goes with every request.
                .with_url(match url.query() {
                    Some(query) => format!("{base}/?{query}"),
                    None => base,
                })
                .with_retry(retry())
                .with_client_options(client)
                .build()
                .map_err(failed)?,
        ),
        other => {
            return Err(ReadinessError::InvalidArgument {
                flag: "SOURCE",
                message: format!(
                    "unsupported scheme `{other}://` (use s3, gs, az, abfs, http(s), file or a path)"
                ),
            });
        }
    };
    Ok(Configured::Ready(store))
}

/// What the aws CLI would also use: the region of the shared config files, and credentials
/// from the SDK's default chain (`AWS_PROFILE`, `AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`; SSO, `credential_process`, assumed roles, web identity,
/// container and instance metadata) when neither the `AWS_*` variables nor `--storage-option`
/// gave them. Every secret the chain resolves is remembered for [`redact`].
async fn with_aws_profile(mut builder: AmazonS3Builder) -> AmazonS3Builder {
    let home_file = |name: &str| {
        std::env::var_os("HOME").is_some_and(|home| {
            std::path::Path::new(&home)
                .join(".aws")
                .join(name)
                .is_file()
        })
    };
    let profile_in_use = [
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some())
        || home_file("config")
        || home_file("credentials");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let config = aws_config::provider_config::ProviderConfig::default().with_http_client(http);
    if profile_in_use
        && builder
            .get_config_value(&AmazonS3ConfigKey::Region)
            .is_none()
    {
        let region = aws_config::profile::ProfileFileRegionProvider::builder()
            .configure(&config)
            .build();
        if let Some(region) = aws_config::meta::region::ProvideRegion::region(&region).await {
            builder = builder.with_region(region.to_string());
        }
    }
    let has_keys = builder
        .get_config_value(&AmazonS3ConfigKey::AccessKeyId)
        .is_some();
    let unsigned = builder
        .get_config_value(&AmazonS3ConfigKey::SkipSignature)
        .is_some_and(|value| value == "true");
    // The SDK's chain (profiles, SSO, web identity, container and instance metadata) resolves
    // every credential that is not given, so each one it hands out is known to `redact`.
    if !has_keys && !unsigned {
        let chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
            .configure(config)
            .build()
            .await;
        builder = builder.with_credentials(Arc::new(SdkCredentials(Arc::new(chain))));
    }
    builder
}

/// The AWS SDK's credential chain, as object_store asks for credentials.
#[derive(Debug)]
struct SdkCredentials(Arc<aws_config::default_provider::credentials::DefaultCredentialsChain>);

#[async_trait::async_trait]
impl CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        use aws_credential_types::provider::ProvideCredentials;
        let credentials = self.0.provide_credentials().await.map_err(|error| {
            object_store::Error::Unauthenticated {
                path: String::new(),
                source: format!("no AWS credentials from the SDK's default chain: {error}").into(),
            }
        })?;
        remember_secret(credentials.secret_access_key());
        if let Some(token) = credentials.session_token() {
            remember_secret(token);
        }
        Ok(Arc::new(AwsCredential {
            key_id: credentials.access_key_id().to_string(),
            secret_key: credentials.secret_access_key().to_string(),
            token: credentials.session_token().map(str::to_string),
        }))
    }
}

/// What went wrong with a store, as far as a user can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFailure {
    /// The bucket or container (or, on a read, the object) is not there.
    NotFound,
    /// The credentials were refused or are missing.
    AccessDenied,
    /// The endpoint could not be reached, after the client's retries.
    Unreachable,
    /// Anything else: shown with the store's own first line.
    Other,
}

/// Classifies a store error by object_store's variants: `NotFound`, `PermissionDenied` and
/// `Unauthenticated` are what it makes of HTTP 404, 403 and 401. Errors it leaves `Generic`
/// (a failed listing, a credential provider) are classified by the HTTP client's error kind
/// in their cause chain (connect, timeout) or, failing that, by the service's own error code
/// in the response (`<Code>NoSuchBucket</Code>`, `"code": "ContainerNotFound"`), a
/// machine-readable field, never by the wording of a message.
pub fn classify(error: &object_store::Error) -> StoreFailure {
    use object_store::Error as E;
    match error {
        E::NotFound { .. } => StoreFailure::NotFound,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => StoreFailure::AccessDenied,
        E::Generic { source, .. } => match http_kind(source.as_ref()) {
            Some(
                HttpErrorKind::Connect
                | HttpErrorKind::Timeout
                | HttpErrorKind::Interrupted
                | HttpErrorKind::Request,
            ) => StoreFailure::Unreachable,
            _ => service_code(&error.to_string()).map_or(StoreFailure::Other, by_code),
        },
        // object_store's enum is non-exhaustive: what it may add is shown as it comes.
        _ => StoreFailure::Other,
    }
}

/// The HTTP client's error kind in `error`'s cause chain, if the failure was an HTTP one.
fn http_kind(error: &(dyn std::error::Error + 'static)) -> Option<HttpErrorKind> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(http) = error.downcast_ref::<HttpError>() {
            return Some(http.kind());
        }
        current = error.source();
    }
    None
}

/// The error code a storage service puts in its response body (S3 and GCS XML `<Code>`,
/// Azure XML `<Code>` and JSON `"code"`).
fn service_code(text: &str) -> Option<String> {
    ["<Code>", "\"code\":", "<code>"]
        .iter()
        .find_map(|tag| text.split(tag).nth(1))
        .map(|rest| {
            rest.trim_start_matches([' ', '"'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .filter(|code| !code.is_empty())
}

/// The documented error codes of S3, GCS and Azure Blob Storage for a missing bucket or
/// container and for refused credentials.
fn by_code(code: String) -> StoreFailure {
    match code.as_str() {
        "NoSuchBucket" | "ContainerNotFound" | "NoSuchKey" | "BlobNotFound" => {
            StoreFailure::NotFound
        }
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "AccessDenied"
        | "AuthorizationFailure"
        | "AuthenticationFailed"
        | "ExpiredToken"
        | "InvalidToken" => StoreFailure::AccessDenied,
        _ => StoreFailure::Other,
    }
}

/// One line for an object-store error met while `doing` something to the store: what went
/// wrong and the likely fix. The store's own text (often a multi-line HTTP body) is reduced
/// to its error code.
pub fn explain(error: &object_store::Error, doing: StoreOperation) -> String {
    let text = error.to_string();
    let detail = service_code(&text)
        .map(|code| format!(" ({code})"))
        .unwrap_or_default();
    match (classify(error), doing) {
        (StoreFailure::NotFound, StoreOperation::List | StoreOperation::Write) => format!(
            "the bucket or container does not exist{detail}: check its name, and the account, region or endpoint"
        ),
        (StoreFailure::NotFound, StoreOperation::Read) => format!(
            "the object is not there (any more){detail}: it may have been deleted or moved after it was listed"
        ),
        (StoreFailure::AccessDenied, _) => format!(
            "access denied{detail}: the credentials were refused or are missing; check AWS_ACCESS_KEY_ID/AWS_PROFILE, AZURE_STORAGE_*, GOOGLE_APPLICATION_CREDENTIALS or --storage-option"
        ),
        (StoreFailure::Unreachable, _) => "cannot reach the storage endpoint (retried, then gave up): check the endpoint URL, the network, and that the service is up".to_string(),
        (StoreFailure::Other, _) => text.lines().next().unwrap_or_default().chars().take(300).collect(),
    }
}

/// What readiness was doing with a store when it failed (a missing bucket fails a listing;
/// a missing object fails a read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOperation {
    List,
    Read,
    Write,
}

/// The first object-store error in `error`'s cause chain, explained; `None` when the error did
/// not come from a store.
pub fn explain_chain(
    error: &(dyn std::error::Error + 'static),
    doing: StoreOperation,
) -> Option<String> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(store) = error.downcast_ref::<object_store::Error>() {
            return Some(explain(store, doing));
        }
        current = error.source();
    }
    None
}

/// `scheme://host[:port]` of a URL, without credentials: which store it lives in.
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The URL as it may be shown: no user, password or query string (SAS tokens live there).
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// A source as it may be shown anywhere (JSON, reports, terminal, errors, history,
/// OpenLineage): a URL loses its user, password, query and fragment; a path is kept.
pub fn shown_source(source: &str) -> String {
    match Url::parse(source) {
        Ok(url) if source.contains("://") => redact_url(&url),
        _ => source.to_string(),
    }
}

/// Names of environment variables and option keys whose values are secrets: every
/// object_store secret key (AWS secret and session token, SSE customer keys, Azure account,
/// access and master keys, SAS, client secrets, GCS service-account keys) and the usual names.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "secret",
        "password",
        "passwd",
        "token",
        "sas",
        "key",
        "credential",
        "signature",
    ]
    .iter()
    .any(|marker| name.contains(marker))
}

/// Names of settings whose value is a URL that may carry `user:password@`.
fn is_url_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["endpoint", "proxy", "url"]
        .iter()
        .any(|marker| name.contains(marker))
}

/// Values that a secret-named setting may hold without being a secret (`*_TOKEN=true`):
/// redacting them would blank the same word in every message.
fn is_harmless(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "none", "null", "on", "off", "enabled", "disabled",
        "required", "optional", "default", "auto",
    ];
    let value = value.trim();
    value.chars().count() < 4
        || WORDS.contains(&value.to_ascii_lowercase().as_str())
        || (value.len() <= 6 && value.chars().all(|c| c.is_ascii_digit()))
}

/// Secrets learnt while running (credentials resolved from AWS profile files, SSO, assumed
/// roles or instance metadata), redacted like configured ones.
static RESOLVED_SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remembers a secret resolved at run time, so [`redact`] removes it from every message.
pub fn remember_secret(value: &str) {
    if is_harmless(value) {
        return;
    }
    let mut known = RESOLVED_SECRETS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !known.iter().any(|secret| secret == value) {
        known.push(value.to_string());
    }
}

/// The secret parts of one setting: the value of a secret-named one, and the password (with
/// its `user:password` pair) inside a URL-valued one.
fn secrets_of(key: &str, value: &str) -> Vec<String> {
    let mut found = Vec::new();
    if is_secret_name(key) {
        found.push(value.to_string());
    }
    if is_url_name(key)
        && let Ok(url) = Url::parse(value)
        && let Some(password) = url.password()
    {
        found.push(format!("{}:{password}", url.username()));
        found.push(password.to_string());
    }
    found
}

/// Replaces every known secret value (from `--storage-option`, the environment and
/// credentials resolved while running) in `text`. Environment variables that are not UTF-8
/// are skipped (they cannot appear in a message either).
pub fn redact(text: &str, options: &StorageOptions) -> String {
    let from_environment = std::env::vars_os()
        .filter_map(|(key, value)| Some(secrets_of(key.to_str()?, value.to_str()?)));
    let resolved = RESOLVED_SECRETS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut secrets: Vec<String> = options
        .iter()
        .map(|(key, value)| secrets_of(key, value))
        .chain(from_environment)
        .flatten()
        .chain(resolved)
        .filter(|value| !is_harmless(value))
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let text = secrets.iter().fold(text.to_string(), |text, secret| {
        text.replace(secret.as_str(), "REDACTED")
    });
    // Any URL in the text loses its user, password and query (signatures, SAS tokens).
    URL_IN_TEXT
        .replace_all(&text, |found: &regex::Captures| {
            let url = &found[0];
            match Url::parse(url) {
                Ok(parsed)
                    if parsed.query().is_some()
                        || parsed.password().is_some()
                        || !parsed.username().is_empty() =>
                {
                    redact_url(&parsed)
                }
                _ => url.to_string(),
            }
        })
        .into_owned()
}

/// A URL inside a message.
static URL_IN_TEXT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>`]+"#).expect("static regex")
});

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn credentials_never_show() {
        let url = Url::parse("https://user:hunter2@host/data.csv?sig=abc123&se=2030").unwrap();
        assert_eq!(redact_url(&url), "https://host/data.csv");
        assert_eq!(
            redact(
                "cannot read `https://acct.blob.core.windows.net/c/x.csv?sv=2024&sig=abc%2F1`: 403",
                &[]
            ),
            "cannot read `https://acct.blob.core.windows.net/c/x.csv`: 403"
        );
        let options = [(
            "aws_secret_access_key".to_string(),
            "wJalrXUtnFEMI".to_string(),
        )];
        assert_eq!(
            redact("denied for wJalrXUtnFEMI", &options),
            "denied for REDACTED"
        );
        assert!(is_secret_name("AWS_SESSION_TOKEN") && !is_secret_name("AWS_REGION"));
    }

    #[test]
    fn every_secret_source_is_redacted_and_harmless_values_are_not() {
        let options: Vec<(String, String)> = [
            ("azure_storage_master_key", "bWFzdGVyLWtleS1zZWNyZXQ="),
            ("aws_sse_customer_key_base64", "c3NlLWN1c3RvbWVyLWtleQ=="),
            (
                "aws_endpoint",
                "http://minio:Pr0xyPassw0rd@minio.local:9000",
            ),
            ("aws_skip_signature", "true"),
            ("aws_region", "eu-west-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        remember_secret("ResolvedFromSsoProfile/abc+123");
        // A harmless value of a secret-named variable, and one that is not UTF-8 at all.
        // SAFETY: these names are used by this test only; no other thread reads them.
        unsafe {
            std::env::set_var("READINESS_TEST_TOKEN", "true");
            std::env::set_var(
                "READINESS_TEST_NOT_UTF8_KEY",
                <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xff\xfe"),
            );
        }
        let text = "master bWFzdGVyLWtleS1zZWNyZXQ= sse c3NlLWN1c3RvbWVyLWtleQ== via \
                    http://minio:Pr0xyPassw0rd@minio.local:9000 with ResolvedFromSsoProfile/abc+123: \
                    skip_signature=true in eu-west-1";
        assert_eq!(
            redact(text, &options),
            "master REDACTED sse REDACTED via http://minio.local:9000/ with REDACTED: \
             skip_signature=true in eu-west-1"
        );
    }

    #[test]
    fn unknown_options_and_schemes_are_usage_errors() {
        let url = Url::parse("s3://bucket/x").unwrap();
        let error = block_on(build(&url, &[("no_such_key".into(), "1".into())])).unwrap_err();
        assert!(error.to_string().contains("`no_such_key`"), "{error}");
        let error = block_on(build(&Url::parse("ftp://host/x").unwrap(), &[])).unwrap_err();
        assert!(error.to_string().contains("unsupported scheme"), "{error}");
    }

    #[test]
    fn store_errors_are_classified_by_variant_then_by_service_code() {
        let source = || Box::<dyn std::error::Error + Send + Sync>::from("details");
        let not_found = object_store::Error::NotFound {
            path: "p".into(),
            source: source(),
        };
        assert_eq!(classify(&not_found), StoreFailure::NotFound);
        assert!(explain(&not_found, StoreOperation::Read).starts_with("the object is not there"));
        assert!(explain(&not_found, StoreOperation::List).starts_with("the bucket or container"));
        for denied in [
            object_store::Error::PermissionDenied {
                path: "p".into(),
                source: source(),
            },
            object_store::Error::Unauthenticated {
                path: "p".into(),
                source: source(),
            },
        ] {
            assert_eq!(classify(&denied), StoreFailure::AccessDenied);
        }
        let listing = object_store::Error::Generic {
            store: "S3",
            source: "list failed: <Error><Code>NoSuchBucket</Code></Error>".into(),
        };
        assert_eq!(classify(&listing), StoreFailure::NotFound);
        assert!(explain(&listing, StoreOperation::List).contains("(NoSuchBucket)"));
        // Words in a message classify nothing: only variants and service codes do.
        let worded = object_store::Error::Generic {
            store: "S3",
            source: "403 Forbidden, access denied".into(),
        };
        assert_eq!(classify(&worded), StoreFailure::Other);
    }
}
