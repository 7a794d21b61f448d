//! A TCP proxy between the app and its database that breaks the connection on command
//! (issue 16, item 12), after crates.io's `chaosproxy`: [`ChaosProxy::break_networking`]
//! cuts every open connection and refuses new ones until
//! [`ChaosProxy::restore_networking`]; [`ChaosProxy::delay`] holds every chunk in
//! either direction for a while, as a slow network does.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::{broadcast, watch},
};

pub struct ChaosProxy {
    address: SocketAddr,
    backend: SocketAddr,
    /// Fired to cut every open connection.
    cut: broadcast::Sender<()>,
    /// Whether new connections are taken.
    up: watch::Sender<bool>,
    delay: Arc<Mutex<Duration>>,
    task: tokio::task::JoinHandle<()>,
}

impl ChaosProxy {
    /// A proxy in front of `backend`, listening on a free port of 127.0.0.1.
    pub async fn start(backend: SocketAddr) -> std::io::Result<Arc<ChaosProxy>> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (cut, _) = broadcast::channel(16);
        let (up, _) = watch::channel(true);
        let delay = Arc::new(Mutex::new(Duration::ZERO));
        let task = tokio::spawn(serve(
            listener,
            backend,
            cut.clone(),
            up.subscribe(),
            delay.clone(),
        ));
        Ok(Arc::new(ChaosProxy {
            address,
            backend,
            cut,
            up,
            delay,
            task,
        }))
    }

    /// `url` (a `postgres://` URL) pointed at a new proxy in front of its server.
    pub async fn in_front_of(url: &str) -> Result<(Arc<ChaosProxy>, String), String> {
        let mut url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let backend = url
            .socket_addrs(|| Some(5432))
            .map_err(|e| e.to_string())?
            .first()
            .copied()
            .ok_or("the database URL names no address")?;
        let proxy = ChaosProxy::start(backend)
            .await
            .map_err(|e| e.to_string())?;
        url.set_ip_host(proxy.address.ip())
            .map_err(|()| "not an IP host")?;
        url.set_port(Some(proxy.address.port()))
            .map_err(|()| "no port on this URL")?;
        Ok((proxy, url.to_string()))
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn backend(&self) -> SocketAddr {
        self.backend
    }

    /// Cuts every open connection, and refuses new ones until restored: the database
    /// is gone, as far as the app can tell.
    pub fn break_networking(&self) {
        self.up.send_replace(false);
        let _ = self.cut.send(());
    }

    pub fn restore_networking(&self) {
        self.up.send_replace(true);
    }

    /// Holds every chunk this long before passing it on (zero: none).
    pub fn delay(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
        let _ = self.cut.send(());
    }
}

async fn serve(
    listener: TcpListener,
    backend: SocketAddr,
    cut: broadcast::Sender<()>,
    up: watch::Receiver<bool>,
    delay: Arc<Mutex<Duration>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        // Refused while broken: the connection is closed at once, as a server that is
        // down (or a network that drops it) answers.
        if !*up.borrow() {
            drop(client);
            continue;
        }
        let Ok(server) = TcpStream::connect(backend).await else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        tokio::spawn(pass(
            client_read,
            server_write,
            cut.subscribe(),
            delay.clone(),
        ));
        tokio::spawn(pass(
            server_read,
            client_write,
            cut.subscribe(),
            delay.clone(),
        ));
    }
}

/// Copies one direction of a connection until either side closes or a cut comes.
async fn pass(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut cut: broadcast::Receiver<()>,
    delay: Arc<Mutex<Duration>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = from.read(&mut buffer) => {
                let Ok(n @ 1..) = read else { break };
                let wait = *delay.lock().unwrap();
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                if to.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
            _ = cut.recv() => break,
        }
    }
    // Dropping both halves' owners closes the socket: the peer sees the connection end.
    let _ = to.shutdown().await;
}
