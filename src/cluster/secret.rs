//! The cluster's shared secret, and the three proofs derived from it: the client's bearer
//! token (sent to the scheduler with every request), an executor's id (which proves to the
//! scheduler that the executor holds the secret) and a view's signature (which proves to the
//! scheduler and the executors that a holder of the secret made the view a pass reads with).
//!
//! Invariant: the secret itself never leaves this module. It is never sent, logged, put in a
//! plan, a setting or an error: only HMAC-SHA256 tags of fixed labels travel, so a tag seen on
//! the wire or in a log does not give the secret away, and each tag proves one thing only (a
//! bearer token cannot sign a view). `Debug` and `Display` print a mask.

use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{ReadinessError, Result};

/// The environment variable holding the secret itself (for the client, or a node started by a
/// supervisor that injects secrets as variables).
pub const TOKEN_VARIABLE: &str = "READINESS_CLUSTER_TOKEN";
/// The environment variable naming a file that holds the secret (a mounted secret).
pub const TOKEN_FILE_VARIABLE: &str = "READINESS_CLUSTER_TOKEN_FILE";
/// The gRPC metadata key of the client's bearer token.
pub const AUTHORIZATION: &str = "authorization";
/// Secrets shorter than this are refused: a guessable secret protects nothing.
const MIN_LENGTH: usize = 16;

type Tag = Hmac<Sha256>;

/// What a tag proves: each kind is a distinct label, so one tag never passes as another.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    Client,
    Executor,
    View,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Client => b"readiness cluster client\0",
            Purpose::Executor => b"readiness cluster executor\0",
            Purpose::View => b"readiness cluster view\0",
        }
    }
}

/// The shared secret of one cluster.
#[derive(Clone)]
pub struct ClusterSecret {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClusterSecret(***)")
    }
}

impl std::fmt::Display for ClusterSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl ClusterSecret {
    /// A secret from its text (surrounding whitespace, a file's trailing newline, ignored).
    pub fn new(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.chars().count() < MIN_LENGTH {
            return Err(ReadinessError::InvalidArgument {
                flag: "--token-file",
                message: format!(
                    "the cluster secret is shorter than {MIN_LENGTH} characters (e.g. \
                     `openssl rand -hex 32 > cluster.token`)"
                ),
            });
        }
        Ok(Self {
            bytes: text.as_bytes().to_vec(),
        })
    }

