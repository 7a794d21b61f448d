//! One subscriptions socket (`/graphql/ws`, graphql-transport-ws or the older
//! subscriptions-transport-ws): authenticated in `connection_init` like a request, given
//! a bounded time to do so, and closed when its user token expires. Messages are at
//! most 64 KiB, before authentication too, and a caller holds at most 16 sockets.
//! async-graphql runs the protocol; this loop owns the socket so it can close it on
//! those deadlines.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

use async_graphql::http::WsMessage;
use async_graphql_poem::GraphQLProtocol;
use chrono::{DateTime, Utc};
use futures_util::{SinkExt, StreamExt, future};
use poem::web::websocket::{Message, WebSocketStream};
use tokio::sync::watch;

use crate::auth::authenticate::Authenticator;
use crate::graphql::TributarySchema;

/// How long a socket may stay open without a `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// graphql-transport-ws: the server refuses the connection (credential refused or
/// expired).
const CLOSE_FORBIDDEN: u16 = 4403;
/// graphql-transport-ws: no `connection_init` in time.
const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// A WebSocket close reason holds at most 123 bytes.
const MAX_CLOSE_REASON: usize = 123;
/// The largest message a socket reads, before or after authentication: a
/// subscription's document and variables are small.
pub(crate) const MAX_MESSAGE_BYTES: usize = 64 << 10;
/// Sockets one caller (a token's workspace and subject, or the server key) may hold open.
pub(crate) const MAX_SOCKETS_PER_CALLER: usize = 16;
/// graphql-transport-ws has no code for it; 4429 as async-graphql uses for too many
/// initialisations.
const CLOSE_TOO_MANY: u16 = 4429;

/// The open sockets of each caller, so one cannot hold the server's connections.
#[derive(Clone, Default)]
pub(crate) struct OpenSockets(Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>);

/// One caller's open socket; dropping it frees the place.
pub(crate) struct SocketPlace {
    sockets: OpenSockets,
    caller: String,
}

impl OpenSockets {
    /// A place for `caller`'s socket, unless it holds [`MAX_SOCKETS_PER_CALLER`].
    fn take(&self, caller: String) -> Option<SocketPlace> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(caller.clone()).or_default();
        if *count >= MAX_SOCKETS_PER_CALLER {
            return None;
        }
        *count += 1;
        Some(SocketPlace {
            sockets: self.clone(),
            caller,
        })
    }
}

impl Drop for SocketPlace {
    fn drop(&mut self) {
        let mut open = self.sockets.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.caller) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.caller);
            }
        }
    }
}

/// Whose sockets count together.
fn caller_key(caller: &crate::auth::Caller) -> String {
    match caller {
        crate::auth::Caller::User(holder) => format!(
            "user:{}:{}",
            holder.workspace,
            holder.subject.as_deref().unwrap_or_default()
        ),
        crate::auth::Caller::ServerKey { .. } => "server-key".into(),
    }
}

/// What the upgrade request carried: `Authorization` and the workspace header.
pub(crate) type UpgradeHeaders = (Option<String>, Option<String>);

pub(crate) async fn serve(
    socket: WebSocketStream,
    schema: TributarySchema,
    protocol: GraphQLProtocol,
    authenticator: Authenticator,
    (header_authorization, header_workspace): UpgradeHeaders,
    sockets: OpenSockets,
) {
    let (mut sink, stream) = socket.split();
    let incoming = stream
        .take_while(|message| future::ready(message.is_ok()))
        .map(Result::unwrap)
        .filter(|message| future::ready(message.is_text() || message.is_binary()))
        .map(Message::into_bytes);
    // Set once `connection_init` is accepted: when the credential stops being valid
    // (never, for the server key).
    let (accepted, mut accepted_rx) = watch::channel::<Option<Option<DateTime<Utc>>>>(None);
    let refused = Arc::new(AtomicBool::new(false));
    let refused_in_init = refused.clone();
    // The caller's place, held for as long as this function serves the socket.
    let place: Arc<std::sync::Mutex<Option<SocketPlace>>> = Arc::default();
    let place_in_init = place.clone();
    let outgoing = async_graphql::http::WebSocket::new(schema, incoming, protocol.0)
        .on_connection_init(move |payload| async move {
            // The payload's credential wins over the upgrade's headers.
            let field = |name: &str| {
                payload
                    .as_object()
                    .and_then(|object| {
                        object
                            .iter()
                            .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    })
                    .and_then(|(_, value)| value.as_str())
                    .map(str::to_string)
            };
            let authorization = field("Authorization").or(header_authorization);
            let workspace = field(crate::auth::authenticate::WORKSPACE_HEADER).or(header_workspace);
            match authenticator
                .authenticate(authorization.as_deref(), workspace.as_deref())
                .await
            {
                Ok(caller) => {
                    let Some(taken) = sockets.take(caller_key(&caller)) else {
                        refused_in_init.store(true, Ordering::SeqCst);
                        return Err(async_graphql::Error::new(close_reason(
                            "TOO_MANY_SOCKETS",
                            &format!(
                                "at most {MAX_SOCKETS_PER_CALLER} subscription sockets per caller"
                            ),
                        )));
                    };
                    *place_in_init.lock().unwrap_or_else(|p| p.into_inner()) = Some(taken);
                    accepted.send_replace(Some(caller.expires_at()));
                    let mut data = async_graphql::Data::default();
                    data.insert(caller);
                    Ok(data)
                }
                Err(refusal) => {
                    refused_in_init.store(true, Ordering::SeqCst);
                    Err(async_graphql::Error::new(close_reason(
                        refusal.code(),
                        &refusal.message(),
                    )))
                }
            }
        });
    futures_util::pin_mut!(outgoing);
    let opened = tokio::time::Instant::now();
    loop {
        let state = *accepted_rx.borrow_and_update();
        let deadline = match state {
            None => Some(opened + INIT_TIMEOUT),
            Some(Some(expires_at)) => {
                let left = (expires_at - Utc::now()).to_std().unwrap_or_default();
                Some(tokio::time::Instant::now() + left)
            }
            Some(None) => None,
        };
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => future::pending().await,
            }
        };
        tokio::select! {
            message = outgoing.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    // async-graphql closes a refused connection_init as a protocol error
                    // (1002); the protocol's code for it is 4403 (4429 for too many).
                    let code = match refused.load(Ordering::SeqCst) {
                        true if reason.starts_with("TOO_MANY_SOCKETS") => CLOSE_TOO_MANY,
                        true => CLOSE_FORBIDDEN,
                        false => code,
                    };
                    let _ = sink.send(Message::close_with(code, reason)).await;
                    return;
                }
                None => return,
            },
            _ = accepted_rx.changed() => {}
            _ = sleep => {
                let (code, reason) = match state {
                    None => (CLOSE_INIT_TIMEOUT, close_reason("INIT_TIMEOUT", "no connection_init in time")),
                    Some(_) => (CLOSE_FORBIDDEN, close_reason("TOKEN_EXPIRED", "the token expired; reconnect with a fresh one")),
                };
                let _ = sink.send(Message::close_with(code, reason)).await;
                return;
            }
        }
    }
}

/// `CODE: message`, cut to what a close frame holds.
fn close_reason(code: &str, message: &str) -> String {
    let mut reason = format!("{code}: {message}");
    if reason.len() > MAX_CLOSE_REASON {
        let mut end = MAX_CLOSE_REASON;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}
