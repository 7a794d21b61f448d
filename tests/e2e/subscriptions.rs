//! Subscriptions over graphql-transport-ws, authenticated in connection_init.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use tributary_tests::{Backend, TestApp};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

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
