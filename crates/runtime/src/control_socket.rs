//! The local control channel: the process that runs a data folder's bots (`polyagent run` or
//! the desktop app) answers typed requests from other processes of the same user, so
//! `polyagent killswitch on` reaches it instead of being refused by the folder's lock.
//!
//! Invariants:
//! - Unix only: a Unix domain socket, [`SOCKET_FILE`] in the data folder, mode 0600, served
//!   only while the runtime that holds the folder's lock lives (it is removed on drop). A peer
//!   whose user id is not the socket's owner is refused before anything is read. On other
//!   systems nothing is served and a client is refused with a sentence;
//! - one request per connection, one line of JSON each way, at most [`MAX_REQUEST_BYTES`];
//!   every message carries [`PROTOCOL_VERSION`], and a message of another version is refused
//!   (never guessed at). Requests and answers are enums: adding one is a new variant.
//!   For example `{"version":1,"message":{"kind":"tripKillswitch","reason":"drill"}}` is
//!   answered `{"version":1,"message":{"kind":"tripped","report":{…}}}`, and anything refused
//!   `{"version":1,"message":{"kind":"refused","error":{"code":…,"message":…}}}`;
//! - the channel is deliberately tiny (the killswitch and a status read): issue #20 "One runtime, many
//!   windows" generalises it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};
use crate::killswitch::TripReport;

/// The socket's file name inside the data folder.
pub const SOCKET_FILE: &str = "polyagent.sock";
/// The version every message carries.
pub const PROTOCOL_VERSION: u32 = 1;
/// The longest request line read.
pub const MAX_REQUEST_BYTES: u64 = 16 * 1024;
/// How long a client waits for its answer: a trip's sweep deadline, and time to stop bots.
#[cfg(unix)]
const ANSWER_WAIT: std::time::Duration =
    std::time::Duration::from_secs(crate::killswitch::SWEEP_DEADLINE.as_secs() + 40);

/// What a client asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ControlRequest {
    /// Trip the killswitch of the running instance (see [`crate::Runtime::trip_killswitch_report`]).
    TripKillswitch { reason: String },
    /// The folder's state as `polyagent status` shows it.
    Status,
}

/// What the running instance answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ControlResponse {
    Tripped { report: TripReport },
    Status { status: FolderStatus },
    Refused { error: ApiError },
}

/// What `polyagent status` shows: whether bots may trade (the killswitch and the safety
/// faults), the vault, and the bots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderStatus {
    pub killswitch: crate::KillswitchState,
    pub vault: crate::VaultStatus,
    pub bots: u32,
    pub running: u32,
}

impl crate::Runtime {
    /// The folder's state (see [`FolderStatus`]).
    pub fn folder_status(&self) -> FolderStatus {
        let bots = self.list_bots();
        let running = bots.iter().filter(|b| b.status == "running").count();
        FolderStatus {
            killswitch: self.killswitch_state(),
            vault: self.vault_status(),
            bots: u32::try_from(bots.len()).unwrap_or(u32::MAX),
            running: u32::try_from(running).unwrap_or(u32::MAX),
        }
    }
}

/// One message on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope<T> {
    pub version: u32,
    pub message: T,
}

/// Sends `request` to the instance running `data_dir` and waits for its answer.
///
/// # Errors
/// `CONFLICT` when no instance answers on the folder's socket, or on systems without Unix
/// sockets; `INTERNAL` for an answer that cannot be read or of another version.
pub async fn send(data_dir: &Path, request: ControlRequest) -> Result<ControlResponse, ApiError> {
    #[cfg(unix)]
    {
        unix::send(data_dir, request).await
    }
    #[cfg(not(unix))]
    {
        let _ = (data_dir, request);
        Err(ApiError::new(
            ErrorCode::Conflict,
            "on this system the command line cannot reach a running PolyAgent: use the \
             killswitch in the app's window, or stop the app first",
        ))
    }
}