    /// The secret in `path`. The error names the file, never what it holds.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|error| ReadinessError::InvalidArgument {
                flag: "--token-file",
                message: format!("cannot read {}: {}", path.display(), error.kind()),
            })?;
        Self::new(&text)
    }

    /// The secret a node or client is given: `file` (a flag), else the file named by
    /// `READINESS_CLUSTER_TOKEN_FILE`, else `READINESS_CLUSTER_TOKEN`; `None` when there is
    /// none.
    pub fn resolve(file: Option<&PathBuf>) -> Result<Option<Self>> {
        if let Some(path) = file {
            return Self::from_file(path).map(Some);
        }
        if let Some(path) = std::env::var_os(TOKEN_FILE_VARIABLE).filter(|path| !path.is_empty()) {
            return Self::from_file(Path::new(&path)).map(Some);
        }
        match std::env::var(TOKEN_VARIABLE) {
            Ok(text) if !text.is_empty() => Self::new(&text).map(Some),
            _ => Ok(None),
        }
    }

    fn tag(&self, purpose: Purpose, message: &[u8]) -> Tag {
        let mut tag = Tag::new_from_slice(&self.bytes).expect("HMAC takes a key of any length");
        tag.update(purpose.label());
        tag.update(message);
        tag
    }

    fn hex_tag(&self, purpose: Purpose, message: &[u8]) -> String {
        hex(&self.tag(purpose, message).finalize().into_bytes())
    }

    /// Whether `presented` (hex) is the tag of `message` for `purpose`, compared in constant
    /// time.
    fn verify(&self, purpose: Purpose, message: &[u8], presented: &str) -> bool {
        match unhex(presented) {
            Some(bytes) => self.tag(purpose, message).verify_slice(&bytes).is_ok(),
            None => false,
        }
    }

    /// The value of the client's `authorization` metadata.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.hex_tag(Purpose::Client, b""))
    }

    /// Whether an `authorization` metadata value is this cluster's bearer token.
    pub fn verify_bearer(&self, value: &str) -> bool {
        value
            .strip_prefix("Bearer ")
            .is_some_and(|tag| self.verify(Purpose::Client, b"", tag))
    }

    /// An executor id that proves its holder knows the secret: `NAME.TAG`.
    pub fn executor_id(&self, name: &str) -> String {
        format!(
            "{name}.{}",
            self.hex_tag(Purpose::Executor, name.as_bytes())
        )
    }

    /// Whether `id` was made by [`Self::executor_id`] with this secret.
    pub fn verify_executor_id(&self, id: &str) -> bool {
        id.rsplit_once('.')
            .is_some_and(|(name, tag)| self.verify(Purpose::Executor, name.as_bytes(), tag))
    }

    /// The signature of a view's text.
    pub fn sign_view(&self, view: &str) -> String {
        self.hex_tag(Purpose::View, view.as_bytes())
    }

    /// Whether `signature` is this cluster's signature of `view`.
    pub fn verify_view(&self, view: &str, signature: &str) -> bool {
        self.verify(Purpose::View, view.as_bytes(), signature)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    #[test]
    fn each_tag_proves_one_thing_for_one_secret() {
        let secret = ClusterSecret::new(SECRET).unwrap();
        let other = ClusterSecret::new("another secret of the same kind").unwrap();

        let bearer = secret.bearer();
        assert!(secret.verify_bearer(&bearer));
        assert!(!other.verify_bearer(&bearer));
        assert!(!secret.verify_bearer(&bearer.replace("Bearer ", "")));
        assert!(!secret.verify_bearer(&format!("Bearer {SECRET}")));

        let id = secret.executor_id("5f0c");
        assert!(secret.verify_executor_id(&id));
        assert!(!other.verify_executor_id(&id));
        assert!(!secret.verify_executor_id("5f0c"));
        assert!(!secret.verify_executor_id(&id.replace("5f0c", "5f0d")));

        let view = r#"{"stores":{}}"#;
        let signature = secret.sign_view(view);
        assert!(secret.verify_view(view, &signature));
        assert!(!secret.verify_view(r#"{"stores":{"file://":{}}}"#, &signature));
        assert!(!other.verify_view(view, &signature));
        // A bearer token is not a view's signature, nor an executor's tag.
        let bearer_tag = bearer.strip_prefix("Bearer ").unwrap();
        assert!(!secret.verify_view("", bearer_tag));
        assert!(!secret.verify_executor_id(&format!(".{bearer_tag}")));
    }

    #[test]
    fn the_secret_never_prints_and_a_short_one_is_refused() {
        let secret = ClusterSecret::new(&format!("  {SECRET}\n")).unwrap();
        assert_eq!(format!("{secret} {secret:?}"), "*** ClusterSecret(***)");
        for tag in [
            secret.bearer(),
            secret.executor_id("x"),
            secret.sign_view("{}"),
        ] {
            assert!(!tag.contains(SECRET), "{tag}");
        }
        let error = ClusterSecret::new("short").unwrap_err().to_string();
        assert!(error.contains("shorter than 16 characters"), "{error}");
        assert!(!error.contains("short\""), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.token");
        std::fs::write(&path, format!("{SECRET}\n")).unwrap();
        let from_file = ClusterSecret::from_file(&path).unwrap();
        assert!(from_file.verify_bearer(&secret.bearer()));
        let missing = ClusterSecret::from_file(&dir.path().join("absent"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("absent"), "{missing}");
    }
}
