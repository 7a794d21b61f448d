//! One subscriptions socket (`/graphql/ws`, graphql-transport-ws or the older
//! subscriptions-transport-ws): authenticated in `connection_init` like a request, given
//! a bounded time to do so, and closed when its user token expires. async-graphql runs
//! the protocol; this loop owns the socket so it can close it on those deadlines.

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

/// What the upgrade request carried: `Authorization` and the workspace header.
pub(crate) type UpgradeHeaders = (Option<String>, Option<String>);

pub(crate) async fn serve(
    socket: WebSocketStream,
    schema: TributarySchema,
    protocol: GraphQLProtocol,
    authenticator: Authenticator,
    (header_authorization, header_workspace): UpgradeHeaders,
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
                    // (1002); the protocol's code for it is 4403.
                    let code = if refused.load(Ordering::SeqCst) { CLOSE_FORBIDDEN } else { code };
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