/// The served socket: the accepting task, stopped and the file removed when dropped.
#[derive(Debug)]
#[cfg_attr(
    not(unix),
    expect(
        dead_code,
        reason = "served on Unix only; elsewhere the slot stays empty"
    )
)]
pub(crate) struct Served {
    task: tokio::task::JoinHandle<()>,
    path: std::path::PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Starts serving the runtime's data folder (Unix only; `None` elsewhere or when the socket
/// cannot be made, which is logged: the killswitch in the window still works).
pub(crate) fn serve(runtime: &crate::Runtime) -> Option<Served> {
    #[cfg(unix)]
    {
        match unix::serve(runtime) {
            Ok(served) => Some(served),
            Err(error) => {
                tracing::error!(%error, "the control socket could not be served");
                None
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = runtime;
        None
    }
}

#[cfg(unix)]
fn unreadable(what: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("the running PolyAgent's answer could not be read: {what}"),
    )
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::sync::{Arc, Weak};

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{UnixListener, UnixStream};

    use super::{
        ANSWER_WAIT, ApiError, ControlRequest, ControlResponse, Envelope, ErrorCode,
        MAX_REQUEST_BYTES, PROTOCOL_VERSION, SOCKET_FILE, Served, unreadable,
    };
    use crate::{Inner, Runtime};

    pub(super) fn serve(runtime: &Runtime) -> std::io::Result<Served> {
        let path = runtime.data_dir().join(SOCKET_FILE);
        // This process holds the folder's lock: a socket file left here is a crashed run's.
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let owner = std::fs::metadata(&path)?.uid();
        let weak = Arc::downgrade(&runtime.inner);
        let task = tokio::spawn(accept(listener, weak, owner));
        Ok(Served { task, path })
    }

    async fn accept(listener: UnixListener, runtime: Weak<Inner>, owner: u32) {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of descriptors, say: pause rather than spin on the error.
                    tracing::warn!(%error, "the control socket could not accept");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            };
            // Another user's process learns nothing, not even the version.
            if stream.peer_cred().map(|c| c.uid()).ok() != Some(owner) {
                tracing::warn!("a control connection from another user was refused");
                continue;
            }
            let runtime = runtime.clone();
            tokio::spawn(async move {
                if let Err(error) = answer(stream, runtime).await {
                    tracing::warn!(%error, "a control connection failed");
                }
            });
        }
    }

    async fn answer(stream: UnixStream, runtime: Weak<Inner>) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        let mut limited = BufReader::new(read.take(MAX_REQUEST_BYTES));
        // A client that says nothing holds only its own connection: bounded anyway.
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            limited.read_line(&mut line),
        )
        .await;
        let response = match read {
            // Connected and gone without a word.
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(_)) => match serde_json::from_str::<Envelope<ControlRequest>>(line.trim()) {
                Ok(request) if request.version == PROTOCOL_VERSION => match runtime.upgrade() {
                    Some(inner) => handle(Runtime { inner }, request.message).await,
                    None => refused(ErrorCode::Conflict, "PolyAgent is stopping"),
                },
                Ok(request) => refused(
                    ErrorCode::InvalidInput,
                    format!(
                        "control protocol version {} is not served (this PolyAgent speaks {PROTOCOL_VERSION})",
                        request.version
                    ),
                ),
                Err(error) => refused(
                    ErrorCode::InvalidInput,
                    format!("not a control request: {error}"),
                ),
            },
            Ok(Err(error)) => return Err(error),
            Err(_) => refused(ErrorCode::InvalidInput, "no request within 10 s"),
        };
        let mut text = serde_json::to_string(&Envelope {
            version: PROTOCOL_VERSION,
            message: response,
        })
        .map_err(std::io::Error::other)?;
        text.push('\n');
        write.write_all(text.as_bytes()).await?;
        write.shutdown().await
    }

    fn refused(code: ErrorCode, message: impl Into<String>) -> ControlResponse {
        ControlResponse::Refused {
            error: ApiError::new(code, message),
        }
    }

    async fn handle(runtime: Runtime, request: ControlRequest) -> ControlResponse {
        match request {
            ControlRequest::TripKillswitch { reason } => {
                match runtime.trip_killswitch_report(&reason).await {
                    Ok(report) => ControlResponse::Tripped { report },
                    Err(error) => ControlResponse::Refused { error },
                }
            }
            ControlRequest::Status => ControlResponse::Status {
                status: runtime.folder_status(),
            },
        }
    }

    pub(super) async fn send(
        data_dir: &std::path::Path,
        request: ControlRequest,
    ) -> Result<ControlResponse, ApiError> {
        let path = data_dir.join(SOCKET_FILE);
        let stream = UnixStream::connect(&path).await.map_err(|e| {
            ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "another PolyAgent holds {} but does not answer on {} ({e}): stop it \
                     first, or use the killswitch in its window",
                    data_dir.display(),
                    SOCKET_FILE
                ),
            )
        })?;
        let (read, mut write) = stream.into_split();
        let mut text = serde_json::to_string(&Envelope {
            version: PROTOCOL_VERSION,
            message: request,
        })
        .map_err(unreadable)?;
        text.push('\n');
        write.write_all(text.as_bytes()).await.map_err(unreadable)?;
        let mut line = String::new();
        let mut answer = BufReader::new(read.take(4 * 1024 * 1024));
        // A trip waits up to the sweep's deadline, then stops the bots.
        tokio::time::timeout(ANSWER_WAIT, answer.read_line(&mut line))
            .await
            .map_err(|_| unreadable("no answer in time"))?
            .map_err(unreadable)?;
        let answer: Envelope<ControlResponse> =
            serde_json::from_str(line.trim()).map_err(unreadable)?;
        if answer.version != PROTOCOL_VERSION {
            return Err(unreadable(format!(
                "it speaks control protocol version {}, this command {PROTOCOL_VERSION}",
                answer.version
            )));
        }
        Ok(answer.message)
    }
}
