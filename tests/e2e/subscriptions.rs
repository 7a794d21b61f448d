//! Subscriptions over graphql-transport-ws, authenticated in connection_init.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use tributary_tests::{Backend, TestApp};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The server's side of a socket, as the test reads it.
pub(crate) type Stream = SplitStream<Socket>;

pub(crate) async fn connect(
    addr: std::net::SocketAddr,
    key: &str,
) -> (SplitSink<Socket, Message>, SplitStream<Socket>) {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket upgrade");
    let (mut sink, stream) = socket.split();
    sink.send(Message::text(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {key}") } }).to_string())).await.unwrap();
    (sink, stream)
}

pub(crate) async fn next_json(stream: &mut SplitStream<Socket>) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .expect("a message within 10 s")?;
        match message.ok()? {
            Message::Text(text) => return Some(serde_json::from_str(&text).unwrap()),
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn integration_events_stream_to_subscribers() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let (mut sink, mut stream) = connect(app.api.addr, "test-api-key").await;
    assert_eq!(
        next_json(&mut stream).await.unwrap()["type"],
        "connection_ack"
    );
    sink.send(Message::text(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { integrationEvents { integrationId kind } }" } }).to_string())).await.unwrap();
    // The subscription is registered once the server has processed the subscribe message;
    // a ping round trip proves that.
    sink.send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut stream).await.unwrap()["type"], "pong");

    let id = app.create_integration("owner").await;
    let event = next_json(&mut stream).await.unwrap();
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["integrationEvents"],
        json!({ "integrationId": id, "kind": "CREATED" })
    );
    app.finish().await;
}

#[tokio::test]
async fn subscriptions_refuse_a_wrong_key() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let (_sink, mut stream) = connect(app.api.addr, "wrong").await;
    match next_json(&mut stream).await {
        None => {}
        Some(message) => assert_ne!(message["type"], "connection_ack", "{message}"),
    }
    app.finish().await;
}

/// One subscription a screen holds open: connected, acknowledged and registered before
/// `open` returns, so nothing the test does afterwards is missed.
pub(crate) struct Subscription {
    _sink: SplitSink<Socket, Message>,
    stream: SplitStream<Socket>,
    field: String,
}

impl Subscription {
    /// Subscribes, as the holder of `credential` (a user token or the server key), to
    /// the operation `name` of `document` (its root field is what
    /// [`until`](Self::until) answers).
    pub(crate) async fn open_as(
        app: &TestApp,
        credential: &str,
        document: &str,
        name: &str,
        variables: Value,
    ) -> Self {
        let (mut sink, mut stream) = connect(app.api.addr, credential).await;
        assert_eq!(
            next_json(&mut stream).await.unwrap()["type"],
            "connection_ack"
        );
        sink.send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": document, "operationName": name, "variables": variables } })
                .to_string(),
        ))
        .await
        .unwrap();
        sink.send(Message::text(json!({ "type": "ping" }).to_string()))
            .await
            .unwrap();
        assert_eq!(next_json(&mut stream).await.unwrap()["type"], "pong");
        // The operation's one root field, e.g. `importProgress`.
        let selection = &document[document.find(&format!("subscription {name}")).unwrap()..];
        let body = &selection[selection.find('{').unwrap() + 1..];
        let field = body
            .trim_start()
            .split(['(', ' ', '{'])
            .next()
            .unwrap()
            .to_string();
        Subscription {
            _sink: sink,
            stream,
            field,
        }
    }

    /// Reads events until one satisfies `wanted` (within 60 s) and answers it.
    pub(crate) async fn until(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("the awaited event within 60 s")
                .expect("the socket stays open")
                .unwrap();
            let Message::Text(text) = message else {
                continue;
            };
            let message: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(message["type"], "next", "{message}");
            assert!(message["payload"].get("errors").is_none(), "{message}");
            let event = message["payload"]["data"][&self.field].clone();
            if wanted(&event) {
                return event;
            }
        }
    }
}
